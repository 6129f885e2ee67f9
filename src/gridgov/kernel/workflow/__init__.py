"""Workflows of governed work: transition tables (:mod:`.table`), the one way an object
changes state (:mod:`.apply`) and the action registry the web and the API dispatch from
(:mod:`.registry`)."""

from gridgov.kernel.workflow.apply import (
    Step,
    actor_label,
    apply_batch,
    apply_chain,
    apply_transition,
    new_entry,
    record_entry,
)
from gridgov.kernel.workflow.registry import ActionCall, ActionRegistry, ActionSpec
from gridgov.kernel.workflow.table import Guard, Transition, Workflow, states, table

__all__ = [
    "ActionCall",
    "ActionRegistry",
    "ActionSpec",
    "Guard",
    "Step",
    "Transition",
    "Workflow",
    "actor_label",
    "apply_batch",
    "apply_chain",
    "apply_transition",
    "new_entry",
    "record_entry",
    "states",
    "table",
]
