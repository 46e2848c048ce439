"""Small helpers that read settings from the environment.

Secrets may come from a file named by ``<NAME>_FILE`` (Docker and systemd credentials), which
wins over the plain variable so that a secret never has to sit in the process environment.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {error}") from error
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from error


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def mailer_from_url(url):
    """A Django ``MAILERS`` entry from ``smtp://user:pass@host:port?tls=1``, ``smtps://...``,
    or ``console://`` / ``locmem://`` for staging."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp://, smtps:// or console://, not {scheme}://")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    use_ssl = scheme == "smtps"
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if use_ssl else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": use_ssl,
            "use_tls": not use_ssl and options.get("tls", "0").lower() in TRUE_WORDS,
            "timeout": int(options.get("timeout", "10")),
        },
    }
