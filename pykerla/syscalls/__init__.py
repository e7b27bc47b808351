"""System-call handlers, one module per area, registered in syscalls.table."""
