from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "gridgov.mediation"
    label = "mediation"
    verbose_name = _("Dispute mediation")

    def ready(self) -> None:
        # Encrypted personal data of the parties (key checks, rotation, backups).
        from gridgov.core import keys
        from gridgov.mediation.numbers import counting  # noqa: F401  (the "disputes" counters)

        keys.register("mediation.DisputeParty", encrypted="id_number_enc", hashed="id_number_hash")
        keys.register("mediation.DisputeParty", encrypted="phone_enc", hashed="phone_hash")
        keys.register("mediation.Mediator", encrypted="phone_enc", hashed="phone_hash")
