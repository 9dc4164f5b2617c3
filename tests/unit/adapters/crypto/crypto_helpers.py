"""Test helpers for the encryption-at-rest tests: randomness a test can inspect or script."""

from __future__ import annotations

import os
from collections.abc import Iterable


class RecordingRandom:
    """``os.urandom`` that remembers what it returned, so a test can look for key bytes."""

    def __init__(self) -> None:
        self.outputs: list[bytes] = []

    def __call__(self, n: int) -> bytes:
        data = os.urandom(n)
        self.outputs.append(data)
        return data

    def of_length(self, n: int) -> list[bytes]:
        return [b for b in self.outputs if len(b) == n]


class ScriptedRandom:
    """Returns the given chunks in order; fails the test if asked for anything else."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = list(chunks)

    def __call__(self, n: int) -> bytes:
        assert self._chunks, f"unexpected request for {n} random bytes"
        chunk = self._chunks.pop(0)
        assert len(chunk) == n, f"script has {len(chunk)} bytes where {n} were asked"
        return chunk
