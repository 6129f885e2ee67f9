"""Notification topics of command-centre reports."""
