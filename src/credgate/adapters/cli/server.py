"""Server-side commands: ``credgate init``, ``credgate serve``, ``credgate operator rotate-key``.

These act on the local instance (data directory, database, master key), not over the API.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from credgate.errors import ConfigError
from credgate.service.settings import Settings, load_settings

NEXT_STEPS = """\
Next, in another terminal:
  export CREDGATE_ADDR={addr} CREDGATE_TOKEN="$(cat {token_file})"
  .venv/bin/credgate namespace create acme
  .venv/bin/credgate agent create deploy-bot --owner you@example.com --namespace acme
(the whole walk-through is in README.md, "Quick start")"""


def _settings(data_dir: Path | None, config: Path | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return load_settings(config_file=config, overrides=values)


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Instance directory (default ./.credgate, or $CREDGATE_DATA_DIR).",
)
config_option = click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML settings file (default <data-dir>/credgate.toml, or $CREDGATE_CONFIG).",
)


@click.command()
@data_dir_option
@config_option
@click.option("--if-missing", is_flag=True, help="Do nothing (exit 0) when already initialised.")
def init(data_dir: Path | None, config: Path | None, if_missing: bool) -> None:
    """Create an embedded instance: master key, database, root mount and an operator token."""
    from credgate.service.app import initialise

    settings = _settings(data_dir, config)
    result = initialise(settings)
    if not result.created:
        if if_missing:
            click.echo(f"credgate: using the existing instance in {result.data_dir}/")
            return
        raise ConfigError(
            f"{result.data_dir}/ is already initialised",
            hint="use it as it is, or pass --data-dir for a new instance",
        )
    click.echo(f"credgate: initialised a new instance in {result.data_dir}/")
    click.echo(f"  master key:     {settings.resolved_master_key_file} (mode 0600; back it up)")
    click.echo(f"  operator token: {result.token_file} (root; keep it secret)")


@click.command()
@data_dir_option
@config_option
@click.option("--host", default=None, help="Listen address (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Listen port (default 8300).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes (default: one per CPU); each keeps its own audit chain.",
)
def serve(
    data_dir: Path | None,
    config: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
) -> None:
    """Serve the HTTP API."""
    import json

    import uvicorn

    from credgate.adapters.http.app import create_app
    from credgate.adapters.http.asgi import OVERRIDES_ENV
    from credgate.service.app import build

    settings = _settings(
        data_dir,
        config,
        host=host,
        port=str(port) if port is not None else None,
        workers=str(workers) if workers is not None else None,
    )
    cg = build(settings)  # applies migrations and checks the master key, once
    processes = settings.resolved_workers
    token_file = settings.operator_token_file
    shape = "1 process" if processes == 1 else f"{processes} worker processes"
    click.echo(f"credgate: serving on {settings.address}, {shape}  (data: {settings.data_dir}/)")
    if token_file.exists():
        click.echo(f"  operator token: {token_file}")
        click.echo(NEXT_STEPS.format(addr=settings.address, token_file=token_file))
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "server_header": False,
        "http": settings.http_parser,
    }
    if processes > 1:
        cg.close()
        # Each worker builds its own instance from these settings (see adapters/http/asgi.py).
        overrides: dict[str, Any] = {
            "data_dir": str(settings.data_dir),
            "host": settings.host,
            "port": settings.port,
        }
        if config is not None:
            overrides["config"] = str(config)
        os.environ[OVERRIDES_ENV] = json.dumps(overrides)
        uvicorn.run(
            "credgate.adapters.http.asgi:app_from_env", factory=True, workers=processes, **common
        )
        return
    try:
        uvicorn.run(create_app(cg), **common)
    finally:
        cg.close()


@click.group()
def operator() -> None:
    """Local operator tasks on the instance (need the master key)."""


@operator.command("rotate-key")
@data_dir_option
@config_option
def rotate_key(data_dir: Path | None, config: Path | None) -> None:
    """Generate a new master key and re-wrap every data key under it (one transaction).

    The new key is written next to the old one first (``master.key.new``), the key ring is
    re-wrapped, then the new file replaces the old. If the process stops in between, the
    server refuses to start with the old key and the hint names ``master.key.new``.
    """
    from credgate.adapters.crypto.master_key import generate_master_key_file
    from credgate.service.app import build

    settings = _settings(data_dir, config)
    if os.environ.get("CREDGATE_MASTER_KEY"):
        raise ConfigError(
            "the master key comes from $CREDGATE_MASTER_KEY; rotate it where it is stored",
            hint="unset CREDGATE_MASTER_KEY to rotate a key file",
        )
    key_file = settings.resolved_master_key_file
    new_file = key_file.with_name(key_file.name + ".new")
    cg = build(settings)
    try:
        new_key = generate_master_key_file(new_file)
        count = cg.barrier.rotate_master_key(new_key)
        os.replace(new_file, key_file)
    finally:
        cg.close()
    click.echo(f"credgate: re-wrapped {count} keys under master key {new_key.key_id}")
