"""Mediation: documents."""
