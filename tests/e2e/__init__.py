"""End-to-end journeys in a real Chromium against the app as `make run` starts it."""
