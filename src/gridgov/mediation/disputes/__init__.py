"""Mediation: disputes."""
