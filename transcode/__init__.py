"""Transcode: rendition ladders, loudness, thumbnails, subtitles and clip renders (issues 3, 4, 7)."""
