"""gridgov — integrated grassroots-governance platform."""

__version__ = "0.10.0"
