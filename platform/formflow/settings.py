"""Settings: built-in defaults, then a ``.env`` file, then ``FORMFLOW_*`` environment
variables, then the mapping given to ``create_app`` (tests).  Validated once at start.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from dotenv import dotenv_values

from formflow import outbound

PREFIX = "FORMFLOW_"
#: The repository's own folders, used when the working directory has none of its own.
SOURCE_ROOT = Path(__file__).resolve().parents[2]

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # sqlite:///<instance>/formflow.db
    "SECRET_KEY": None,  # generated once into the instance folder
    "METADATA_PATH": "metadata/apps",
    "PLUGINS_PATH": "plugins",
    "PLUGINS_STRICT": True,  # a plugin that fails to load stops start-up
    "REDIS_URL": None,
    "LANGUAGE": None,  # from the browser, else zh-CN
    "TIMEZONE": "Asia/Shanghai",
    "INSTANCE_PATH": "instance",
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "LOGIN_ATTEMPTS": 5,
    "LOGIN_WINDOW_SECONDS": 300,
    "TOKEN_ATTEMPTS": 100,  # wrong API tokens allowed per address in the login window
    "SMTP_URL": None,  # smtp://user:password@host:port; none: no e-mail
    "MAIL_FROM": None,  # sender of notification mails; none: formflow@localhost
    "ENV": "development",  # production: a secret key must be given, cookies are secure
    "SECURE_COOKIES": None,  # cookies only over HTTPS; none: on in production
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-* headers count
    "LOG_FORMAT": "text",  # or json: one JSON object per line
    "LOG_LEVEL": "INFO",
    "METRICS_TOKEN": None,  # bearer token for GET /metrics; none: /metrics is off
    "METADATA_CHECK_SECONDS": 1.0,  # how often a worker looks for newly published metadata
    "IMPORT_MAX_ROWS": 50_000,  # data rows one imported file may hold
    "IMPORT_MAX_BYTES": 20 * 1024 * 1024,  # size of one imported file
    "EXPORT_MAX_ROWS": 100_000,  # records one export may hold
    "IMPORT_MAX_COLUMNS": 500,  # columns of one imported file
    "IMPORT_MAX_CELLS": 2_000_000,  # cells (blank ones too) one imported file may hold
    "IMPORT_MAX_SECONDS": 60,  # time reading one imported file may take
    "IMPORT_BACKGROUND_ROWS": 5_000,  # a file of this many data rows or more imports as a job
    "IMPORT_BACKGROUND_MAX_ROWS": 1_000_000,  # data rows a background import may hold
    "IMPORT_BACKGROUND_MAX_SECONDS": 3_600,  # time one background import may take
    "TABLE_MAX_ROWS": 1_000,  # rows of a line-item field whose metadata gives no max_rows
    "RECORD_MAX_CELLS": 20_000,  # line-item cells one record may send, all tables together
    "MAX_FORM_PARTS": 10_000,  # inputs one submitted form may hold
    "MAX_QUERY_LENGTH": 8_192,  # characters of a URL's query string
    "MAX_QUERY_PARAMS": 200,  # parameters of a URL's query string
    "IDEMPOTENCY_SECONDS": 86_400,  # how long a create remembers its idempotency key
    "UPLOAD_MAX_BYTES": None,  # size of one uploaded file; none: MAX_CONTENT_LENGTH
    "FILE_STORAGE": "database",  # where uploaded files live: database, s3 or disk
    "S3_BUCKET": None,  # FILE_STORAGE=s3: the bucket (credentials: AWS_* variables)
    "S3_ENDPOINT_URL": None,  # an S3-compatible store other than AWS, e.g. http://minio:9000
    "S3_REGION": None,
    "S3_PREFIX": "",  # object names start with it, e.g. files/
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_CHECK_COMMON": True,  # refuse common and user-name-derived passwords
    "TOKEN_DAYS": 90,  # lifetime (and longest allowed) of a new API token; 0: no limit
    "PASSWORD_CHANGE_REVOKES_TOKENS": True,  # a new password revokes the user's tokens
    "OIDC_ISSUER": None,  # single sign-on: the OpenID Connect provider's issuer URL
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPES": "openid email profile",
    "OIDC_USERNAME_CLAIM": "preferred_username",  # else the e-mail's local part
    "OIDC_CREATE_USERS": True,  # make a user on first sign-in
    "OIDC_ROLES_CLAIM": None,  # e.g. groups: the user's roles follow it
    "OIDC_ROLE_MAP": None,  # JSON: {"claim value": "role"}
    "OIDC_DEPARTMENT_CLAIM": None,  # a claim holding a department code
    "OIDC_LABEL": None,  # the sign-in button's provider name
    "LOCAL_PASSWORDS": True,  # 0: only single sign-on signs people in on the pages
    "AUTOMATIONS_WEBHOOK_ALLOW": "",  # non-public hosts/networks automation webhooks may call
    "AUTOMATIONS_WEBHOOK_TIMEOUT": 5,  # seconds an automation's webhook call may take
    "AUTOMATIONS_WEBHOOK_SECRET": None,  # signs automation webhook bodies (HMAC-SHA256)
}

#: Settings that are whole numbers; those in LIMITS must be 1 or more.
LIMITS = ("MAX_CONTENT_LENGTH", "IMPORT_MAX_ROWS", "IMPORT_MAX_BYTES", "EXPORT_MAX_ROWS",
          "IMPORT_MAX_COLUMNS", "IMPORT_MAX_CELLS", "IMPORT_MAX_SECONDS", "TABLE_MAX_ROWS",
          "RECORD_MAX_CELLS", "MAX_FORM_PARTS", "MAX_QUERY_LENGTH", "MAX_QUERY_PARAMS",
          "IDEMPOTENCY_SECONDS", "AUTOMATIONS_WEBHOOK_TIMEOUT", "IMPORT_BACKGROUND_ROWS",
          "IMPORT_BACKGROUND_MAX_ROWS", "IMPORT_BACKGROUND_MAX_SECONDS")
WHOLE_NUMBERS = (*LIMITS, "LOGIN_ATTEMPTS", "LOGIN_WINDOW_SECONDS", "TOKEN_ATTEMPTS",
                 "TRUSTED_PROXIES")

ENVIRONMENTS = ("development", "production")
FILE_STORAGES = ("database", "s3", "disk")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: The shortest secret key accepted in production (a 32-byte hex token has 64).
MIN_SECRET_LENGTH = 32
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class SettingsError(Exception):
    """A setting has a value that cannot work; the message names it."""


def load_settings(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    settings = dict(DEFAULTS)
    settings.update(_prefixed(dotenv_values(Path.cwd() / ".env")))
    settings.update(_prefixed(os.environ))
    settings.update(config or {})
    return _validated(settings)


def _prefixed(source: Mapping[str, Any]) -> dict[str, Any]:
    return {k[len(PREFIX):]: v for k, v in source.items() if k.startswith(PREFIX) and v is not None}


def _validated(settings: dict[str, Any]) -> dict[str, Any]:
    instance = Path(settings["INSTANCE_PATH"]).resolve()
    settings["INSTANCE_PATH"] = str(instance)
    if not settings["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'formflow.db'}"
    try:
        sa.make_url(settings["DATABASE_URL"])
    except sa.exc.ArgumentError as error:
        raise SettingsError(f"FORMFLOW_DATABASE_URL is not a database URL: {error}") from None
    try:
        settings["TIMEZONE"] = ZoneInfo(str(settings["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"FORMFLOW_TIMEZONE {settings['TIMEZONE']!r} is not a time zone"
        ) from None
    settings["METADATA_PATH"] = _paths(settings["METADATA_PATH"], "metadata/apps")
    settings["PLUGINS_PATH"] = _paths(settings["PLUGINS_PATH"], "plugins")
    settings["PLUGINS_STRICT"] = str(settings["PLUGINS_STRICT"]).lower() not in ("0", "false", "no")
    for name in WHOLE_NUMBERS:
        settings[name] = _whole_number(name, settings[name], 1 if name in LIMITS else None)
    if settings["UPLOAD_MAX_BYTES"] is not None:
        settings["UPLOAD_MAX_BYTES"] = _whole_number("UPLOAD_MAX_BYTES",
                                                     settings["UPLOAD_MAX_BYTES"], 1)
    if settings["TRUSTED_PROXIES"] < 0:
        raise SettingsError("FORMFLOW_TRUSTED_PROXIES must be 0 or more")
    _account_settings(settings)
    try:
        seconds = float(settings["METADATA_CHECK_SECONDS"])
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not 0 <= seconds <= 3600:  # NaN fails the comparison too
        raise SettingsError("FORMFLOW_METADATA_CHECK_SECONDS must be a number of seconds "
                            "from 0 (every request) to 3600")
    settings["METADATA_CHECK_SECONDS"] = seconds
    try:
        outbound.TargetPolicy.parse(settings["AUTOMATIONS_WEBHOOK_ALLOW"],
                                    "FORMFLOW_AUTOMATIONS_WEBHOOK_ALLOW")
    except ValueError as error:
        raise SettingsError(str(error)) from None
    settings["ENV"] = _choice(settings, "ENV", ENVIRONMENTS, str.lower)
    settings["FILE_STORAGE"] = _choice(settings, "FILE_STORAGE", FILE_STORAGES, str.lower)
    _single_sign_on_settings(settings)
    if settings["FILE_STORAGE"] == "s3" and not settings["S3_BUCKET"]:
        raise SettingsError("FORMFLOW_FILE_STORAGE=s3 needs FORMFLOW_S3_BUCKET")
    settings["LOG_FORMAT"] = _choice(settings, "LOG_FORMAT", LOG_FORMATS, str.lower)
    settings["LOG_LEVEL"] = _choice(settings, "LOG_LEVEL", LOG_LEVELS, str.upper)
    production = settings["ENV"] == "production"
    secure = settings["SECURE_COOKIES"]
    settings["SECURE_COOKIES"] = (
        production if secure is None else _boolean("SECURE_COOKIES", secure)
    )
    if settings["SMTP_URL"]:
        try:
            parse_smtp_url(str(settings["SMTP_URL"]))
        except ValueError as error:
            raise SettingsError(f"FORMFLOW_SMTP_URL is not usable: {error}") from None
    if production:
        _check_production_secret(settings["SECRET_KEY"])
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret(instance)
    return settings


def _whole_number(name: str, value: Any, minimum: int | None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"FORMFLOW_{name} must be a whole number") from None
    if minimum is not None and number < minimum:
        raise SettingsError(f"FORMFLOW_{name} must be {minimum} or more")
    return number


def _account_settings(settings: dict[str, Any]) -> None:
    """The password policy and the API token lifetime."""
    for name, low, high in (("PASSWORD_MIN_LENGTH", 8, 128), ("TOKEN_DAYS", 0, 36500)):
        try:
            settings[name] = int(settings[name])
        except (TypeError, ValueError):
            settings[name] = None
        if settings[name] is None or not low <= settings[name] <= high:
            raise SettingsError(f"FORMFLOW_{name} must be a whole number from {low} to {high}")
    for name in ("PASSWORD_CHECK_COMMON", "PASSWORD_CHANGE_REVOKES_TOKENS"):
        settings[name] = _boolean(name, settings[name])


def _choice(settings: dict[str, Any], name: str, choices: tuple[str, ...], normal) -> str:
    value = normal(str(settings[name]).strip())
    if value not in choices:
        raise SettingsError(f"FORMFLOW_{name} must be one of {', '.join(choices)}, "
                            f"not {settings[name]!r}")
    return value


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise SettingsError(f"FORMFLOW_{name} must be true or false (1/0, yes/no), not {value!r}")
    return word in TRUE_WORDS


def _check_production_secret(secret: str | None) -> None:
    """In production every worker on every host must sign sessions with one key, so a key
    generated into one host's instance folder will not do."""
    if not secret:
        raise SettingsError(
            "FORMFLOW_SECRET_KEY must be set when FORMFLOW_ENV=production (the same value on "
            "every host); make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if len(str(secret)) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"FORMFLOW_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production"
        )


def _paths(value: str | list, default: str) -> list[str]:
    """Folders from an os.pathsep-separated string; the default falls back to the
    repository's own folder when the working directory has none."""
    if isinstance(value, list | tuple):
        return [str(Path(p).resolve()) for p in value]
    paths = [Path(p).resolve() for p in str(value).split(os.pathsep) if p]
    if value == default and not paths[0].is_dir():
        paths = [SOURCE_ROOT / default]
    return [str(p) for p in paths]


def _instance_secret(instance: Path) -> str:
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    return secret


SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain | starttls | ssl
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """The server an ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URL names; a
    ``ValueError`` for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError("use smtp://, smtp+starttls:// or smtps://user:password@host:port")
    security, port = SCHEMES[parts.scheme]
    if parts.scheme == "smtp" and parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true"):
        security = "starttls"
    return SmtpServer(
        host=parts.hostname, port=parts.port or port, security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _single_sign_on_settings(settings: dict[str, Any]) -> None:
    settings["OIDC_CREATE_USERS"] = _boolean("OIDC_CREATE_USERS", settings["OIDC_CREATE_USERS"])
    settings["LOCAL_PASSWORDS"] = _boolean("LOCAL_PASSWORDS", settings["LOCAL_PASSWORDS"])
    if settings["OIDC_ISSUER"] and not settings["OIDC_CLIENT_ID"]:
        raise SettingsError("FORMFLOW_OIDC_ISSUER needs FORMFLOW_OIDC_CLIENT_ID")
    if not settings["LOCAL_PASSWORDS"] and not settings["OIDC_ISSUER"]:
        raise SettingsError("FORMFLOW_LOCAL_PASSWORDS=0 needs single sign-on "
                            "(FORMFLOW_OIDC_ISSUER): nobody could sign in")
    role_map = settings["OIDC_ROLE_MAP"]
    if isinstance(role_map, str):
        try:
            role_map = json.loads(role_map)
        except ValueError:
            role_map = None
        if not isinstance(role_map, dict):
            raise SettingsError('FORMFLOW_OIDC_ROLE_MAP must be a JSON object like '
                                '{"sales-team": "sales_rep"}')
        settings["OIDC_ROLE_MAP"] = role_map
