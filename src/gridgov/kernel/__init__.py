"""The kernel for governed work: what every capability that lives at an area, moves through
states, keeps a timeline, carries attachments, is imported from Excel and counted on the command
centre builds on (cases first, then mediation, points, services …).

One obvious place for each piece:

* :mod:`gridgov.kernel.scoped` — area-scoped models and the ``visible_to`` scoping of their rows
* :mod:`gridgov.kernel.workflow` — transition tables, ``apply_transition`` and the action registry
* :mod:`gridgov.kernel.timeline` — the abstract timeline entry and its one rendering
* :mod:`gridgov.kernel.attachments` — photos and documents (an app of its own)
* :mod:`gridgov.kernel.imports` — Excel import jobs with a registry of sheet kinds (an app)
* :mod:`gridgov.kernel.counters` — maintained per-area, per-day flow and stock counters (an app)

Personal data (masks, encryption, keyed hashes, unmask audit) stays in :mod:`gridgov.core.pii`,
stable API error codes in :mod:`gridgov.core.errors`.
"""
