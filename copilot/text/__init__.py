"""Text helpers shared by search, detectors, exports and the TUI (no heavy imports)."""
