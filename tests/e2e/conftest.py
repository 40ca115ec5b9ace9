"""Screen fixtures (private Xvfb, Tk windows) shared with the vision tests."""

from tests.vision.conftest import loopback_only, tk_window, xvfb  # noqa: F401
