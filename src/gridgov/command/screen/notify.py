"""Notification topic of the screen: a dispatcher's message to the grid workers of an item's
grid ("notify the grid worker" in the side panel)."""

from django.utils.translation import gettext_lazy

from gridgov.notifications import titles, topics

KIND = "command.grid_worker_notice"

topics.register(
    "command.grid_worker_notice",
    gettext_lazy("Messages from the command centre"),
    [KIND],
    help=gettext_lazy("The command centre asks you to look at a case or dispute in your grid."),
)

# The inbox title in the reader's language (see gridgov.notifications.titles).
TITLE = gettext_lazy("Command centre: please look at %(item)s")
titles.register(KIND, TITLE)
