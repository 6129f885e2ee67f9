"""Writes of the rosters: people (households, residents), tags (special groups), places and
staff (PLACES), imports and exports (EXCEL). Each service checks ROSTER_EDIT (or MANAGE_CONFIG)
at the area, runs in one transaction and writes its RosterEvent rows."""
