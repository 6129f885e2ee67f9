"""Template helpers for the page shell: Bootstrap form fields with their errors, pagination
links that keep the current filters, breadcrumbs, and masked personal data (``mask_mobile``,
``{% pii %}`` for typed-in text).

Load with ``{% load gridgov_ui %}``.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.http import QueryDict

from gridgov.core.pii import mask_mobile as _mask_mobile
from gridgov.core.pii import masker as _masker

register = template.Library()


def _widget_class(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = ""
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    return f"{existing} {css}".strip()


@register.inclusion_tag("core/includes/field.html")
def field(bound: forms.BoundField, **attrs: Any) -> dict[str, Any]:
    """``{% field form.code autofocus=True %}``: label, widget, help text and errors."""
    widget_attrs: dict[str, Any] = {"class": _widget_class(bound)}
    if bound.errors:
        widget_attrs["aria-invalid"] = "true"
        widget_attrs["aria-describedby"] = f"{bound.auto_id}_errors"
    for key, value in attrs.items():
        widget_attrs[key.replace("_", "-")] = value
    return {
        "bound": bound,
        "widget": bound.as_widget(attrs=widget_attrs),
        "is_checkbox": isinstance(bound.field.widget, forms.CheckboxInput),
    }


@register.inclusion_tag("core/includes/form_errors.html")
def form_errors(form: forms.BaseForm) -> dict[str, Any]:
    """Non-field errors of ``form`` and those of its hidden fields, as one alert."""
    errors = list(form.non_field_errors())
    for bound in form.hidden_fields():
        errors.extend(bound.errors)
    return {"errors": errors}


@register.inclusion_tag("core/includes/pagination.html", takes_context=True)
def pagination(context: dict[str, Any], page_obj: Any) -> dict[str, Any]:
    """Previous / next links and the page position, keeping the other query parameters."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)

    def link(number: int) -> str:
        params["page"] = str(number)
        return "?" + params.urlencode()

    return {
        "page_obj": page_obj,
        "first_url": link(1) if page_obj.number > 1 else None,
        "prev_url": link(page_obj.previous_page_number()) if page_obj.has_previous() else None,
        "next_url": link(page_obj.next_page_number()) if page_obj.has_next() else None,
        "last_url": (
            link(page_obj.paginator.num_pages)
            if page_obj.number < page_obj.paginator.num_pages
            else None
        ),
    }


@register.inclusion_tag("core/includes/breadcrumbs.html")
def breadcrumbs(crumbs: list[tuple[str, str | None]]) -> dict[str, Any]:
    """``crumbs`` is a list of (label, url or None); the last one is the current page."""
    return {"crumbs": crumbs}


@register.simple_tag(takes_context=True)
def pii(context: template.Context, value: str | None) -> str:
    """``{% pii case.description as text %}``: typed-in text with phone and ID numbers masked,
    unless the view set ``pii_reveal`` after an audited unmask (the decision is the request's,
    made once by the view)."""
    return _masker(bool(context.get("pii_reveal")))(value)


@register.filter
def mask_mobile(value: str | None) -> str:
    """138****1234."""
    return _mask_mobile(value)


@register.filter
def compact_json(value: Any) -> str:
    """A JSON value on one line, keys sorted, non-ASCII kept readable."""
    import json

    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
