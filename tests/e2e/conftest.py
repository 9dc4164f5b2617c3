"""End-to-end fixtures: a real ``credgate serve`` subprocess (see ``credgate_server.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from credgate_server import Server, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh ``credgate serve`` (embedded SQLite, file audit) on a free 127.0.0.1 port."""
    with start_server(tmp_path) as running:
        yield running
