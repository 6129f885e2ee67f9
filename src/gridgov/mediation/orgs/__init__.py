"""Mediation: orgs."""
