"""Notification topics of command-centre alerts."""
