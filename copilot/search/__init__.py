"""Offline search building blocks: MiniLM embedding, Chroma + FTS5 hybrid segment index."""
