"""Language choice: zh-Hans unless the user picked another language with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a cadre's computer set
up in English would get an English UI nobody asked for. Pages use the language cookie written by
``set_language`` (the 「English / 简体中文」 switch) and otherwise ``LANGUAGE_CODE``; API clients
(``/api/`` and Open311's ``/open311/``) may still ask for a language with Accept-Language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Paths of the machine interfaces, whose clients choose a language with Accept-Language.
MACHINE_PREFIXES = ("/api/", "/open311/")


def language_for(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in {code for code, _name in settings.LANGUAGES}:
        return str(chosen)
    if request.path.startswith(MACHINE_PREFIXES) and request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def language_for(self, request: HttpRequest) -> str:
        return language_for(request)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class DatabaseBusyMiddleware:
    """A view that found the database locked answers 503 with ``Retry-After`` (see
    :mod:`gridgov.core.busy`); every other exception goes on to Django's handling."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from gridgov.core.busy import busy_response, is_database_locked

        if is_database_locked(exception):
            return busy_response(request)
        return None
