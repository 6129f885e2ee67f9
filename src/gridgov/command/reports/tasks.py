"""Periodic jobs of command-centre reports."""
