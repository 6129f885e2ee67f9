"""The notification settings form: per topic, in the inbox, also by e-mail and (for digest
topics) the daily digest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.notifications.preferences import Choice
from gridgov.notifications.topics import Topic


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, rows: list[tuple[Topic, Choice]], **kwargs: Any) -> None:
        initial = {}
        for topic, choice in rows:
            initial[f"{topic.key}__inbox"] = choice.inbox
            initial[f"{topic.key}__email"] = choice.email
            if topic.digest:
                initial[f"{topic.key}__digest"] = choice.digest
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.rows = rows
        for topic, _choice in rows:
            self.fields[f"{topic.key}__inbox"] = forms.BooleanField(
                label=_("In the inbox"), required=False
            )
            self.fields[f"{topic.key}__email"] = forms.BooleanField(
                label=_("Also by e-mail"), required=False
            )
            if topic.digest:
                self.fields[f"{topic.key}__digest"] = forms.BooleanField(
                    label=_("Once a day as a digest"), required=False
                )

    def topic_rows(self) -> list[dict[str, Any]]:
        """For the template: each topic with its bound fields."""
        names = ("inbox", "email", "digest")
        return [
            {
                "topic": topic,
                "fields": [
                    self[f"{topic.key}__{name}"]
                    for name in names
                    if f"{topic.key}__{name}" in self.fields
                ],
            }
            for topic, _choice in self.rows
        ]

    def choices(self) -> dict[str, Choice]:
        data = self.cleaned_data
        return {
            topic.key: Choice(
                inbox=bool(data.get(f"{topic.key}__inbox")),
                email=bool(data.get(f"{topic.key}__email")),
                digest=bool(data.get(f"{topic.key}__digest")),
            )
            for topic, _choice in self.rows
        }
