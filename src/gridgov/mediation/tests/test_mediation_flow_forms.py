"""The dispute actions as the pages run them: each form through the action registry, the
assignment form's choices limited to the jurisdiction, and a list that does not grow in
queries with its rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.errors import ValidationFailed
from gridgov.kernel.workflow import ActionCall
from gridgov.mediation.disputes import selectors
from gridgov.mediation.disputes import services as svc
from gridgov.mediation.disputes.actions import ACTIONS
from gridgov.mediation.models import Dispute
from gridgov.mediation.tests.dispute_builders import mediator, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, make_user):
    class P:
        grid_worker = make_user("gw", (Role.GRID_WORKER, tree.grid1))
        staff = make_user("cs", (Role.COMMUNITY_STAFF, tree.community))
        dispatcher = make_user("di", (Role.DISPATCHER, tree.street))
        med_user = make_user("med", (Role.MEDIATOR, tree.community))

    p = P()
    p.mediator = mediator(tree.community, p.med_user)
    p.far_mediator = mediator(tree.village, name="石榴籽")
    return p


def run_web(action: str, dispute: Dispute, actor, **data):
    form = ACTIONS.form_class(action)(
        {"version": dispute.version, **data}, dispute=dispute, actor=actor
    )
    assert form.is_valid(), form.errors
    return ACTIONS.run_web(ActionCall(action, dispute, actor, data=form.cleaned_data, form=form))


def test_every_offered_action_has_a_form_and_an_api():
    assert set(ACTIONS.web_actions()) == set(selectors.OFFERED)
    assert {"outcome", "decide_extension"} <= set(ACTIONS.api_actions())


def test_the_pages_run_the_whole_path_through_the_registry(tree, people):
    d = register(tree.grid1, actor=people.grid_worker, now=timezone.now() - timedelta(days=1))
    run_web("accept", d, people.staff, note="")
    run_web("assign", d, people.staff, mediator=people.mediator.pk, room="", note="")
    held = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    run_web("session", d, people.med_user, held_at=held, place="调解室", attendees="", minutes="")
    assert d.status == "mediating"
    # Another mediator while mediating: the dispute stays in mediation.
    other = mediator(tree.community, name="王调解")
    run_web("assign", d, people.staff, mediator=other.pk, room="", note="回避")
    assert d.status == "mediating" and d.mediator == other
    run_web("agree", d, people.med_user, note="赔偿500元")
    visited = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    run_web("follow_up", d, people.med_user, visited_at=visited, performance="full", note="")
    run_web("close", d, people.med_user, note="")
    assert Dispute.objects.get(pk=d.pk).status == "closed"


def test_the_assignment_form_lists_the_jurisdiction_only(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    svc.dispute_accept(actor=people.staff, dispute=d, version=1)
    form = ACTIONS.form_class("assign")(dispute=d, actor=people.staff)
    listed = set(form.fields["mediator"].queryset)
    assert people.mediator in listed and people.far_mediator not in listed
    posted = ACTIONS.form_class("assign")(
        {"version": d.version, "mediator": people.far_mediator.pk}, dispute=d, actor=people.staff
    )
    assert not posted.is_valid() and "mediator" in posted.errors
    # The service refuses one outside the jurisdiction too (the API path).
    with pytest.raises(ValidationFailed):
        svc.dispute_assign(
            actor=people.staff, dispute=d, version=d.version, mediator=people.far_mediator
        )
    assert Dispute.objects.get(pk=d.pk).mediator is None


def test_the_refusal_form_needs_a_note(tree, people):
    form = ACTIONS.form_class("deny_extension")({"version": 1, "note": ""})
    assert not form.is_valid() and "note" in form.errors


def test_the_list_reads_a_fixed_number_of_queries(tree, people):
    register(tree.grid1, actor=people.grid_worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            shown = [
                (d.type.name, d.area.name, d.room, d.mediator)
                for d in selectors.dispute_list(people.dispatcher)
            ]
        assert shown
        return len(ctx.captured_queries)

    count()  # the dispatcher's grants are read once and kept on the user
    one = count()
    for _ in range(4):
        register(tree.grid1, actor=people.grid_worker)
    assert count() == one
