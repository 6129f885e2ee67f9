"""The case actions, each in one place: its service, its web form, the API fields it reads and
the message the page shows when it is done (the kernel's
:class:`~gridgov.kernel.workflow.ActionRegistry`). The detail page (:func:`gridgov.cases.views.act`)
and the API (``POST /api/v1/cases/{id}/actions/{action}``) both dispatch from :data:`ACTIONS`.

Adding an action: a row in :data:`gridgov.cases.states.TRANSITIONS`, its service, and one
:class:`~gridgov.kernel.workflow.ActionSpec` here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.models import Department
from gridgov.areas.models import Area
from gridgov.cases import forms, guards, selectors
from gridgov.cases.models import Case
from gridgov.cases.services import checking
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.states import Action
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.kernel.workflow import ActionCall, ActionRegistry, ActionSpec

ACTIONS = ActionRegistry("cases")


# --- Input helpers ----------------------------------------------------------------------------


def need(value: Any, field: str) -> Any:
    if value is None:
        raise ValidationFailed(
            _("This field is required."), fields={field: _("This field is required.")}
        )
    return value


def _web(call: ActionCall) -> dict[str, Any]:
    """The service arguments every web action shares."""
    return {"actor": call.actor, "case": call.obj, "version": call.data["version"]}


def _api(call: ActionCall) -> dict[str, Any]:
    """The service arguments every API action shares (``version`` required)."""
    version = int(need(call.payload.version, "version"))
    return {"actor": call.actor, "case": call.obj, "version": version}


def _web_unit(call: ActionCall) -> dict[str, Any]:
    form = call.form
    assert isinstance(form, forms.UnitForm)
    kind, pk = form.unit_target()
    if kind == "dept":
        return {"to_department": Department.objects.get(pk=pk), "to_area": None}
    return {"to_area": Area.objects.get(pk=pk), "to_department": None}


def _api_area(pk: int | None, field: str) -> Area | None:
    if pk is None:
        return None
    area = Area.objects.filter(pk=pk, is_active=True).first()
    if area is None:
        raise ValidationFailed(_("Unknown area."), fields={field: _("Unknown area.")})
    return area


def _api_department(pk: int | None) -> Department | None:
    if pk is None:
        return None
    dept = Department.objects.select_related("area").filter(pk=pk, is_active=True).first()
    if dept is None:
        raise ValidationFailed(
            _("Unknown department."), fields={"to_department": _("Unknown department.")}
        )
    return dept


def _api_unit(call: ActionCall) -> dict[str, Any]:
    p = call.payload
    return {
        "to_area": _api_area(p.to_area, "to_area"),
        "to_department": _api_department(p.to_department),
    }


def _api_photos(call: ActionCall) -> list[bytes]:
    from gridgov.cases.api_intake import _decode_photos

    return _decode_photos(call.payload.photos)


def _web_merge_target(call: ActionCall) -> Case:
    number = call.data["target"]
    target = selectors.case_list_for(actor=call.actor).filter(number=number).first()
    if target is None:
        message = _("No case with this number in your jurisdiction.")
        raise ValidationFailed(message, fields={"target": message})
    return target


def _api_merge_target(call: ActionCall) -> Case:
    into_id = int(need(call.payload.into, "into"))
    try:
        return selectors.case_get_for(actor=call.actor, pk=into_id)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"into": exc.message}) from exc


def _api_urge(call: ActionCall) -> Any:
    # case_urge checks inside its transaction, which rolls the refusal's audit entry back:
    # check (and audit) first.
    guards.require_action(case=call.obj, user=call.actor, action=Action.URGE)
    p = call.payload
    return lc.case_urge(
        actor=call.actor, case=call.obj, message=p.message or p.note, version=p.version
    )


def _api_decide(call: ActionCall) -> Any:
    p = call.payload
    decide = call.action == "decide_delay"
    approve = p.approve if decide else call.action == Action.APPROVE_DELAY
    return lc.case_decide_delay(**_api(call), approve=bool(need(approve, "approve")), note=p.note)


def _api_verify(call: ActionCall) -> Any:
    p = call.payload
    passed = p.passed if call.action == "verify" else call.action == Action.VERIFY_PASS
    return lc.case_verify(**_api(call), passed=bool(need(passed, "passed")), note=p.note)


def _web_verify(call: ActionCall) -> Any:
    d = call.data
    return lc.case_verify(
        **_web(call),
        passed=call.action == Action.VERIFY_PASS,
        note=d["note"],
        photos=d["photos"],
    )


def _web_decide(call: ActionCall) -> Any:
    return lc.case_decide_delay(
        **_web(call), approve=call.action == Action.APPROVE_DELAY, note=call.data["note"]
    )


# --- The actions, in the order a page offers them ---------------------------------------------


def _register(*specs: ActionSpec) -> None:
    for spec in specs:
        ACTIONS.register(spec)


_register(
    ActionSpec(
        action=Action.CHECK_CONFIRM,
        service=checking.case_check_confirm,
        form=forms.CheckConfirmForm,
        web=lambda c: checking.case_check_confirm(
            **_web(c), note=c.data["note"], photos=c.data["photos"]
        ),
        api=lambda c: checking.case_check_confirm(
            **_api(c), note=c.payload.note, photos=_api_photos(c)
        ),
        api_fields=("version", "note", "photos"),
        done=gettext_lazy("Verified: the report goes on for acceptance."),
    ),
    ActionSpec(
        action=Action.CHECK_RESOLVE,
        service=checking.case_check_resolve,
        form=forms.CheckResolveForm,
        web=lambda c: checking.case_check_resolve(
            **_web(c), reply=c.data["reply"], photos=c.data["photos"]
        ),
        api=lambda c: checking.case_check_resolve(
            **_api(c), reply=c.payload.reply or c.payload.note, photos=_api_photos(c)
        ),
        api_fields=("version", "reply", "photos"),
        done=gettext_lazy("Resolved on the spot: the case is closed."),
    ),
    ActionSpec(
        action=Action.CHECK_REJECT,
        service=checking.case_check_reject,
        form=forms.CheckRejectForm,
        web=lambda c: checking.case_check_reject(
            **_web(c), reason=c.data["reason"], note=c.data["note"]
        ),
        api=lambda c: checking.case_check_reject(
            **_api(c), reason=c.payload.reason, note=c.payload.note
        ),
        api_fields=("version", "reason", "note"),
        done=gettext_lazy("The report is not accepted; the reporter is told why."),
    ),
    ActionSpec(
        action=Action.CHECK_PASS_UP,
        service=checking.case_check_pass_up,
        form=forms.CheckPassUpForm,
        web=lambda c: checking.case_check_pass_up(**_web(c), note=c.data["note"]),
        api=lambda c: checking.case_check_pass_up(
            **_api(c), note=c.payload.note or c.payload.reason
        ),
        api_fields=("version", "note"),
        done=gettext_lazy("The report is passed up to the dispatchers."),
    ),
    ActionSpec(
        action=Action.ACCEPT_DISPATCH,
        service=lc.case_accept_dispatch,
        form=forms.AcceptDispatchForm,
        web=lambda c: lc.case_accept_dispatch(**_web(c), **_web_unit(c), note=c.data["note"]),
        api=lambda c: lc.case_accept_dispatch(**_api(c), **_api_unit(c), note=c.payload.note),
        api_fields=("version", "to_area", "to_department", "note"),
        done=gettext_lazy("The case is accepted and dispatched."),
    ),
    ActionSpec(
        action=Action.ACCEPT,
        service=lc.case_accept,
        form=forms.AcceptForm,
        web=lambda c: lc.case_accept(**_web(c), note=c.data["note"]),
        api=lambda c: lc.case_accept(**_api(c), note=c.payload.note),
        api_fields=("version", "note"),
        done=gettext_lazy("The case is accepted."),
    ),
    ActionSpec(
        action=Action.REJECT,
        service=lc.case_reject,
        form=forms.RejectForm,
        web=lambda c: lc.case_reject(**_web(c), reason=c.data["reason"]),
        api=lambda c: lc.case_reject(**_api(c), reason=c.payload.reason or c.payload.note),
        api_fields=("version", "reason"),
        done=gettext_lazy("The case is rejected."),
    ),
    ActionSpec(
        action=Action.MERGE,
        service=lc.case_merge,
        form=forms.MergeForm,
        web=lambda c: lc.case_merge(**_web(c), into=_web_merge_target(c), note=c.data["note"]),
        api=lambda c: lc.case_merge(**_api(c), into=_api_merge_target(c), note=c.payload.note),
        api_fields=("version", "into", "note"),
        done=gettext_lazy("The case is merged."),
    ),
    ActionSpec(
        action=Action.DISPATCH,
        service=lc.case_dispatch,
        form=forms.DispatchForm,
        web=lambda c: lc.case_dispatch(**_web(c), **_web_unit(c), note=c.data["note"]),
        api=lambda c: lc.case_dispatch(**_api(c), **_api_unit(c), note=c.payload.note),
        api_fields=("version", "to_area", "to_department", "note"),
        done=gettext_lazy("The case is dispatched."),
    ),
    ActionSpec(
        action=Action.SIGN,
        service=lc.case_sign,
        form=forms.SignForm,
        web=lambda c: lc.case_sign(**_web(c)),
        api=lambda c: lc.case_sign(**_api(c)),
        api_fields=("version",),
        done=gettext_lazy("You signed for the case."),
    ),
    ActionSpec(
        action=Action.REPLY,
        service=lc.case_reply,
        form=forms.ReplyForm,
        web=lambda c: lc.case_reply(**_web(c), reply=c.data["reply"], photos=c.data["photos"]),
        api=lambda c: lc.case_reply(**_api(c), reply=c.payload.reply or c.payload.note),
        api_fields=("version", "reply"),
        done=gettext_lazy("Your reply is saved."),
    ),
    ActionSpec(
        action=Action.REQUEST_DELAY,
        service=lc.case_request_delay,
        form=forms.RequestDelayForm,
        web=lambda c: lc.case_request_delay(
            **_web(c),
            kind=c.data["kind"],
            amount=c.data["amount"],
            unit=c.data["unit"],
            reason=c.data["reason"],
        ),
        api=lambda c: lc.case_request_delay(
            **_api(c),
            kind=c.payload.kind,
            amount=c.payload.amount,
            unit=c.payload.unit,
            reason=c.payload.reason or c.payload.note,
        ),
        api_fields=("version", "kind", "amount", "unit", "reason"),
        done=gettext_lazy("Your request is sent."),
    ),
    ActionSpec(
        action=Action.APPROVE_DELAY,
        service=lc.case_decide_delay,
        form=forms.ApproveDelayForm,
        web=_web_decide,
        api=_api_decide,
        api_fields=("version", "note", "approve (decide_delay)"),
        done=gettext_lazy("The request is approved."),
        aliases=("decide_delay",),
    ),
    ActionSpec(
        action=Action.DENY_DELAY,
        service=lc.case_decide_delay,
        form=forms.DenyDelayForm,
        web=_web_decide,
        api=_api_decide,
        api_fields=("version", "note"),
        done=gettext_lazy("The request is denied."),
    ),
    ActionSpec(
        action=Action.RESUME,
        service=lc.case_resume,
        form=forms.ResumeForm,
        web=lambda c: lc.case_resume(**_web(c), note=c.data["note"]),
        api=lambda c: lc.case_resume(**_api(c), note=c.payload.note),
        api_fields=("version", "note"),
        done=gettext_lazy("The case is resumed."),
    ),
    ActionSpec(
        action=Action.RETURN,
        service=lc.case_return,
        form=forms.ReturnForm,
        web=lambda c: lc.case_return(**_web(c), reason=c.data["reason"]),
        api=lambda c: lc.case_return(**_api(c), reason=c.payload.reason or c.payload.note),
        api_fields=("version", "reason"),
        done=gettext_lazy("The case is returned."),
    ),
    ActionSpec(
        action=Action.ESCALATE,
        service=lc.case_escalate,
        form=forms.EscalateForm,
        web=lambda c: lc.case_escalate(**_web(c), note=c.data["note"]),
        api=lambda c: lc.case_escalate(**_api(c), note=c.payload.note or c.payload.reason),
        api_fields=("version", "note"),
        done=gettext_lazy("The case is escalated."),
    ),
    ActionSpec(
        action=Action.REASSIGN,
        service=lc.case_reassign,
        form=forms.ReassignForm,
        web=lambda c: lc.case_reassign(**_web(c), **_web_unit(c), note=c.data["note"]),
        api=lambda c: lc.case_reassign(**_api(c), **_api_unit(c), note=c.payload.note),
        api_fields=("version", "to_area", "to_department", "note"),
        done=gettext_lazy("The case is reassigned."),
    ),
    ActionSpec(
        action=Action.VERIFY_PASS,
        service=lc.case_verify,
        form=forms.VerifyPassForm,
        web=_web_verify,
        api=_api_verify,
        api_fields=("version", "note", "passed (verify)"),
        done=gettext_lazy("Verified: the case is closed."),
        aliases=("verify",),
    ),
    ActionSpec(
        action=Action.VERIFY_FAIL,
        service=lc.case_verify,
        form=forms.VerifyFailForm,
        web=_web_verify,
        api=_api_verify,
        api_fields=("version", "note"),
        done=gettext_lazy("The case is sent back for rework."),
    ),
    ActionSpec(
        action=Action.URGE,
        service=lc.case_urge,
        form=forms.UrgeForm,
        web=lambda c: lc.case_urge(**_web(c), message=c.data["message"]),
        api=_api_urge,
        api_fields=("message", "version (optional)"),
        done=gettext_lazy("The handlers are urged."),
    ),
    ActionSpec(
        action=Action.RATE,
        service=lc.case_rate,
        form=forms.RateForm,
        web=lambda c: lc.case_rate(
            **_web(c),
            rating=c.data["rating"],
            comment=c.data["comment"],
            callback=bool(c.data.get("callback")),
        ),
        api=lambda c: lc.case_rate(
            **_api(c),
            rating=c.payload.rating,
            comment=c.payload.comment or c.payload.note,
            callback=c.payload.callback,
        ),
        api_fields=("version", "rating", "comment", "callback"),
        done=gettext_lazy("Thank you, the rating is saved."),
    ),
    ActionSpec(
        action=Action.REOPEN,
        service=lc.case_reopen,
        form=forms.ReopenForm,
        web=lambda c: lc.case_reopen(**_web(c), reason=c.data["reason"]),
        api=lambda c: lc.case_reopen(**_api(c), reason=c.payload.reason or c.payload.note),
        api_fields=("version", "reason"),
        done=gettext_lazy("The case is reopened."),
    ),
    ActionSpec(
        action=Action.COMMENT,
        service=lc.case_comment,
        form=forms.CommentForm,
        web=lambda c: lc.case_comment(actor=c.actor, case=c.obj, note=c.data["note"]),
        api=lambda c: lc.case_comment(actor=c.actor, case=c.obj, note=c.payload.note),
        api_fields=("note",),
        done=gettext_lazy("The note is added."),
    ),
)
