"""Mediation models, by topic."""

from gridgov.mediation.models.disputes import (
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeKey,
    DisputeParty,
    DisputeSequence,
    FollowUp,
    MediationSession,
)
from gridgov.mediation.models.documents import DocumentTemplate
from gridgov.mediation.models.orgs import Committee, DisputeType, MediationRoom, Mediator
from gridgov.mediation.models.screening import (
    ScreeningEvent,
    ScreeningPlan,
    ScreeningReturn,
    ScreeningRound,
)

__all__ = [
    "Committee",
    "Dispute",
    "DisputeAttachment",
    "DisputeEvent",
    "DisputeKey",
    "DisputeParty",
    "DisputeSequence",
    "DisputeType",
    "DocumentTemplate",
    "FollowUp",
    "MediationRoom",
    "MediationSession",
    "Mediator",
    "ScreeningEvent",
    "ScreeningPlan",
    "ScreeningReturn",
    "ScreeningRound",
]
