"""Server mode: the FastAPI backend over a runtime (`copilot serve`)."""
