"""The dispute workflow on the kernel: the whole path, every refusal (and that it changed
nothing), high risk, sensitive disputes, extensions, urging, the sweep and idempotent
registration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.audit.models import AuditEntry, Event
from gridgov.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gridgov.mediation.choices import Status
from gridgov.mediation.disputes import selectors
from gridgov.mediation.disputes import services as svc
from gridgov.mediation.disputes.services import PartyIn
from gridgov.mediation.disputes.states import Action
from gridgov.mediation.disputes.sweep import sweep
from gridgov.mediation.models import (
    Dispute,
    DisputeEvent,
    DisputeParty,
    FollowUp,
    MediationSession,
)
from gridgov.mediation.tests.dispute_builders import dispute_type, mediator, register, two_parties
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, make_user):
    class P:
        grid_worker = make_user("gw", (Role.GRID_WORKER, tree.grid1))
        staff = make_user("cs", (Role.COMMUNITY_STAFF, tree.community))
        dispatcher = make_user("di", (Role.DISPATCHER, tree.street))
        far_dispatcher = make_user("di2", (Role.DISPATCHER, tree.town))
        med_user = make_user("med", (Role.MEDIATOR, tree.community))
        leader = make_user("le", (Role.LEADER, tree.street))

    p = P()
    p.mediator = mediator(tree.community, p.med_user)
    return p


def _snapshot(dispute: Dispute) -> tuple:
    row = Dispute.objects.get(pk=dispute.pk)
    return (
        row.status,
        row.version,
        row.risk,
        row.outcome,
        DisputeEvent.objects.filter(dispute=dispute).count(),
        MediationSession.objects.filter(dispute=dispute).count(),
        FollowUp.objects.filter(dispute=dispute).count(),
        DisputeParty.objects.filter(dispute=dispute).count(),
    )


def _accepted_assigned(tree, people, **fields):
    d = register(tree.grid1, actor=people.grid_worker, **fields)
    svc.dispute_accept(actor=people.staff, dispute=d, version=d.version)
    svc.dispute_assign(actor=people.staff, dispute=d, version=d.version, mediator=people.mediator)
    return d


def test_the_whole_path_registered_to_closed(tree, people):
    d = register(tree.grid1, actor=people.grid_worker, now=timezone.now() - timedelta(days=2))
    assert re.fullmatch(r"TJ\d{8}0001", d.number)
    assert d.status == "registered" and d.version == 1
    party = d.parties.get(name="张三")
    assert party.id_number_masked.startswith(party.id_number_masked[0]) and "*" in (
        party.id_number_masked
    )
    assert party.id_number_enc and party.id_number_hash and party.phone_masked == "138****1234"
    svc.dispute_accept(actor=people.staff, dispute=d, version=1, note="属于人民调解范围")
    assert d.status == "accepted" and d.due_at is not None and d.watch_at == d.due_at
    assert d.due_at > d.accepted_at + timedelta(days=30)  # 30 working days
    svc.dispute_assign(actor=people.staff, dispute=d, version=d.version, mediator=people.mediator)
    assert d.status == "assigned" and d.room == people.mediator.room
    assert Notification.objects.filter(recipient=people.med_user, kind="mediation.assigned")
    for minutes in (30, 10):
        svc.dispute_session_add(
            actor=people.med_user,
            dispute=d,
            version=d.version,
            held_at=timezone.now() - timedelta(minutes=minutes),
            place="马建才调解室",
            attendees="张三、李四",
            minutes="双方陈述",
        )
    assert d.status == "mediating" and d.sessions.count() == 2
    svc.dispute_outcome(actor=people.med_user, dispute=d, version=d.version, outcome="agreement")
    assert d.status == "agreed" and d.outcome == "agreement" and d.watch_at is None
    svc.dispute_follow_up(
        actor=people.med_user,
        dispute=d,
        version=d.version,
        visited_at=timezone.now(),
        performance="full",
    )
    assert d.performance == "full" and d.status == "agreed"
    svc.dispute_close(actor=people.med_user, dispute=d, version=d.version)
    d.refresh_from_db()
    assert d.status == "closed" and d.closed_at is not None and d.version == 8
    actions = list(d.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == [
        "register",
        "accept",
        "assign",
        "session",
        "session",
        "agree",
        "follow_up",
        "close",
    ]
    rows = selectors.dispute_timeline(people.staff, d)
    assert rows[1].state_change == (str(Status.REGISTERED.label), str(Status.ACCEPTED.label))
    assert rows[1].action_label == str(Action.ACCEPT.label)
    api = rows[0].as_api()
    assert api["action"] == "register" and api["to_status"] == "registered"


def test_numbers_follow_each_other_per_day(tree, people):
    a = register(tree.grid1, actor=people.grid_worker)
    b = register(tree.grid1, actor=people.grid_worker)
    assert int(b.number[-4:]) == int(a.number[-4:]) + 1 and a.number[:10] == b.number[:10]


def test_refer_elsewhere_needs_where_and_the_body(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    before = _snapshot(d)
    with pytest.raises(ValidationFailed) as err:
        svc.dispute_refer(
            actor=people.staff,
            dispute=d,
            version=1,
            referred_to="litigation",
            referred_body="",
            reason="属于诉讼范围",
        )
    assert err.value.code == "referral_required" and "referred_body" in err.value.fields
    assert _snapshot(d) == before
    svc.dispute_refer(
        actor=people.staff,
        dispute=d,
        version=1,
        referred_to="litigation",
        referred_body="凤城区人民法院",
        reason="属于诉讼范围",
    )
    assert d.status == "referred" and d.referred_body == "凤城区人民法院"


def test_no_agreement_requires_the_referral(tree, people):
    d = _accepted_assigned(tree, people)
    before = _snapshot(d)
    with pytest.raises(ValidationFailed) as err:
        svc.dispute_outcome(
            actor=people.med_user, dispute=d, version=d.version, outcome="no_agreement"
        )
    assert err.value.code == "referral_required"
    assert _snapshot(d) == before
    svc.dispute_outcome(
        actor=people.med_user,
        dispute=d,
        version=d.version,
        outcome="no_agreement",
        referred_to="arbitration",
        referred_body="区劳动人事争议仲裁委员会",
    )
    assert d.status == "failed" and d.referred_to == "arbitration"
    svc.dispute_close(actor=people.med_user, dispute=d, version=d.version)
    assert d.status == "closed"


def test_withdrawn_before_the_outcome(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    svc.dispute_outcome(actor=people.med_user, dispute=d, version=1, outcome="withdrawn")
    assert d.status == "withdrawn"


# --- Bad input: refused, nothing half-written -------------------------------------------------


def test_wrong_state_is_a_conflict_and_changes_nothing(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    before = _snapshot(d)
    with pytest.raises(Conflict) as err:
        svc.dispute_close(actor=people.med_user, dispute=d, version=1)
    assert err.value.code == "action_not_allowed" and d.number in err.value.message
    assert _snapshot(d) == before


def test_stale_version_is_a_conflict_and_changes_nothing(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    other = Dispute.objects.get(pk=d.pk)
    svc.dispute_accept(actor=people.staff, dispute=other, version=1)
    before = _snapshot(d)
    stale_copy = Dispute.objects.get(pk=d.pk)
    with pytest.raises(Conflict) as err:
        svc.dispute_set_risk(
            actor=people.staff, dispute=stale_copy, version=1, risk="yellow", reasons="升级"
        )
    assert err.value.code == "stale_version" and d.number in err.value.message
    assert _snapshot(d) == before
    # The in-memory row is current but another writer moved on between read and write.
    with pytest.raises(Conflict) as err:
        svc.dispute_set_risk(actor=people.staff, dispute=d, version=1, risk="red", reasons="激化")
    assert err.value.code == "stale_version"
    assert not Notification.objects.filter(kind="mediation.high_risk").exists()
    assert _snapshot(d) == before


def test_a_party_without_a_name_registers_nothing(tree, people):
    with pytest.raises(ValidationFailed) as err:
        register(tree.grid1, actor=people.grid_worker, parties=[PartyIn(name="  ")])
    assert err.value.code == "name_required" and "parties[0].name" in err.value.fields
    assert not Dispute.objects.exists() and not DisputeEvent.objects.exists()


def test_an_invalid_id_number_registers_nothing(tree, people):
    with pytest.raises(ValidationFailed) as err:
        register(
            tree.grid1,
            actor=people.grid_worker,
            parties=[PartyIn(name="王五"), PartyIn(name="赵六", id_number="110101199003071234")],
        )
    assert err.value.code == "invalid_id_number" and "parties[1].id_number" in err.value.fields
    assert not Dispute.objects.exists() and not DisputeParty.objects.exists()


def test_an_invalid_phone_is_refused(tree, people):
    with pytest.raises(ValidationFailed) as err:
        register(tree.grid1, actor=people.grid_worker, parties=[PartyIn(name="王五", phone="12")])
    assert err.value.code == "invalid_phone"
    assert not Dispute.objects.exists()


def test_a_session_before_the_registration_is_refused(tree, people):
    d = _accepted_assigned(tree, people)
    before = _snapshot(d)
    with pytest.raises(ValidationFailed) as err:
        svc.dispute_session_add(
            actor=people.med_user,
            dispute=d,
            version=d.version,
            held_at=d.registered_at - timedelta(days=1),
        )
    assert err.value.code == "before_registration"
    assert _snapshot(d) == before


def test_an_agreement_without_parties_is_refused(tree, people):
    d = _accepted_assigned(tree, people, parties=[])
    before = _snapshot(d)
    with pytest.raises(Conflict) as err:
        svc.dispute_outcome(
            actor=people.med_user, dispute=d, version=d.version, outcome="agreement"
        )
    assert err.value.code == "parties_required"
    assert _snapshot(d) == before
    svc.dispute_party_add(actor=people.med_user, dispute=d, version=d.version, party=PartyIn("甲"))
    with pytest.raises(Conflict):
        svc.dispute_outcome(
            actor=people.med_user, dispute=d, version=d.version, outcome="agreement"
        )
    svc.dispute_party_add(
        actor=people.med_user, dispute=d, version=d.version, party=PartyIn("乙", "respondent")
    )
    svc.dispute_outcome(actor=people.med_user, dispute=d, version=d.version, outcome="agreement")
    assert d.status == "agreed"


def test_an_agreement_closes_only_after_a_follow_up(tree, people):
    d = _accepted_assigned(tree, people)
    svc.dispute_outcome(actor=people.med_user, dispute=d, version=d.version, outcome="agreement")
    before = _snapshot(d)
    with pytest.raises(Conflict) as err:
        svc.dispute_close(actor=people.med_user, dispute=d, version=d.version)
    assert err.value.code == "follow_up_required"
    with pytest.raises(ValidationFailed) as err2:
        svc.dispute_follow_up(
            actor=people.med_user,
            dispute=d,
            version=d.version,
            visited_at=d.outcome_at - timedelta(days=1),
            performance="full",
        )
    assert err2.value.code == "before_outcome"
    assert _snapshot(d) == before


def test_who_may_act_is_the_table_and_the_jurisdiction(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    before = _snapshot(d)
    denied = AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count()
    with pytest.raises(PermissionDenied):  # a grid worker does not accept
        svc.dispute_accept(actor=people.grid_worker, dispute=d, version=1)
    with pytest.raises(PermissionDenied):  # another street's dispatcher
        svc.dispute_accept(actor=people.far_dispatcher, dispute=d, version=1)
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count() == denied + 2
    assert _snapshot(d) == before
    assert "accept" not in selectors.dispute_actions(people.grid_worker, d)
    assert selectors.dispute_actions(people.staff, d)[:2] == ["accept", "refer"]
    with pytest.raises(NotFound):
        selectors.dispute_get(people.far_dispatcher, d.pk)


def test_registering_outside_the_jurisdiction_is_refused(tree, people):
    with pytest.raises(PermissionDenied):
        register(tree.grid3, actor=people.grid_worker)
    assert not Dispute.objects.exists()


# --- Sensitive disputes -----------------------------------------------------------------------


def test_a_sensitive_dispute_is_seen_only_with_the_sensitive_permission(tree, people):
    family = dispute_type("family", name="婚姻家庭纠纷", sensitive=True)
    d = register(tree.grid1, actor=people.grid_worker, type=family)
    assert d.sensitive
    plain = register(tree.grid1, actor=people.grid_worker)
    assert list(selectors.dispute_list(people.grid_worker)) == [plain]
    with pytest.raises(NotFound):
        selectors.dispute_get(people.grid_worker, d.pk)
    assert d in selectors.dispute_list(people.med_user)
    assert selectors.dispute_get(people.dispatcher, d.pk) == d
    # Their parties are as hidden as they are.
    assert not DisputeParty.objects.visible_to(people.grid_worker).filter(dispute=d).exists()
    assert DisputeParty.objects.visible_to(people.med_user).filter(dispute=d).count() == 2
    party = d.parties.first()
    assert not party.allows(people.grid_worker, "mediation.view")
    # Community staff triage but hold no mediation.sensitive: not even the action is theirs.
    with pytest.raises(NotFound):
        selectors.dispute_get(people.staff, d.pk)
    with pytest.raises(PermissionDenied):
        svc.dispute_accept(actor=people.staff, dispute=d, version=1)


# --- High risk --------------------------------------------------------------------------------


def test_a_red_dispute_alerts_the_dispatchers_and_stays_on_the_board(tree, people):
    d = register(tree.grid1, actor=people.grid_worker, risk="red", risk_reasons="有肢体冲突苗头")
    alerts = Notification.objects.filter(kind="mediation.high_risk")
    assert list(alerts.values_list("recipient", flat=True)) == [people.dispatcher.pk]
    assert d.number in alerts.get().title
    assert list(selectors.high_risk_board(people.dispatcher)) == [d]
    assert list(selectors.high_risk_board(people.far_dispatcher)) == []
    svc.dispute_accept(actor=people.staff, dispute=d, version=d.version)
    assert list(selectors.high_risk_board(people.dispatcher)) == [d]
    svc.dispute_set_risk(
        actor=people.staff, dispute=d, version=d.version, risk="green", reasons="双方已冷静"
    )
    assert list(selectors.high_risk_board(people.dispatcher)) == []
    svc.dispute_set_risk(
        actor=people.dispatcher, dispute=d, version=d.version, risk="red", reasons="再次激化"
    )
    assert list(selectors.high_risk_board(people.dispatcher)) == [d]
    assert alerts.count() == 1  # the dispatcher raised it: nobody else to alert
    assert Dispute.objects.get(pk=d.pk).risk_reasons == "再次激化"


def test_a_red_registration_needs_reasons(tree, people):
    with pytest.raises(ValidationFailed) as err:
        register(tree.grid1, actor=people.grid_worker, risk="red")
    assert "risk_reasons" in err.value.fields
    assert not Notification.objects.exists() and not Dispute.objects.exists()


# --- Supervision ------------------------------------------------------------------------------


def test_an_extension_is_requested_and_approved_by_a_supervisor(tree, people):
    d = _accepted_assigned(tree, people)
    due = d.due_at
    svc.dispute_request_extension(
        actor=people.med_user, dispute=d, version=d.version, days=10, reason="需要补充证据"
    )
    assert d.pending_extension["days"] == 10
    assert Notification.objects.filter(
        recipient=people.dispatcher, kind="mediation.extension_requested"
    )
    with pytest.raises(Conflict) as err:
        svc.dispute_request_extension(
            actor=people.med_user, dispute=d, version=d.version, days=5, reason="再延"
        )
    assert err.value.code == "delay_pending"
    with pytest.raises(PermissionDenied):  # a mediator does not approve
        svc.dispute_decide_extension(
            actor=people.med_user, dispute=d, version=d.version, approve=True
        )
    svc.dispute_decide_extension(
        actor=people.dispatcher, dispute=d, version=d.version, approve=True
    )
    assert d.due_at > due and d.extended_days == 10 and d.pending_extension == {}
    assert d.watch_at == d.due_at
    with pytest.raises(Conflict) as err:
        svc.dispute_decide_extension(
            actor=people.dispatcher, dispute=d, version=d.version, approve=False, note="不同意"
        )
    assert err.value.code == "no_delay_request"


def test_a_refused_extension_needs_a_note_and_keeps_the_deadline(tree, people):
    d = _accepted_assigned(tree, people)
    due = d.due_at
    svc.dispute_request_extension(
        actor=people.med_user, dispute=d, version=d.version, days=3, reason="当事人外出"
    )
    with pytest.raises(ValidationFailed):
        svc.dispute_decide_extension(
            actor=people.leader, dispute=d, version=d.version, approve=False
        )
    svc.dispute_decide_extension(
        actor=people.leader, dispute=d, version=d.version, approve=False, note="期限内可完成"
    )
    assert d.due_at == due and d.pending_extension == {}


def test_urging_counts_and_tells_the_mediator(tree, people):
    d = _accepted_assigned(tree, people)
    svc.dispute_urge(actor=people.leader, dispute=d, message="请尽快调解")
    svc.dispute_urge(actor=people.leader, dispute=Dispute.objects.get(pk=d.pk), message="再催")
    d.refresh_from_db()
    assert d.urge_count == 2
    assert (
        Notification.objects.filter(recipient=people.med_user, kind="mediation.urged").count() == 2
    )
    with pytest.raises(PermissionDenied):
        svc.dispute_urge(actor=people.staff, dispute=d, message="催")


def test_the_sweep_marks_overdue_once(tree, people):
    d = _accepted_assigned(tree, people)
    assert sweep(now=d.due_at - timedelta(minutes=1)).overdue == 0
    result = sweep(now=d.due_at + timedelta(minutes=1))
    assert result.overdue == 1
    d.refresh_from_db()
    assert d.overdue and d.watch_at is None and d.version == 4
    entry = d.events.get(action="overdue")
    assert entry.actor_name == "system"
    assert Notification.objects.filter(kind="mediation.overdue", recipient=people.dispatcher)
    assert Notification.objects.filter(kind="mediation.overdue", recipient=people.med_user)
    assert sweep(now=d.due_at + timedelta(days=1)).overdue == 0
    # An approved extension lifts the mark and watches the new deadline.
    svc.dispute_request_extension(
        actor=people.med_user, dispute=d, version=d.version, days=5, reason="补证"
    )
    svc.dispute_decide_extension(
        actor=people.dispatcher, dispute=d, version=d.version, approve=True
    )
    assert not d.overdue and d.watch_at == d.due_at


def test_the_sweep_is_a_periodic_job():
    from gridgov.core.scheduler import discover

    assert "mediation.sweep" in discover().jobs


# --- Idempotent registration ------------------------------------------------------------------


def test_a_retried_registration_returns_the_first_dispute(tree, people):
    parties = two_parties()
    a = register(tree.grid1, actor=people.grid_worker, key="k-1", parties=parties)
    b = register(tree.grid1, actor=people.grid_worker, key="k-1", parties=parties)
    assert a.pk == b.pk and b.replayed and not a.replayed
    assert Dispute.objects.count() == 1
    with pytest.raises(Conflict) as err:
        register(tree.grid1, actor=people.grid_worker, key="k-1", parties=parties, title="别的")
    assert err.value.code == "idempotency_key_reused"
    assert Dispute.objects.count() == 1
    # The same key from another person is their own.
    c = register(tree.grid1, actor=people.staff, key="k-1", parties=parties)
    assert c.pk != a.pk


def test_the_counting_hooks_are_optional(tree, people):
    from gridgov.mediation.disputes import workflow

    d = register(tree.grid1, actor=people.grid_worker)
    workflow.on_event(d, d.events.first())  # no counting module yet: nothing happens
    workflow.on_events([(d, d.events.first())])
    assert two_parties()[0].name == "张三"


def test_refusals_speak_chinese(tree, people):
    from django.utils import translation

    d = register(tree.grid1, actor=people.grid_worker)
    with translation.override("zh-hans"), pytest.raises(Conflict) as err:
        svc.dispute_close(actor=people.med_user, dispute=d, version=1)
    assert err.value.message == f"纠纷 {d.number} 当前状态下不能进行“结案”。"
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as bad:
        register(tree.grid1, actor=people.grid_worker, parties=[PartyIn(name="")])
    assert bad.value.fields["parties[0].name"] == "请填写当事人姓名。"


def test_the_sweep_command_runs_once(tree, people):
    from io import StringIO

    from django.core.management import call_command

    d = _accepted_assigned(tree, people)
    Dispute.objects.filter(pk=d.pk).update(
        due_at=timezone.now() - timedelta(minutes=1), watch_at=timezone.now() - timedelta(minutes=1)
    )
    out = StringIO()
    call_command("sweep_disputes", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert Dispute.objects.get(pk=d.pk).overdue
