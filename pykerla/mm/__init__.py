"""Memory management: physical frames, page tables, address spaces, user memory access."""
