"""Root file-system builders: cpio archives, Debian packages."""
