"""Links between cases and mediation (诉调/事件转调解).

* :func:`case_to_mediation` — a case that turns out to be a dispute between people is registered
  as a dispute (``source="case"``, ``from_case``) and the case then follows the mediation: its
  page shows the dispute and its state. The case's own state moves only through existing case
  transitions, the first of these the actor may take:

  1. a report not yet accepted (待核实/待受理) is **not accepted** (不予受理) with the reason
     "转人民调解（矛盾纠纷 <number>）" — the reporter is told where it went;
  2. a case the actor's unit is handling (办理中) gets the **reply** "转人民调解 …" and goes to
     verification (待核查) as usual, where the verifier sees the dispute;
  3. otherwise the case keeps its state and gets a **note** on its timeline saying so.

  No case state is invented; a finished case (办结/已评价/不予受理/已并单) cannot be converted.

* :func:`dispute_open_case` — a dispute that needs a department (a wall to repair, a permit to
  check …) opens a case through the cases intake service (staff channel, at the dispute's area),
  stored as ``Dispute.opened_case``, with an entry on the dispute's timeline.

Both run in one transaction: a refusal on either side writes nothing on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.cases import guards
from gridgov.cases.models import Case
from gridgov.cases.states import FINAL_STATES, Action
from gridgov.core.errors import Code, Conflict
from gridgov.mediation.models import Dispute

TRIAGE_STATES = frozenset({"to_check", "reported"})
# The dispute timeline's entries of the links (no state change).
OPEN_CASE_ACTION = "open_case"
MAX_NOTE = 500


def _note(dispute: Dispute, note: str) -> str:
    """The text kept on the case (and told to the reporter): in the official language, whatever
    the language of the page that asked."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Turned into people's mediation (dispute %(number)s).") % {
            "number": dispute.number
        }
    note = " ".join((note or "").split())[:MAX_NOTE]
    return f"{text} {note}".strip()


def case_step(*, actor: Any, case: Case) -> str:
    """The case transition :func:`case_to_mediation` takes for ``actor`` now (see the module
    docstring): ``reject``, ``reply`` or ``comment``; a Conflict for a finished case."""
    if case.status in FINAL_STATES:
        raise Conflict(
            _("Case %(number)s is finished and cannot be turned into a mediation.")
            % {"number": case.number},
            code=Code.CASE_CLOSED,
        )
    allowed = set(guards.allowed_actions(case=case, user=actor))
    if case.status in TRIAGE_STATES and Action.REJECT in allowed:
        return Action.REJECT
    if case.status == "in_progress" and Action.REPLY in allowed:
        return Action.REPLY
    return Action.COMMENT


def _require_unlinked(case: Case) -> None:
    linked = Dispute.objects.filter(from_case=case).values_list("number", flat=True).first()
    if linked:
        raise Conflict(
            _("Case %(case)s has already been turned into dispute %(dispute)s.")
            % {"case": case.number, "dispute": linked},
            code=Code.CASE_IN_MEDIATION,
        )


def _default_parties(case: Case) -> list[Any]:
    """The reporter as the applicant, when the case names one."""
    from gridgov.cases.services.intake import reporter_phone
    from gridgov.mediation.disputes.services import PartyIn

    if case.anonymous or not case.reporter_name:
        return []
    return [PartyIn(name=case.reporter_name, role="applicant", phone=reporter_phone(case))]


def case_to_mediation(
    *,
    actor: Any,
    case: Case,
    version: int,
    type: Any,
    title: str = "",
    summary: str = "",
    place: str = "",
    amount: Any = None,
    risk: str = "green",
    risk_reasons: str = "",
    sensitive: bool | None = None,
    parties: list[Any] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Dispute:
    """转人民调解: register ``case`` as a dispute at the case's area and move the case as the
    module docstring says. ``case`` was fetched through the cases scoping (the actor sees it);
    the actor needs ``mediation.report`` at the case's area (403, audited). ``parties``: default
    the reporter as applicant. ``version``: the case's, as the actor saw it (409 when stale)."""
    from gridgov.cases.services.handling import case_comment, case_reply
    from gridgov.cases.services.lifecycle import case_reject
    from gridgov.mediation.disputes.services import dispute_register

    now = now or timezone.now()
    if case.version != version:
        raise Conflict(
            _("Case %(number)s was changed by someone else since you opened it. Reload it.")
            % {"number": case.number},
            code=Code.STALE_VERSION,
        )
    step = case_step(actor=actor, case=case)
    _require_unlinked(case)
    # Who may: checked (and a refusal audited) before the transaction, which would undo the
    # audit entry with everything else.
    scoping.require(actor, Perm.MEDIATION_REPORT, case.area, what="case_to_mediation")
    guards.require_action(case=case, user=actor, action=step, now=now)
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        _require_unlinked(case)  # a concurrent conversion got there first
        dispute = dispute_register(
            actor=actor,
            area=case.area,
            type=type,
            title=title or case.title,
            summary=summary or case.description,
            place=place or case.address,
            amount=amount,
            risk=risk,
            risk_reasons=risk_reasons,
            source="case",
            sensitive=sensitive,
            parties=_default_parties(case) if parties is None else parties,
            from_case=case,
            now=now,
        )
        text = _note(dispute, note)
        if step == Action.REJECT:
            case_reject(actor=actor, case=case, version=version, reason=text, now=now)
        elif step == Action.REPLY:
            case_reply(actor=actor, case=case, version=version, reply=text, now=now)
        else:
            case_comment(actor=actor, case=case, note=text, now=now)
    return dispute


def dispute_open_case(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    category: Any,
    title: str = "",
    description: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """Open a case for a department from ``dispute`` (fetched through the scoping layer): the
    cases intake (staff channel ``higher`` — 上级交办 — at the dispute's area, so the case is
    routed and dispatched as any other), ``Dispute.opened_case`` set and a timeline entry. The
    actor needs ``mediation.triage`` at the dispute's area and ``case.report`` there."""
    from gridgov.cases.services.intake import case_report
    from gridgov.kernel.workflow import record_entry
    from gridgov.mediation.disputes.workflow import DISPUTES, in_jurisdiction
    from gridgov.mediation.documents.services import refuse_on_dispute

    now = now or timezone.now()
    if dispute.version != version:
        raise DISPUTES.stale(dispute)
    if dispute.opened_case_id is not None:
        raise Conflict(
            _("Dispute %(number)s has already opened case %(case)s.")
            % {"number": dispute.number, "case": dispute.opened_case.number},  # type: ignore[union-attr]
            code=Code.CASE_ALREADY_OPENED,
        )
    if not in_jurisdiction(actor, Perm.MEDIATION_TRIAGE, dispute):
        refuse_on_dispute(actor, dispute, Perm.MEDIATION_TRIAGE, "dispute_open_case")
    scoping.require(actor, Perm.CASE_REPORT, dispute.area, what="dispute_open_case")
    with translation.override(settings.LANGUAGE_CODE):
        lead = _("From people's mediation, dispute %(number)s.") % {"number": dispute.number}
    body = (description or dispute.summary or "").strip()
    with transaction.atomic():
        case = case_report(
            actor=actor,
            source="higher",
            category=category,
            title=title or dispute.title,
            description=f"{lead}\n{body}".strip(),
            address=dispute.place,
            area=dispute.area,
            idempotency_scope="mediation",
            idempotency_key=f"dispute:{dispute.pk}",
        ).case
        updated = Dispute.objects.filter(pk=dispute.pk, version=version).update(
            opened_case=case, version=F("version") + 1, updated_at=now
        )
        if updated != 1:
            raise DISPUTES.stale(dispute)
        dispute.opened_case = case
        dispute.version = version + 1
        record_entry(
            workflow=DISPUTES,
            obj=dispute,
            action=OPEN_CASE_ACTION,
            actor=actor,
            from_state=dispute.status,
            to_state=dispute.status,
            note=" ".join((note or "").split())[:MAX_NOTE],
            data={"case": case.pk, "case_number": case.number},
            at=now,
        )
    return case


# --- What the case page shows -------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedDispute:
    """A dispute linked with a case, as the case page shows it (``url``: '' when the viewer may
    not open it — a sensitive dispute, or no mediation role there)."""

    number: str
    status: str
    status_label: str
    relation: str  # "from_case" (the case became this dispute) or "opened_case"
    url: str


def dispute_url(pk: int) -> str:
    try:
        return reverse("mediation:dispute_detail", args=[pk])
    except NoReverseMatch:  # the web part is not there yet
        return ""


def linked_disputes(
    user: Any, case: Case, rows: list[Dispute] | None = None
) -> list[LinkedDispute]:
    """The disputes a case became or was opened by, each with its state; a link only where
    ``user`` may see the dispute. A sensitive dispute shows only as "in mediation" without its
    number to those who may not see it."""
    from gridgov.mediation.disputes.workflow import in_jurisdiction

    if rows is None:
        rows = _linked(case)
    out = []
    for d in rows:
        visible = in_jurisdiction(user, Perm.MEDIATION_VIEW, d)
        out.append(
            LinkedDispute(
                number=d.number if visible or not d.sensitive else "",
                status=d.status,
                status_label=str(d.get_status_display()),
                relation="from_case" if d.from_case_id == case.pk else "opened_case",
                url=dispute_url(d.pk) if visible else "",
            )
        )
    return out


def _linked(case: Case) -> list[Dispute]:
    return list(
        Dispute.objects.filter(Q(from_case=case) | Q(opened_case=case)).order_by("registered_at")
    )


def may_convert(user: Any, case: Case, rows: list[Dispute] | None = None) -> bool:
    """Offer "转人民调解" on the case page? An open, not yet converted case, and the user holds
    ``mediation.report`` at its area."""
    if case.status in FINAL_STATES or not scoping.can_path(
        user, Perm.MEDIATION_REPORT, case.area_path
    ):
        return False
    if rows is None:
        rows = _linked(case)
    return not any(d.from_case_id == case.pk for d in rows)


def case_panel(user: Any, case: Case) -> dict[str, Any]:
    """The context of the case page's mediation panel (``mediation/documents/case_panel.html``)."""
    from gridgov.mediation.documents.forms import CaseToMediationForm

    rows = _linked(case)
    convert = may_convert(user, case, rows)
    return {
        "disputes": linked_disputes(user, case, rows),
        "convert_form": CaseToMediationForm(initial={"version": case.version}) if convert else None,
        "convert_url": reverse("mediation:case_to_mediation", args=[case.pk]) if convert else "",
        "convert_step": case_step(actor=user, case=case) if convert else "",
    }
