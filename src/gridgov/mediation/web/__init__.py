"""Mediation: web."""
