from typing import Any

from django.http import HttpRequest


def inbox(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's unread notification count, for the header badge."""
    return {}
