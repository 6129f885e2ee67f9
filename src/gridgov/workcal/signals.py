"""Signals of the working-time calendar.

``schedule_entered`` is sent after the commit of a change that gave years a schedule they did
not have (an administrator's entry, or a package update adding a year), with ``years`` (a list
of ints). The cases app recomputes the provisional deadlines of those years on it.
"""

from __future__ import annotations

from django.dispatch import Signal

schedule_entered = Signal()
