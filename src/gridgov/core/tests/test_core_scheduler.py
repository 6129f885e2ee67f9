"""Periodic jobs: registered in one line, enqueued once per interval, even by two schedulers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from gridgov.core import scheduler
from gridgov.core.models import PeriodicJobState


@task()
def noop() -> int:
    return 1


@task()
def other() -> int:
    return 2


@pytest.fixture
def jobs() -> scheduler.Registry:
    reg = scheduler.Registry()
    reg.register("test.noop", every=timedelta(hours=1), task=noop)
    return reg


def test_core_jobs_are_registered():
    reg = scheduler.discover()
    assert reg.jobs["audit.prune"].every == timedelta(days=1)
    assert reg.jobs["tasks.prune_results"].every == timedelta(days=7)


def test_new_job_is_due_at_once_and_enqueued_once(db, jobs):
    now = timezone.now()
    scheduler.sync_states(jobs, now=now)
    assert scheduler.run_due(jobs, now=now) == ["test.noop"]
    assert scheduler.run_due(jobs, now=now + timedelta(minutes=59)) == []
    assert DBTaskResult.objects.filter(task_path__endswith=".noop").count() == 1
    state = PeriodicJobState.objects.get(name="test.noop")
    assert state.runs == 1
    assert state.next_run_at == now + timedelta(hours=1)


def test_job_runs_again_after_its_interval(db, jobs):
    now = timezone.now()
    scheduler.sync_states(jobs, now=now)
    scheduler.run_due(jobs, now=now)
    assert scheduler.run_due(jobs, now=now + timedelta(hours=1)) == ["test.noop"]
    assert DBTaskResult.objects.filter(task_path__endswith=".noop").count() == 2


def test_two_schedulers_claim_a_run_only_once(db, jobs):
    now = timezone.now()
    scheduler.sync_states(jobs, now=now)
    seen = PeriodicJobState.objects.get(name="test.noop").next_run_at
    job = jobs.jobs["test.noop"]
    # Both schedulers read the same due time; only the first conditional UPDATE wins.
    assert scheduler.claim_and_enqueue(job, seen_due=seen, now=now) is True
    assert scheduler.claim_and_enqueue(job, seen_due=seen, now=now) is False
    assert DBTaskResult.objects.filter(task_path__endswith=".noop").count() == 1
    assert PeriodicJobState.objects.get(name="test.noop").runs == 1


def test_missed_runs_are_not_caught_up_in_a_burst(db, jobs):
    now = timezone.now()
    scheduler.sync_states(jobs, now=now)
    scheduler.run_due(jobs, now=now)
    later = now + timedelta(days=3)  # the worker was down for three days
    assert scheduler.run_due(jobs, now=later) == ["test.noop"]
    assert scheduler.run_due(jobs, now=later) == []
    assert PeriodicJobState.objects.get(name="test.noop").next_run_at == later + timedelta(hours=1)


def test_shorter_interval_in_code_pulls_the_next_run_forward(db, jobs):
    now = timezone.now()
    scheduler.sync_states(jobs, now=now)
    scheduler.run_due(jobs, now=now)
    faster = scheduler.Registry()
    faster.register("test.noop", every=timedelta(minutes=5), task=noop)
    scheduler.sync_states(faster, now=now)
    state = PeriodicJobState.objects.get(name="test.noop")
    assert state.interval_seconds == 300
    assert state.next_run_at == now + timedelta(minutes=5)


def test_registering_another_task_under_a_taken_name_is_refused(jobs):
    with pytest.raises(ValueError):
        jobs.register("test.noop", every=timedelta(hours=1), task=other)
    assert jobs.jobs["test.noop"].task is noop
