"""The virtual file system and the file systems behind it."""
