from django.apps import AppConfig
from django.core import checks


class SigningConfig(AppConfig):
    name = "iso_platform.signing"
    label = "signing"
    verbose_name = "Chữ ký số"

    def ready(self):
        from iso_platform.signing import checks as signing_checks  # settings ready by now

        checks.register(signing_checks.keys_secret, "signing", deploy=True)

        from iso_platform.signing.keys import encrypted_fields_register  # idem

        encrypted_fields_register("signing.ProvinceCredential", "pkcs12_encrypted")
