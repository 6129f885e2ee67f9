"""Importers of cases from other systems: the 12345 hotline's Excel work orders
(:mod:`.hotline`)."""
