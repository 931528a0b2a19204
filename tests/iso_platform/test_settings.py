"""Settings come from the environment, strictly: a bad value stops start-up and names itself."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iso_platform import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("true", True),
        ("1", True),
        ("YES", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("Off", False),
    ],
)
def test_booleans_accept_the_usual_words(raw, expected):
    assert env.boolean("X", default=not expected, environ={"X": raw}) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s"])
def test_a_bad_boolean_is_an_error_naming_the_variable(raw):
    with pytest.raises(env.EnvError, match=r"^DEBUG="):
        env.boolean("DEBUG", default=False, environ={"DEBUG": raw})


def test_integers_are_checked_for_form_and_range():
    assert env.integer("N", 3, environ={}) == 3
    with pytest.raises(env.EnvError, match="AGENCY_POOL_SIZE='three' is not a whole number"):
        env.integer("AGENCY_POOL_SIZE", 3, environ={"AGENCY_POOL_SIZE": "three"})
    with pytest.raises(env.EnvError, match="below the minimum 0"):
        env.integer("AGENCY_POOL_SIZE", 3, minimum=0, environ={"AGENCY_POOL_SIZE": "-1"})


@pytest.mark.parametrize(
    "raw", ["https://iso.gov.vn", "iso.gov.vn:8000", "iso gov", "-bad.vn", "iso.gov.vn/path"]
)
def test_base_domain_must_be_a_bare_host_name(raw):
    with pytest.raises(env.EnvError, match="BASE_DOMAIN"):
        env.hostname("BASE_DOMAIN", "localhost", environ={"BASE_DOMAIN": raw})


def test_outbound_hosts_are_names_or_addresses_with_an_optional_port():
    raw = "Gateway.AnGiang.gov.vn, 10.20.0.5:8443, [FD00::5]:8080, 127.0.0.1"
    assert env.hosts("OUTBOUND_ALLOWED_HOSTS", environ={"OUTBOUND_ALLOWED_HOSTS": raw}) == (
        "gateway.angiang.gov.vn",
        "10.20.0.5:8443",
        "[fd00::5]:8080",
        "127.0.0.1",
    )
    assert env.hosts("OUTBOUND_ALLOWED_HOSTS", environ={}) == ()


@pytest.mark.parametrize(
    "raw", ["http://gw.vn", "gw.vn/feed", "user@gw.vn", "gw vn", "gw.vn:99999", "10.0.0.0/8"]
)
def test_a_bad_outbound_host_is_an_error_naming_the_variable(raw):
    with pytest.raises(env.EnvError, match="^OUTBOUND_ALLOWED_HOSTS"):
        env.hosts("OUTBOUND_ALLOWED_HOSTS", environ={"OUTBOUND_ALLOWED_HOSTS": raw})


@pytest.mark.parametrize("raw", ["80,http", "0", "70000", "8080;8443"])
def test_outbound_ports_must_be_port_numbers(raw):
    with pytest.raises(env.EnvError, match="^OUTBOUND_ALLOWED_PORTS"):
        env.ports("OUTBOUND_ALLOWED_PORTS", environ={"OUTBOUND_ALLOWED_PORTS": raw})
    assert env.ports("P", environ={"P": "8080, 8443"}) == (8080, 8443)


@pytest.mark.parametrize("raw", ["5,,300", "0,5", "5;300", "5s"])
def test_a_webhook_retry_schedule_must_be_whole_seconds(raw):
    with pytest.raises(env.EnvError, match="^WEBHOOK_RETRY_SCHEDULE"):
        env.seconds_list("WEBHOOK_RETRY_SCHEDULE", (5,), environ={"WEBHOOK_RETRY_SCHEDULE": raw})
    assert env.seconds_list("S", (5,), environ={"S": "5, 300"}) == (5, 300)


@pytest.mark.parametrize("raw", ["10,,60", "0", "10;60"])
def test_an_exchange_retry_schedule_must_be_whole_seconds(raw):
    with pytest.raises(env.EnvError, match="^EXCHANGE_RETRY_SCHEDULE"):
        env.seconds_list("EXCHANGE_RETRY_SCHEDULE", (10,), environ={"EXCHANGE_RETRY_SCHEDULE": raw})


@pytest.mark.parametrize(("raw", "words"), [("ten", "is not a whole number"), ("0", "minimum")])
def test_the_exchange_package_limit_is_a_number_of_megabytes(raw, words):
    with pytest.raises(env.EnvError, match=words):
        env.integer(
            "EXCHANGE_PACKAGE_MAX_MB",
            default=10,
            minimum=1,
            maximum=500,
            environ={"EXCHANGE_PACKAGE_MAX_MB": raw},
        )


@pytest.mark.parametrize("raw", ["120", "120/min", "/m", "10/0.5h"])
def test_the_province_data_api_rate_is_a_rate(raw):
    with pytest.raises(env.EnvError, match="^PROVINCE_DATA_API_RATE"):
        env.rate("PROVINCE_DATA_API_RATE", "120/m", environ={"PROVINCE_DATA_API_RATE": raw})


def test_dates_are_written_year_month_day():
    name = "INTEGRATION_SIGNATURE_V1_UNTIL"
    assert env.date(name, None, environ={name: "2027-06-30"}).isoformat() == "2027-06-30"
    with pytest.raises(env.EnvError, match="is not a date written YYYY-MM-DD"):
        env.date(name, None, environ={name: "30/06/2027"})


def test_base_domain_is_lower_cased_and_defaults_to_localhost():
    assert env.hostname("BASE_DOMAIN", "localhost", environ={}) == "localhost"
    assert env.hostname("BASE_DOMAIN", "x", environ={"BASE_DOMAIN": "ISO.AnGiang.gov.vn"}) == (
        "iso.angiang.gov.vn"
    )


def test_secrets_can_come_from_files(tmp_path):
    secret_file = tmp_path / "key"
    secret_file.write_text("s3cret-from-file\n")
    assert env.secret("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret_file)}) == (
        "s3cret-from-file"
    )


def test_a_secret_set_twice_is_an_error(tmp_path):
    secret_file = tmp_path / "key"
    secret_file.write_text("a")
    with pytest.raises(env.EnvError, match="SECRET_KEY and SECRET_KEY_FILE are both set"):
        env.secret("SECRET_KEY", environ={"SECRET_KEY": "b", "SECRET_KEY_FILE": str(secret_file)})


def test_an_unreadable_secret_file_is_an_error():
    with pytest.raises(env.EnvError, match="DATABASE_URL_FILE='/nonexistent' cannot be read"):
        env.secret("DATABASE_URL", environ={"DATABASE_URL_FILE": "/nonexistent"})


def test_url_schemes_are_checked_without_echoing_credentials():
    with pytest.raises(env.EnvError) as exc:
        env.url("DATABASE_URL", "mysql://user:hunter2@db/x", schemes=("postgresql",))
    assert "DATABASE_URL" in str(exc.value)
    assert "hunter2" not in str(exc.value)


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "Zq4-p0Y8vT2rW9sLm3xK7bN1cF6hJ5dG8aE2uR0iO4yP7tQ1wS3zV",
    "BASE_DOMAIN": "iso.angiang.gov.vn",
    "DATABASE_URL": "postgresql://eiso:pw@db.internal:5432/eiso",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp://mailer:pw@mail.internal:587/?tls=True",
    "BILLING_SELLER_TAX_CODE": "1600123456",
    "BILLING_SELLER_ADDRESS": "Số 1 Đường Tôn Đức Thắng, Long Xuyên, An Giang",
    "BILLING_SELLER_BANK_ACCOUNT": "0123456789 tại Kho bạc Nhà nước An Giang",
    "SIGNING_KEYS_SECRET": "kZr3vZ4mJ0hQbL5yXcN8tP2sW6dF1gH9aE7uR0iO3yA=",
}
SELLER = ("BILLING_SELLER_TAX_CODE", "BILLING_SELLER_ADDRESS", "BILLING_SELLER_BANK_ACCOUNT")


def _manage(*args, extra_env=None, drop=()):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL") and k not in drop
    }
    environment.update(extra_env or {})
    for key in drop:
        environment.pop(key, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


BARE = ("SECRET_KEY", "SECRET_KEY_FILE", "EMAIL_URL", "EISO_CODE_ONLY")


def test_code_only_commands_run_on_a_bare_checkout_and_nothing_else_does():
    """makemigrations needs no secrets or services (CI, a developer's shell); a serving or
    working command still stops at the first missing variable."""
    result = _manage("makemigrations", "--check", "--dry-run", drop=BARE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    assert "consistent migration history" not in result.stderr
    refused = _manage("check", extra_env={"DEBUG": "false"}, drop=BARE)
    assert refused.returncode == 2
    assert "SECRET_KEY is required when DEBUG is off" in refused.stderr
    # ... and says exactly what to type on a development machine
    assert f"DEBUG=true {sys.executable} manage.py check" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_newcomers_manage_py_gets_the_embedded_servers():
    """The README's set-up, then `manage.py <command>` with nothing set: development
    settings on the embedded PostgreSQL and Redis, as `make run` uses them."""
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['HOST'], settings.REDIS_URL)",
        drop=(*BARE, "EISO_REDIS_DB"),
    )
    assert result.returncode == 0, result.stderr
    debug, host, redis_url = result.stdout.splitlines()[-1].split()
    assert debug == "True" and host.endswith(".data/pg") and redis_url.startswith("unix://")
    assert "development settings" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_a_production_without_the_signing_keys_secret():
    production = {k: v for k, v in PRODUCTION.items() if k != "SIGNING_KEYS_SECRET"}
    result = _manage("check", "--deploy", extra_env=production, drop=("SIGNING_KEYS_SECRET",))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "signing.E001" in result.stderr and "SIGNING_KEYS_SECRET" in result.stderr


def test_signing_keys_are_comma_separated_fernet_keys_maybe_from_a_file(tmp_path):
    first, second = "kZr3vZ4mJ0hQbL5yXcN8tP2sW6dF1gH9aE7uR0iO3yA=", "A" * 43 + "="
    assert env.fernet_keys("K", environ={"K": f"{first}, {second}"}) == (first, second)
    secret_file = tmp_path / "keys"
    secret_file.write_text(first + "\n")
    assert env.fernet_keys("K", environ={"K_FILE": str(secret_file)}) == (first,)
    assert env.fernet_keys("K", environ={}) == ()
    with pytest.raises(env.EnvError, match="K: key 2 is not a Fernet key"):
        env.fernet_keys("K", environ={"K": f"{first},short"})


def test_check_warns_while_the_invoice_sellers_details_are_missing():
    production = {k: v for k, v in PRODUCTION.items() if k not in SELLER[1:]}
    result = _manage("check", extra_env=production, drop=SELLER[1:])
    assert result.returncode == 0, result.stderr  # a warning: the platform still starts
    assert "billing.W001" in result.stderr
    assert "BILLING_SELLER_ADDRESS, BILLING_SELLER_BANK_ACCOUNT" in result.stderr
    assert "BILLING_SELLER_TAX_CODE" not in result.stderr


def test_a_tax_code_is_ten_digits_maybe_with_a_branch():
    assert env.tax_code("T", environ={"T": "0101234567-001"}) == "0101234567-001"
    assert env.tax_code("T", environ={}) == ""
    for bad in ("010123456", "0101234567-1", "MST0101234567"):
        with pytest.raises(env.EnvError, match="is not a tax code"):
            env.tax_code("T", environ={"T": bad})


@pytest.mark.parametrize(
    "variable,value,message",
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("SECRET_KEY", "", "SECRET_KEY is required when DEBUG is off"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 50 characters"),
        ("DATABASE_URL", "", "DATABASE_URL is required when DEBUG is off"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL must be a URL starting with"),
        ("REDIS_URL", "", "REDIS_URL is required when DEBUG is off"),
        ("BASE_DOMAIN", "http://x.vn", "BASE_DOMAIN='http://x.vn' is not a host name"),
        ("AGENCY_POOL_SIZE", "many", "AGENCY_POOL_SIZE='many' is not a whole number"),
        ("OUTBOUND_ALLOWED_HOSTS", "http://gw.vn", "OUTBOUND_ALLOWED_HOSTS: 'http://gw.vn'"),
        ("INTEGRATION_SIGNATURE_V1_UNTIL", "30/06/2027", "is not a date written YYYY-MM-DD"),
        ("EMAIL_URL", "", "EMAIL_URL is required when DEBUG is off"),
        ("CELERY_TASK_TIME_LIMIT", "300", "CELERY_TASK_TIME_LIMIT=300 must be above"),
        ("CELERY_WORKER_MAX_MEMORY_MB", "lots", "CELERY_WORKER_MAX_MEMORY_MB='lots' is not"),
        ("UNTRUSTED_PARSE_SECONDS", "0", "UNTRUSTED_PARSE_SECONDS=0 is below the minimum 1"),
        ("TECHNICAL_404", "sometimes", "TECHNICAL_404='sometimes' is not a boolean"),
        ("BILLING_SELLER_TAX_CODE", "MST 1600123456", "BILLING_SELLER_TAX_CODE='MST 1600123456'"),
        ("ANNUAL_REPORT_RECEIVER", "Sở KH&CN", "ANNUAL_REPORT_RECEIVER='Sở KH&CN' is not an"),
        ("SSO_ISSUER", "ftp://id.tinh.vn", "SSO_ISSUER must be a URL starting with"),
        ("SSO_ISSUER", "https://id.tinh.vn", "SSO_CLIENT_ID and SSO_CLIENT_SECRET"),
        ("SIGNING_KEYS_SECRET", "not-a-fernet-key", "SIGNING_KEYS_SECRET: key 1 is not a Fernet"),
        ("SIGNING_VERIFY_MAX_MB", "0", "SIGNING_VERIFY_MAX_MB=0 is below the minimum 1"),
        ("SIGNING_VERIFY_RATE", "30 per minute", "SIGNING_VERIFY_RATE='30 per minute' is not"),
        ("SIGNING_PKCS11_MODULES", "libsofthsm2.so", "SIGNING_PKCS11_MODULES: 'libsofthsm2.so'"),
        ("SIGNING_IMAGE_MAX_KB", "big", "SIGNING_IMAGE_MAX_KB='big' is not a whole number"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_clear_line(variable, value, message):
    settings = dict(PRODUCTION)
    if value:
        settings[variable] = value
    else:
        settings.pop(variable)
    result = _manage("check", extra_env=settings, drop=() if value else (variable,))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_allowed_hosts_follow_base_domain():
    from django.conf import settings

    # (the test runner appends "testserver")
    assert settings.ALLOWED_HOSTS[:2] == [settings.BASE_DOMAIN, f".{settings.BASE_DOMAIN}"]


def test_vietnamese_first_and_vietnam_time():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_workers_have_time_and_memory_limits_set_from_the_environment():
    code = (
        "from eiso.celery import app; import quality.documents.tasks as d, "
        "tenants.tasks as t; c = app.conf; "
        "print(c.task_soft_time_limit, c.task_time_limit, c.worker_max_memory_per_child, "
        "d.file_text_extract.soft_time_limit, d.file_text_extract.time_limit, "
        "t.lifecycle_operation_run.time_limit)"
    )
    extra = {
        **PRODUCTION,
        "CELERY_TASK_SOFT_TIME_LIMIT": "100",
        "CELERY_TASK_TIME_LIMIT": "120",
        "CELERY_WORKER_MAX_MEMORY_MB": "300",
        "UNTRUSTED_PARSE_SECONDS": "10",
        "CELERY_LONG_TASK_TIME_LIMIT": "4000",
    }
    result = _manage("shell", "-c", code, extra_env=extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "100",
        "120",
        str(300 * 1024),
        "40",
        "70",
        "4000",
    ]
