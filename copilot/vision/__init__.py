"""Screen capture building blocks: displays, change detection, OCR, description, indexing."""
