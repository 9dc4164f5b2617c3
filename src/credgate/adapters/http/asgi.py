"""An ASGI application built from the environment, for ``credgate serve --workers N``.

Each worker process builds its own instance (connections, caches, webhook sender) from the
settings the parent passed in ``CREDGATE_SERVE_OVERRIDES``; the parent has already applied
the migrations. Each worker writes its own audit hash chain (writer ``<instance>-p<pid>``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette

from credgate.adapters.http.app import create_app
from credgate.service.app import build
from credgate.service.settings import load_settings

OVERRIDES_ENV = "CREDGATE_SERVE_OVERRIDES"


def app_from_env() -> Starlette:
    raw = json.loads(os.environ.get(OVERRIDES_ENV, "{}"))
    config = raw.pop("config", None)
    if "data_dir" in raw:
        raw["data_dir"] = Path(raw["data_dir"])
    settings = load_settings(config_file=Path(config) if config else None, overrides=raw)
    writer = f"{settings.instance_id or 'credgate'}-p{os.getpid()}"
    return create_app(build(settings.with_instance_id(writer), migrate=False))
