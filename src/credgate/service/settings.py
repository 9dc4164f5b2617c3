"""One typed settings object for the server and the CLI.

Precedence (highest first): ``CREDGATE_*`` environment variables, the TOML file
(``--config``, ``CREDGATE_CONFIG``, or ``<data_dir>/credgate.toml``), built-in defaults.
Every field is documented in ``docs/reference/settings.md``; a test keeps the two in step.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from credgate.domain.tokens import parse_duration
from credgate.errors import ConfigError, InvalidRequest

ENV_PREFIX = "CREDGATE_"


@dataclass(frozen=True)
class Settings:
    """Server settings. Paths are resolved against the current directory."""

    data_dir: Path = Path(".credgate")
    database_url: str = ""  # default: sqlite:///<data_dir>/credgate.db
    host: str = "127.0.0.1"
    port: int = 8300
    workers: int = 0  # server processes (0: one per available CPU); each its own audit chain
    http_parser: str = "httptools"  # "h11" also accepts Vault's LIST method (slower)
    master_key_file: Path | None = None  # default: <data_dir>/master.key
    audit_file: Path | None = None  # default: <data_dir>/audit.log
    audit_sql: bool = False
    audit_database_url: str = ""  # default: the main database, or <data_dir>/audit.db for SQLite
    audit_fsync: bool = False
    audit_checkpoint_interval: float = 5.0  # seconds between chain-head checkpoints (0: off)
    audit_checkpoint_file: Path | None = None  # a second place for them (default: none)
    instance_id: str = ""  # default: read from <data_dir>/instance-id (written by init)
    max_request_bytes: int = 1_048_576
    default_token_ttl: float = 3600.0
    max_token_ttl: float = 86400.0
    context_max_bytes: int = 8192
    log_level: str = "info"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'credgate.db'}"

    @property
    def resolved_audit_database_url(self) -> str:
        if self.audit_database_url:
            return self.audit_database_url
        if self.resolved_database_url.startswith("sqlite"):
            # A separate file: SQLite has one writer per file, and audit writes must never
            # wait on (or be rolled back with) a request's transaction.
            return f"sqlite:///{self.data_dir / 'audit.db'}"
        return self.resolved_database_url

    def with_instance_id(self, instance_id: str) -> Settings:
        return replace(self, instance_id=instance_id)

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def resolved_audit_file(self) -> Path:
        return self.audit_file or self.data_dir / "audit.log"

    @property
    def operator_token_file(self) -> Path:
        return self.data_dir / "operator.token"

    @property
    def resolved_workers(self) -> int:
        if self.workers > 0:
            return self.workers
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - not Linux
            cpus = os.cpu_count() or 1
        return max(1, min(cpus, 8))

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"


_DURATIONS = {"default_token_ttl", "max_token_ttl", "audit_checkpoint_interval"}
_PATHS = {"data_dir", "master_key_file", "audit_file", "audit_checkpoint_file"}
_BOOLS = {"audit_sql", "audit_fsync"}
_INTS = {"port", "workers", "max_request_bytes", "context_max_bytes"}
_STRS = {"http_parser", "database_url", "audit_database_url", "host", "instance_id", "log_level"}
SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "extra")


def _coerce(name: str, value: Any, origin: str) -> Any:
    try:
        if name in _DURATIONS:
            return parse_duration(value, field=name)
        if name in _PATHS:
            if isinstance(value, Path):
                return value
            if not isinstance(value, str) or not value:
                raise ValueError("expected a path")
            return Path(value)
        if name in _BOOLS:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
                return True
            if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if name in _INTS:
            if isinstance(value, bool):
                raise ValueError("expected an integer")
            number = int(value)
            if number < 0:
                raise ValueError("must not be negative")
            return number
        if name in _STRS:
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
    except (ValueError, TypeError, InvalidRequest) as exc:
        message = exc.message if isinstance(exc, InvalidRequest) else str(exc)
        raise ConfigError(f"setting {name!r} from {origin}: {message}") from None
    raise ConfigError(f"unknown setting {name!r} in {origin}")  # pragma: no cover


def load_settings(
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from defaults, the TOML file, the environment and overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    data_dir = Path(env.get(ENV_PREFIX + "DATA_DIR", "") or Settings.data_dir)
    if overrides and overrides.get("data_dir"):
        data_dir = Path(str(overrides["data_dir"]))
    if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(env[ENV_PREFIX + "CONFIG"])
    path = config_file
    explicit = path is not None
    path = path or data_dir / "credgate.toml"
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        for key, value in raw.items():
            if key not in SETTING_NAMES:
                raise ConfigError(
                    f"{path}: unknown setting {key!r}",
                    hint="see docs/reference/settings.md for the list of settings",
                )
            values[key] = _coerce(key, value, str(path))
    elif explicit:
        raise ConfigError(f"config file {path} does not exist")
    for name in SETTING_NAMES:
        env_name = ENV_PREFIX + name.upper()
        if env_name in env and env[env_name] != "":
            values[name] = _coerce(name, env[env_name], f"${env_name}")
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _coerce(key, value, "the command line")
    if "data_dir" not in values:
        values["data_dir"] = data_dir
    settings = Settings(**values)
    if settings.http_parser not in ("httptools", "h11"):
        raise ConfigError(
            f"http_parser must be httptools or h11, not {settings.http_parser!r}",
            hint="h11 accepts the LIST method Vault clients send; httptools is faster",
        )
    if not settings.instance_id:
        id_file = settings.data_dir / "instance-id"
        if id_file.exists():
            settings = replace(settings, instance_id=id_file.read_text(encoding="utf-8").strip())
    return settings
