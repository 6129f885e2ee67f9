"""Maintained counters: flows per (kind, area, day) and current stock per (kind, area, key),
for the area **and every ancestor**, so a subtree's figure is one row read and a command-centre
tile never runs a GROUP BY over a fact table.

* :mod:`.registry` — a module registers a :class:`~.registry.Kind`: its flow names and how a
  timeline entry moves them, its stock keys and which keys an object counts in
* :mod:`.writer` — :func:`~.writer.count` / :func:`~.writer.count_many`, called inside the
  transaction that writes the timeline entries
* :mod:`.readers` — tiles (stock now + flows of a period) and the children breakdown
* :mod:`.rebuild` — recompute from the fact tables (``gridgov rebuild-counters [--kind K]``)

Cases register in :mod:`gridgov.cases.indicators`.
"""
