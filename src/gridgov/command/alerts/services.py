"""Writes of command-centre alerts: the rules engine (:func:`run_rules`, the periodic job
``command.alerts``) and acknowledging an alert (:func:`alert_acknowledge`).

The engine evaluates every registered :class:`~gridgov.command.registry.AlertRule` and
reconciles its hits with the open alerts of the rule by fingerprint:

* a hit with no open alert raises one (at the hit's area), sends it to the inbox of the people
  who watch that area on the command centre (:func:`recipients_for`) and, once committed, to
  the live stream (``gridgov.command.live.publish_alert`` when that exists);
* a hit seen again moves ``last_seen_at`` (and takes the hit's level, title and detail when
  they changed);
* an open alert that the rule no longer finds is cleared (``cleared_at``).

Each rule is reconciled in its own transaction, so a rule that fails (its check raises, or its
hits cannot be written) is logged — by its key and the place of the error, never the message,
which may hold data — and the others go on. Running it twice, or in two workers at once, raises
nothing twice: the database allows one open alert per (rule, fingerprint) (the model's
conditional unique constraint), and an insert that loses that race counts as a hit seen again.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from gridgov.accounts import scoping
from gridgov.accounts.models import RoleGrant
from gridgov.accounts.roles import DEPARTMENT_ROLES, ROLE_PERMS, Perm
from gridgov.areas.models import Area
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.command import registry
from gridgov.command.alerts import conf, selectors
from gridgov.command.alerts import notify as topic
from gridgov.command.models import Alert
from gridgov.command.registry import AlertHit, AlertRule
from gridgov.notifications import titles
from gridgov.notifications.services import Message, notify_many

logger = logging.getLogger("gridgov.command.alerts")

# Rows per IN (...) list.
CHUNK = 500


@dataclass
class RunResult:
    raised: int = 0
    seen: int = 0
    cleared: int = 0
    notified: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "raised": self.raised,
            "seen": self.seen,
            "cleared": self.cleared,
            "notified": self.notified,
            "failed": list(self.failed),
        }


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _where(exc: BaseException) -> str:
    """Where an exception was raised (file:line in function, innermost three frames), without
    its message (which may quote data)."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames)


def _log_failure(rule: AlertRule, stage: str, exc: BaseException) -> None:
    logger.error(
        "alert rule %s failed while %s: %s at %s", rule.key, stage, type(exc).__name__, _where(exc)
    )


# --- The engine ---------------------------------------------------------------------------------


def run_rules(*, now: datetime | None = None, rules: list[AlertRule] | None = None) -> RunResult:
    """Evaluate every registered alert rule (or ``rules``) at ``now`` and reconcile the alerts
    (see the module docstring). Titles are written in the site's language."""
    now = now or timezone.now()
    result = RunResult()
    budget: dict[int, int] = defaultdict(int)  # notices per person in this run
    overflow: dict[int, int] = defaultdict(int)  # notices left out per person
    with translation.override(settings.LANGUAGE_CODE):
        for rule in registry.alert_rules.all() if rules is None else rules:
            try:
                hits = _collect(rule, now)
            except Exception as exc:  # a broken rule must not stop the others
                _log_failure(rule, "checking", exc)
                result.failed.append(rule.key)
                continue
            try:
                _reconcile(rule, hits, now, result, budget, overflow)
            except Exception as exc:
                _log_failure(rule, "writing", exc)
                result.failed.append(rule.key)
        if overflow:
            result.notified += _send_summaries(overflow)
    return result


def _collect(rule: AlertRule, now: datetime) -> list[AlertHit]:
    """The rule's hits, one per fingerprint, at most GRIDGOV_ALERT_MAX_HITS."""
    cap = conf.value("GRIDGOV_ALERT_MAX_HITS")
    seen: set[str] = set()
    hits: list[AlertHit] = []
    for hit in islice(rule.check(now), cap * 2):
        if hit.fingerprint in seen:
            continue
        seen.add(hit.fingerprint)
        hits.append(hit)
        if len(hits) >= cap:
            break
    return hits


_FIELDS = ("id", "rule", "fingerprint", "level", "title", "detail", "area_id", "area_path")


def _reconcile(
    rule: AlertRule,
    hits: list[AlertHit],
    now: datetime,
    result: RunResult,
    budget: dict[int, int],
    overflow: dict[int, int],
) -> None:
    by_fp = {h.fingerprint[:200]: h for h in hits}
    with transaction.atomic():
        open_alerts = {
            a.fingerprint: a
            for a in Alert.objects.filter(rule=rule.key, cleared_at__isnull=True).only(*_FIELDS)
        }
        seen = [a for fp, a in open_alerts.items() if fp in by_fp]
        gone = [a.pk for fp, a in open_alerts.items() if fp not in by_fp]
        new = [h for fp, h in by_fp.items() if fp not in open_alerts]

        for ids in _chunks([a.pk for a in seen]):
            Alert.objects.filter(pk__in=ids).update(last_seen_at=now)
        changed = [a for a in seen if _take_changes(a, by_fp[a.fingerprint])]
        if changed:
            Alert.objects.bulk_update(changed, ["level", "title", "detail"], batch_size=CHUNK)
        result.seen += len(seen)

        for ids in _chunks(gone):
            result.cleared += Alert.objects.filter(pk__in=ids, cleared_at__isnull=True).update(
                cleared_at=now
            )

        raised = _raise(rule, new, now, result)
        result.raised += len(raised)
        if raised:
            result.notified += _notify(rule, raised, budget, overflow)
            transaction.on_commit(lambda: _publish(raised))


def _take_changes(alert: Alert, hit: AlertHit) -> bool:
    """Copy the hit's level, title and detail onto the alert; True when any changed."""
    title = hit.title[:200]
    if (alert.level, alert.title, alert.detail) == (hit.level, title, hit.detail):
        return False
    alert.level, alert.title, alert.detail = hit.level, title, hit.detail
    return True


def _raise(rule: AlertRule, hits: list[AlertHit], now: datetime, result: RunResult) -> list[Alert]:
    """Insert an alert for each new hit; one that another worker raised meanwhile (the unique
    constraint) counts as seen."""
    if not hits:
        return []
    paths: dict[int, str] = {}
    for ids in _chunks(sorted({h.area_id for h in hits})):
        paths.update(Area.objects.filter(pk__in=ids).values_list("pk", "path"))
    raised: list[Alert] = []
    for hit in hits:
        path = paths.get(hit.area_id)
        if path is None:
            continue  # the area is gone: nothing to show it at
        alert = Alert(
            area_id=hit.area_id,
            area_path=path,
            rule=rule.key,
            fingerprint=hit.fingerprint[:200],
            level=hit.level,
            title=hit.title[:200],
            detail=hit.detail,
            item_kind=hit.item_kind,
            item_id=hit.item_id,
            raised_at=now,
            last_seen_at=now,
        )
        try:
            with transaction.atomic():
                alert.save(force_insert=True)
        except IntegrityError:
            Alert.objects.filter(
                rule=rule.key, fingerprint=alert.fingerprint, cleared_at__isnull=True
            ).update(last_seen_at=now)
            result.seen += 1
            continue
        raised.append(alert)
    return raised


def _publish(alerts: list[Alert]) -> None:
    """Hand new alerts to the live stream, if the live part is installed."""
    try:
        from gridgov.command.live import publish_alert
    except ImportError:
        return
    for alert in alerts:
        try:
            publish_alert(alert)
        except Exception as exc:  # the stream is a courtesy; the alert stands
            logger.warning("publishing alert %s failed: %s", alert.pk, type(exc).__name__)


# --- Who hears of an alert -----------------------------------------------------------------------


def _watch_roles(perm: str) -> list[str]:
    """Area roles that hold COMMAND_VIEW and ``perm`` (the rule's own permission)."""
    return sorted(
        str(role)
        for role, perms in ROLE_PERMS.items()
        if Perm.COMMAND_VIEW in perms and perm in perms and role not in DEPARTMENT_ROLES
    )


def recipients_for(rule: AlertRule, alerts: list[Alert]) -> dict[int, list[int]]:
    """``{alert id: [user id, …]}``: the active users holding, at the alert's area or one above
    it, a role with COMMAND_VIEW and the rule's permission (the dispatchers, leaders and
    administrators whose jurisdiction covers it)."""
    roles = _watch_roles(rule.perm)
    area_ids = sorted({int(p) for a in alerts for p in a.area_path.split("/") if p})
    by_area: dict[int, set[int]] = defaultdict(set)
    if roles:
        for ids in _chunks(area_ids):
            grants = RoleGrant.objects.filter(
                area_id__in=ids, role__in=roles, area__is_active=True, user__is_active=True
            ).values_list("area_id", "user_id")
            for area_id, user_id in grants:
                by_area[area_id].add(user_id)
    out: dict[int, list[int]] = {}
    for alert in alerts:
        users: set[int] = set()
        for p in alert.area_path.split("/"):
            if p:
                users |= by_area.get(int(p), set())
        out[alert.pk] = sorted(users)
    return out


def _alerts_url(area_id: int | None = None) -> str:
    url = reverse("command:alerts_list")
    return f"{url}?area={area_id}" if area_id else url


def _notify(
    rule: AlertRule,
    alerts: list[Alert],
    budget: dict[int, int],
    overflow: dict[int, int],
) -> int:
    """Inbox notices of new alerts: one per alert and person, at most GRIDGOV_ALERT_NOTIFY_MAX
    per person and run (the rest are counted for one summary notice)."""
    limit = conf.value("GRIDGOV_ALERT_NOTIFY_MAX")
    who = recipients_for(rule, alerts)
    messages = []
    for alert in alerts:
        ids = []
        for user_id in who.get(alert.pk, []):
            if budget[user_id] >= limit:
                overflow[user_id] += 1
                continue
            budget[user_id] += 1
            ids.append(user_id)
        if not ids:
            continue
        args = {"title": alert.title}
        messages.append(
            Message(
                recipient_ids=tuple(ids),
                kind=topic.KIND,
                title=str(topic.TITLES[topic.KIND]) % args,
                url=_alerts_url(alert.area_id),
                target_type=Alert._meta.label_lower,
                target_id=str(alert.pk),
                dedupe_key=f"command.alert:{alert.pk}",
                params=titles.stored(topic.KIND, args),
            )
        )
    return notify_many(messages)


def _send_summaries(overflow: dict[int, int]) -> int:
    with transaction.atomic():
        return notify_many(
            [
                Message(
                    recipient_ids=(user_id,),
                    kind=topic.SUMMARY_KIND,
                    title=str(topic.TITLES[topic.SUMMARY_KIND]) % {"count": count},
                    url=_alerts_url() + "?open=1",
                    params=titles.stored(topic.SUMMARY_KIND, {"count": count}),
                )
                for user_id, count in sorted(overflow.items())
            ]
        )


# --- Retention ----------------------------------------------------------------------------------


def alerts_prune(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete cleared alerts raised more than ``days`` (GRIDGOV_ALERT_RETENTION_DAYS) ago, in
    batches along the ``raised_at`` index; open alerts stay whatever their age. Returns how many
    were deleted."""
    now = now or timezone.now()
    keep = conf.value("GRIDGOV_ALERT_RETENTION_DAYS") if days is None else days
    before = now - timedelta(days=max(1, keep))
    deleted = 0
    while True:
        ids = list(
            Alert.objects.filter(raised_at__lt=before, cleared_at__isnull=False)
            .order_by("raised_at")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += Alert.objects.filter(pk__in=ids).delete()[0]


# --- Acknowledging -----------------------------------------------------------------------------


def alert_acknowledge(*, actor: Any, alert_id: int) -> Alert:
    """Mark an alert as seen and taken up by ``actor`` (a holder of COMMAND_VIEW — and of the
    rule's own permission — at its area; elsewhere NotFound, with COMMAND_VIEW nowhere
    PermissionDenied, audited). Acknowledging it again changes nothing."""
    if not scoping.has_perm_anywhere(actor, Perm.COMMAND_VIEW):
        scoping.require(actor, Perm.COMMAND_VIEW, None, what="alert_acknowledge")
    with transaction.atomic():
        alert = selectors.alert_get(actor=actor, alert_id=alert_id, for_update=True)
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            event=Event.ALERT_ACKNOWLEDGED,
            actor=actor,
            target=alert,
            target_repr=f"{alert.rule} #{alert.pk}",
            area=alert.area,
            detail={"rule": alert.rule, "level": alert.level},
        )
    return alert
