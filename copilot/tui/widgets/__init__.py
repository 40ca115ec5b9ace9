"""Widgets and screens of the copilot TUI."""
