from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "gridgov.rosters"
    label = "rosters"
    verbose_name = _("Rosters")

    def ready(self) -> None:
        # Encrypted personal data and its look-up hashes (key checks, rotation, backups).
        from gridgov.core import keys

        keys.register("rosters.Resident", encrypted="id_number_enc", hashed="id_number_hash")
        keys.register("rosters.Resident", encrypted="phone_enc", hashed="phone_hash")
