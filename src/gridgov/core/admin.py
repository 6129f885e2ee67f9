"""Admin pages of core: django-tasks-db's task results, shown through the proxy
:class:`gridgov.core.models.TaskResult` so that their name is translated."""

from __future__ import annotations

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from gridgov.core.models import TaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(TaskResult, DBTaskResultAdmin)
