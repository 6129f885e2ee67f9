"""The value lists of mediation (stored codes, Chinese labels through gettext)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("dispute status", "Registered")  # 已登记 · 待受理
    ACCEPTED = "accepted", _("Accepted")  # 已受理 · 待指派
    ASSIGNED = "assigned", _("Assigned")  # 已指派调解员
    MEDIATING = "mediating", _("Mediating")  # 调解中 (a session held)
    AGREED = "agreed", _("Agreement reached")  # 调解成功 · 待回访
    FAILED = "failed", _("No agreement")  # 调解不成 · 已导出
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 当事人撤回
    REFERRED = "referred", _("Referred elsewhere")  # 不予受理 · 移交其他部门
    CLOSED = "closed", pgettext_lazy("dispute status", "Closed")  # 已结案


# Disputes that still need work (counted as "open", swept for deadlines).
OPEN_STATES = frozenset(
    {Status.REGISTERED, Status.ACCEPTED, Status.ASSIGNED, Status.MEDIATING, Status.AGREED}
)


class Risk(models.TextChoices):
    RED = "red", _("High risk (red)")
    YELLOW = "yellow", _("Medium risk (yellow)")
    GREEN = "green", _("Low risk (green)")


class Source(models.TextChoices):
    SCREENING = "screening", _("Grid screening")  # 网格员摸排
    WALK_IN = "walk_in", _("Walk-in")  # 来访
    CASE = "case", _("Converted from a case")  # 事件转调解
    HOTLINE = "hotline", _("12345 hotline")
    COURT = "court", _("Court pre-litigation referral")  # 诉前委派
    POLICE = "police", _("Police referral")  # 警调对接
    OTHER = "other", _("Other")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")  # 申请人
    RESPONDENT = "respondent", _("Respondent")  # 被申请人
    OTHER = "other", _("Other party")


class Outcome(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement reached")  # 调解成功
    NO_AGREEMENT = "no_agreement", _("No agreement")  # 调解不成
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReferredTo(models.TextChoices):
    """Where a dispute goes that mediation cannot settle (or that it does not accept)."""

    LITIGATION = "litigation", _("Litigation (court)")  # 诉讼
    ARBITRATION = "arbitration", _("Arbitration")  # 仲裁
    PETITION = "petition", _("Letters and visits")  # 信访
    ADMINISTRATIVE = "administrative", _("Administrative department")  # 行政部门
    OTHER = "other", _("Other body")


class Performance(models.TextChoices):
    """How an agreement was carried out (履行情况)."""

    FULL = "full", _("Fully performed")
    PARTIAL = "partial", _("Partly performed")
    NONE = "none", _("Not performed")


class MediatorKind(models.TextChoices):
    PEOPLE = "people", _("People's mediator")  # 人民调解员
    ELDER = "elder", _("Village worthy")  # 乡贤
    LAWYER = "lawyer", _("Lawyer")
    POLICE = "police", _("Police liaison")  # 驻所民警
    OTHER = "other", _("Other")


class Period(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class DocumentKind(models.TextChoices):
    APPLICATION = "application", _("Mediation application")  # 人民调解申请书
    SESSION_RECORD = "session_record", _("Mediation record")  # 人民调解记录
    AGREEMENT = "agreement", _("Mediation agreement")  # 人民调解协议书
