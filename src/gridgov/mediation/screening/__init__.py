"""Mediation: screening."""
