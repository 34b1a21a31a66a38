"""Media code that more than one domain needs, and no domain owns: the FFmpeg runner, the typed
facts of a source (`SourceInfo`) and of a rendition, loudness measurement, playlist signing, subtitle
cues, formats and ASS styling. It imports no domain."""
