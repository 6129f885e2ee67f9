"""gridgov — integrated grassroots-governance platform."""

__version__ = "0.9.0"
