"""pykerla: an operating-system kernel written in Python that runs unmodified x86-64 Linux binaries."""
