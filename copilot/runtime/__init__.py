"""The runtime: the loop that owns all state, sessions, streams and their features."""
