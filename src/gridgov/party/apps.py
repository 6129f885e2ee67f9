from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "gridgov.party"
    label = "party"
    verbose_name = _("Party building")

    def ready(self) -> None:
        # Encrypted personal data and its look-up hashes (key checks, rotation, backups).
        from gridgov.core import keys

        keys.register("party.PartyMember", encrypted="id_number_enc", hashed="id_number_hash")
        keys.register("party.PartyMember", encrypted="phone_enc", hashed="phone_hash")
        keys.register("party.DualReport", encrypted="phone_enc", hashed="phone_hash")
