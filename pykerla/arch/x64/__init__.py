"""x86-64 facts shared by both platforms."""
