"""Settings: defaults from config/defaults.toml, then the environment.

Read once, by the application factory. Every default key can be overridden
by ``PATHMARK_<KEY>``; ``DATABASE_URL`` overrides ``database_url`` and
``REDIS_URL`` ``redis_url``. Values from the environment are converted to
the type of the default.
PostgreSQL URLs without a driver are read with psycopg 3.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "PATHMARK_"


class ConfigError(ValueError):
    """A setting has a value Pathmark cannot use."""


def config_dir() -> Path:
    return Path(os.environ.get(ENV_PREFIX + "CONFIG_DIR", PROJECT_ROOT / "config"))


def read_toml(name: str) -> dict[str, Any]:
    with open(config_dir() / name, "rb") as fh:
        return tomllib.load(fh)


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the settings as a dict with upper-case keys."""
    environ = os.environ if environ is None else environ
    defaults = read_toml("defaults.toml")
    settings: dict[str, Any] = {}

    for key, default in defaults.items():
        raw = environ.get(ENV_PREFIX + key.upper())
        settings[key] = default if raw is None else _convert(key, raw, default)

    if environ.get("DATABASE_URL"):
        settings["database_url"] = environ["DATABASE_URL"]
    if environ.get("REDIS_URL"):
        settings["redis_url"] = environ["REDIS_URL"]

    for key, value in (overrides or {}).items():
        settings[key.lower()] = value

    _check(settings)
    return {key.upper(): value for key, value in settings.items()}


def _convert(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{ENV_PREFIX}{key.upper()} must be true or false")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(
                f"{ENV_PREFIX}{key.upper()} must be a whole number, not {raw!r}"
            ) from None
    return raw


def database_driver_url(url: str) -> str:
    """The URL with the PostgreSQL driver Pathmark installs (psycopg 3).

    Hosting services hand out ``postgres://`` and ``postgresql://`` URLs;
    SQLAlchemy reads both as psycopg2, which Pathmark does not depend on.
    A URL naming its driver (``postgresql+...://``) is kept as given.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _check(settings: dict[str, Any]) -> None:
    settings["database_url"] = database_driver_url(settings["database_url"])
    base = settings["base_url"].rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ConfigError("base_url must start with http:// or https://")
    settings["base_url"] = base
    if settings["unknown_deployment"] not in {"refuse", "pending"}:
        raise ConfigError('unknown_deployment must be "refuse" or "pending"')
    from lti_tool.public_address import parse_networks

    try:
        parse_networks(settings["registration_allowed_networks"])
    except ValueError as exc:
        raise ConfigError(f"registration_allowed_networks: {exc}") from None
    if settings["leeway_seconds"] < 0 or settings["trusted_proxy_hops"] < 0:
        raise ConfigError("leeway_seconds and trusted_proxy_hops must be >= 0")
    if settings["registration_rate_limit"] < 0:
        raise ConfigError("registration_rate_limit must be >= 0 (0 turns it off)")
    if settings["registration_rate_window"] < 1:
        raise ConfigError("registration_rate_window must be at least 1 second")


def resolve_path(value: str | os.PathLike[str]) -> Path:
    """A path from the settings; relative ones are relative to the project."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def instance_secret_key(instance_path: Path) -> str:
    """The session-signing secret, generated on first run, never hard-coded."""
    path = instance_path / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once, one writes and both read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
