"""Terminals: line discipline, termios, the console."""
