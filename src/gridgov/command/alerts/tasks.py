"""Periodic jobs of command-centre alerts."""
