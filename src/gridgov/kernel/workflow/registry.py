"""The action registry: per action, everything the web and the API need to offer and run it —
the transition it applies, the service that does it, the form of the web page, the fields of
the API's input and the message shown when it is done. The pages and the API both dispatch
from here, so adding an action touches one place (its service, and one :class:`ActionSpec`).

A spec's ``web`` and ``api`` callables map the already validated input onto the service's
keyword arguments and call it::

    ActionSpec(
        action="accept",
        service=case_accept,
        form=NoteForm,
        web=lambda call: case_accept(**call.base(), note=call.data["note"]),
        api=lambda call: case_accept(**call.base(), note=call.payload.note),
        api_fields=("version", "note"),
        done=gettext_lazy("The case is accepted."),
    )

Aliases answer the API only (e.g. ``verify`` with ``passed`` beside ``verify_pass`` and
``verify_fail``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gridgov.core.errors import NotFound


@dataclass
class ActionCall:
    """One call of an action: the object, who acts, and the validated input (the form's
    ``cleaned_data`` on the web, the parsed payload in the API)."""

    action: str
    obj: Any
    actor: Any
    data: dict[str, Any] = field(default_factory=dict)
    payload: Any = None
    form: Any = None


@dataclass(frozen=True)
class ActionSpec:
    action: str
    service: Callable[..., Any]
    web: Callable[[ActionCall], Any] | None = None
    api: Callable[[ActionCall], Any] | None = None
    form: type | None = None
    api_fields: tuple[str, ...] = ()
    done: Any = ""
    transition: str = ""  # the table row it applies (default: the action itself)
    aliases: tuple[str, ...] = ()  # more API names for it

    @property
    def transition_name(self) -> str:
        return self.transition or self.action


class ActionRegistry:
    """The actions of one workflow, in display order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._specs: dict[str, ActionSpec] = {}
        self._api: dict[str, ActionSpec] = {}

    def register(self, spec: ActionSpec) -> ActionSpec:
        if spec.action in self._specs:
            raise ValueError(f"{self.name}: action {spec.action!r} registered twice")
        self._specs[spec.action] = spec
        if spec.api is not None:
            for name in (spec.action, *spec.aliases):
                if name in self._api:
                    raise ValueError(f"{self.name}: API action {name!r} registered twice")
                self._api[name] = spec
        return spec

    def __iter__(self) -> Iterator[ActionSpec]:
        return iter(self._specs.values())

    def __contains__(self, action: object) -> bool:
        return action in self._specs

    def get(self, action: str) -> ActionSpec | None:
        return self._specs.get(action)

    def web_actions(self) -> list[str]:
        """The actions a page may offer (those with a form), in order."""
        return [s.action for s in self if s.web is not None and s.form is not None]

    def api_actions(self) -> list[str]:
        """Every name the API answers (actions and aliases)."""
        return list(self._api)

    def form_class(self, action: str) -> type:
        spec = self._specs.get(action)
        if spec is None or spec.form is None:
            raise KeyError(action)
        return spec.form

    def run_web(self, call: ActionCall) -> Any:
        spec = self._specs.get(call.action)
        if spec is None or spec.web is None:
            raise KeyError(call.action)
        return spec.web(call)

    def run_api(self, call: ActionCall) -> Any:
        """Run an API action; an unknown name is a 404 ``unknown_action``."""
        from django.utils.translation import gettext as _

        spec = self._api.get(call.action)
        if spec is None or spec.api is None:
            raise NotFound(_("There is no such action."), code="unknown_action")
        return spec.api(call)
