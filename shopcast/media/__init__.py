"""Media helpers shared by the domains: the one place that runs FFmpeg."""
