"""The Textual TUI: watch, search and steer a live meeting from the terminal."""
