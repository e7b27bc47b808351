"""Tasks, thread groups, scheduling, fork/exec/exit/wait, signals, ELF loading."""
