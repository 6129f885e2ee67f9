"""Periodic jobs of the live stream (e.g. the demo trickle)."""
