"""Mediation: numbers."""
