"""The platform is reached with OAuth2 client credentials instead of an HMAC signature: the
system id and secret eISO was registered with become the client id and secret (kept, with
their data), and the token endpoint and scope are added."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations_exchange_province", "0001_initial")]

    operations = [
        migrations.RenameField("platformconnection", "system_id", "client_id"),
        migrations.RenameField("platformconnection", "secret_encrypted", "client_secret_encrypted"),
        migrations.AlterField(
            model_name="platformconnection",
            name="client_id",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="mã ứng dụng (client id)"
            ),
        ),
        migrations.AddField(
            model_name="platformconnection",
            name="token_url",
            field=models.URLField(
                blank=True, max_length=500, verbose_name="địa chỉ cấp mã truy cập (token URL)"
            ),
        ),
        migrations.AddField(
            model_name="platformconnection",
            name="scope",
            field=models.CharField(blank=True, max_length=500, verbose_name="phạm vi (scope)"),
        ),
    ]
