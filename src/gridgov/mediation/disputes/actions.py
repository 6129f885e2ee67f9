"""The dispute actions, each in one place: its service, its web form, the API fields it reads
and the message the page shows when it is done (the kernel's
:class:`~gridgov.kernel.workflow.ActionRegistry`). The pages and the API
(``POST /api/v1/mediation/disputes/{id}/actions/{action}``) both dispatch from :data:`ACTIONS`.

Adding an action: a row in :data:`gridgov.mediation.disputes.states.TRANSITIONS`, its service,
and one :class:`~gridgov.kernel.workflow.ActionSpec` here.

API aliases: ``outcome`` (with ``outcome``: agreement, no_agreement or withdrawn) beside
``agree``/``fail``/``withdraw``; ``decide_extension`` (with ``approve``) beside
``approve_extension``/``deny_extension``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.errors import ValidationFailed
from gridgov.kernel.workflow import ActionCall, ActionRegistry, ActionSpec
from gridgov.mediation.disputes import forms
from gridgov.mediation.disputes import services as svc
from gridgov.mediation.disputes.states import OUTCOME_OF, Action
from gridgov.mediation.models import MediationRoom, Mediator

ACTIONS = ActionRegistry("disputes")


# --- Input helpers ----------------------------------------------------------------------------


def need(value: Any, field: str) -> Any:
    if value is None or value == "":
        msg = _("This field is required.")
        raise ValidationFailed(msg, code="required", fields={field: msg})
    return value


def _web(call: ActionCall) -> dict[str, Any]:
    """The service arguments every web action shares."""
    return {"actor": call.actor, "dispute": call.obj, "version": call.data["version"]}


def _api(call: ActionCall) -> dict[str, Any]:
    """The service arguments every API action shares (``version`` required)."""
    version = int(need(call.payload.version, "version"))
    return {"actor": call.actor, "dispute": call.obj, "version": version}


def _api_mediator(call: ActionCall) -> dict[str, Any]:
    p = call.payload
    mediator = Mediator.objects.filter(pk=need(p.mediator, "mediator")).first()
    if mediator is None:
        msg = _("Choose an active mediator of your jurisdiction.")
        raise ValidationFailed(msg, fields={"mediator": msg})
    room = None
    if p.room is not None:
        room = MediationRoom.objects.filter(pk=p.room).first()
        if room is None:
            msg = _("Choose an active mediation room of your jurisdiction.")
            raise ValidationFailed(msg, fields={"room": msg})
    return {"mediator": mediator, "room": room}


def _outcome(call: ActionCall) -> str:
    if call.action == "outcome":
        return str(need(call.payload.outcome, "outcome"))
    return OUTCOME_OF[call.action]


def _api_outcome(call: ActionCall) -> Any:
    p = call.payload
    return svc.dispute_outcome(
        **_api(call),
        outcome=_outcome(call),
        note=p.note,
        referred_to=p.referred_to,
        referred_body=p.referred_body,
    )


def _web_outcome(call: ActionCall) -> Any:
    d = call.data
    return svc.dispute_outcome(
        **_web(call),
        outcome=OUTCOME_OF[call.action],
        note=d.get("note", ""),
        referred_to=d.get("referred_to", ""),
        referred_body=d.get("referred_body", ""),
    )


def _api_decide(call: ActionCall) -> Any:
    p = call.payload
    if call.action == "decide_extension":
        approve = bool(need(p.approve, "approve"))
    else:
        approve = call.action == Action.APPROVE_EXTENSION
    return svc.dispute_decide_extension(**_api(call), approve=approve, note=p.note)


def _web_decide(call: ActionCall) -> Any:
    return svc.dispute_decide_extension(
        **_web(call), approve=call.action == Action.APPROVE_EXTENSION, note=call.data["note"]
    )


def _api_party(call: ActionCall) -> Any:
    party = need(call.payload.party, "party")
    return svc.dispute_party_add(
        **_api(call),
        party=svc.PartyIn(
            name=party.name,
            role=party.role,
            id_number=party.id_number,
            phone=party.phone,
            address=party.address,
        ),
    )


def _web_party(call: ActionCall) -> Any:
    d = call.data
    return svc.dispute_party_add(
        **_web(call),
        party=svc.PartyIn(
            name=d["name"],
            role=d["role"],
            id_number=d["id_number"],
            phone=d["phone"],
            address=d["address"],
        ),
    )


def _api_urge(call: ActionCall) -> Any:
    p = call.payload
    return svc.dispute_urge(
        actor=call.actor, dispute=call.obj, version=p.version, message=p.message or p.note
    )


# --- The actions, in the order a page offers them ---------------------------------------------


def _register(*specs: ActionSpec) -> None:
    for spec in specs:
        ACTIONS.register(spec)


_register(
    ActionSpec(
        action=Action.ACCEPT,
        service=svc.dispute_accept,
        form=forms.AcceptForm,
        web=lambda c: svc.dispute_accept(**_web(c), note=c.data["note"]),
        api=lambda c: svc.dispute_accept(**_api(c), note=c.payload.note),
        api_fields=("version", "note"),
        done=gettext_lazy("The dispute is accepted."),
    ),
    ActionSpec(
        action=Action.REFER,
        service=svc.dispute_refer,
        form=forms.ReferForm,
        web=lambda c: svc.dispute_refer(
            **_web(c),
            referred_to=c.data["referred_to"],
            referred_body=c.data["referred_body"],
            reason=c.data["reason"],
        ),
        api=lambda c: svc.dispute_refer(
            **_api(c),
            referred_to=c.payload.referred_to,
            referred_body=c.payload.referred_body,
            reason=c.payload.reason or c.payload.note,
        ),
        api_fields=("version", "referred_to", "referred_body", "reason"),
        done=gettext_lazy("The dispute is referred elsewhere."),
    ),
    ActionSpec(
        action=Action.ASSIGN,
        service=svc.dispute_assign,
        form=forms.AssignForm,
        web=lambda c: svc.dispute_assign(
            **_web(c), mediator=c.data["mediator"], room=c.data["room"], note=c.data["note"]
        ),
        api=lambda c: svc.dispute_assign(**_api(c), **_api_mediator(c), note=c.payload.note),
        api_fields=("version", "mediator", "room", "note"),
        done=gettext_lazy("The mediator is assigned."),
    ),
    ActionSpec(
        action=Action.SESSION,
        service=svc.dispute_session_add,
        form=forms.SessionForm,
        web=lambda c: svc.dispute_session_add(
            **_web(c),
            held_at=c.data["held_at"],
            place=c.data["place"],
            attendees=c.data["attendees"],
            minutes=c.data["minutes"],
        ),
        api=lambda c: svc.dispute_session_add(
            **_api(c),
            held_at=need(c.payload.held_at, "held_at"),
            place=c.payload.place,
            attendees=c.payload.attendees,
            minutes=c.payload.minutes,
        ),
        api_fields=("version", "held_at", "place", "attendees", "minutes"),
        done=gettext_lazy("The session is recorded."),
    ),
    ActionSpec(
        action=Action.AGREE,
        service=svc.dispute_outcome,
        form=forms.AgreeForm,
        web=_web_outcome,
        api=_api_outcome,
        api_fields=("version", "note", "outcome (outcome)"),
        done=gettext_lazy("The agreement is recorded."),
        aliases=("outcome",),
    ),
    ActionSpec(
        action=Action.FAIL,
        service=svc.dispute_outcome,
        form=forms.FailForm,
        web=_web_outcome,
        api=_api_outcome,
        api_fields=("version", "referred_to", "referred_body", "note"),
        done=gettext_lazy("No agreement: the dispute is referred on."),
    ),
    ActionSpec(
        action=Action.WITHDRAW,
        service=svc.dispute_outcome,
        form=forms.WithdrawForm,
        web=_web_outcome,
        api=_api_outcome,
        api_fields=("version", "note"),
        done=gettext_lazy("The dispute is withdrawn."),
    ),
    ActionSpec(
        action=Action.FOLLOW_UP,
        service=svc.dispute_follow_up,
        form=forms.FollowUpForm,
        web=lambda c: svc.dispute_follow_up(
            **_web(c),
            visited_at=c.data["visited_at"],
            performance=c.data["performance"],
            note=c.data["note"],
        ),
        api=lambda c: svc.dispute_follow_up(
            **_api(c),
            visited_at=need(c.payload.visited_at, "visited_at"),
            performance=c.payload.performance,
            note=c.payload.note,
        ),
        api_fields=("version", "visited_at", "performance", "note"),
        done=gettext_lazy("The follow-up visit is recorded."),
    ),
    ActionSpec(
        action=Action.CLOSE,
        service=svc.dispute_close,
        form=forms.CloseForm,
        web=lambda c: svc.dispute_close(**_web(c), note=c.data["note"]),
        api=lambda c: svc.dispute_close(**_api(c), note=c.payload.note),
        api_fields=("version", "note"),
        done=gettext_lazy("The dispute is closed."),
    ),
    ActionSpec(
        action=Action.SET_RISK,
        service=svc.dispute_set_risk,
        form=forms.SetRiskForm,
        web=lambda c: svc.dispute_set_risk(
            **_web(c), risk=c.data["risk"], reasons=c.data["reasons"]
        ),
        api=lambda c: svc.dispute_set_risk(
            **_api(c),
            risk=need(c.payload.risk, "risk"),
            reasons=c.payload.reasons or c.payload.reason,
        ),
        api_fields=("version", "risk", "reasons"),
        done=gettext_lazy("The risk level is changed."),
    ),
    ActionSpec(
        action=Action.ADD_PARTY,
        service=svc.dispute_party_add,
        form=forms.AddPartyForm,
        web=_web_party,
        api=_api_party,
        api_fields=("version", "party"),
        done=gettext_lazy("The party is added."),
    ),
    ActionSpec(
        action=Action.REQUEST_EXTENSION,
        service=svc.dispute_request_extension,
        form=forms.RequestExtensionForm,
        web=lambda c: svc.dispute_request_extension(
            **_web(c), days=c.data["days"], reason=c.data["reason"]
        ),
        api=lambda c: svc.dispute_request_extension(
            **_api(c), days=need(c.payload.days, "days"), reason=c.payload.reason
        ),
        api_fields=("version", "days", "reason"),
        done=gettext_lazy("Your request is sent."),
    ),
    ActionSpec(
        action=Action.APPROVE_EXTENSION,
        service=svc.dispute_decide_extension,
        form=forms.ApproveExtensionForm,
        web=_web_decide,
        api=_api_decide,
        api_fields=("version", "note", "approve (decide_extension)"),
        done=gettext_lazy("The extension is approved."),
        aliases=("decide_extension",),
    ),
    ActionSpec(
        action=Action.DENY_EXTENSION,
        service=svc.dispute_decide_extension,
        form=forms.DenyExtensionForm,
        web=_web_decide,
        api=_api_decide,
        api_fields=("version", "note"),
        done=gettext_lazy("The extension is refused."),
    ),
    ActionSpec(
        action=Action.URGE,
        service=svc.dispute_urge,
        form=forms.UrgeForm,
        web=lambda c: svc.dispute_urge(
            actor=c.actor, dispute=c.obj, version=c.data["version"], message=c.data["message"]
        ),
        api=_api_urge,
        api_fields=("message", "version (optional)"),
        done=gettext_lazy("The mediator is urged."),
    ),
)
