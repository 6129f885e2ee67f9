from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gridgov.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # One rule for text in every web form (gridgov.core.text): each forms.CharField (model
        # forms, admin and our own) reports a forbidden character as a field error. The edge
        # middleware leaves form values of pages to the forms for that reason.
        from django import forms

        from gridgov.core.text import validate_text

        forms.CharField.default_validators = [validate_text]

        # `check --deploy`: the field key opens the personal data in the database.
        from django.core import checks

        from gridgov.core.keys import check_field_key

        checks.register(check_field_key, "gridgov", deploy=True)
