"""The shapes of conformance cases: specs to send to OpenBao, records of what it answered.

Namespaces are canonical paths everywhere: ``""`` for the root namespace, ``"ns1/"`` and
``"ns1/ns2/"`` for children (OpenBao's own form, reference notes §7).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class PolicySpec:
    """One ACL policy as written to the server: its name, namespace and HCL/JSON text."""

    name: str
    text: str
    namespace: str = ""

    def to_json(self) -> JsonObject:
        return {"name": self.name, "namespace": self.namespace, "text": self.text}


@dataclass(frozen=True)
class CapabilityCase:
    """A token holding ``policies`` (all in ``token_namespace``), probed from ``namespace``.

    ``root`` makes a root token instead (``policies`` must then be empty).
    ``expected`` holds answers the reference notes predict, checked by the generator only.
    """

    id: str
    policies: tuple[PolicySpec, ...]
    probes: tuple[str, ...]
    namespace: str = ""
    token_namespace: str = ""
    root: bool = False
    expected: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseCase:
    """A policy text whose acceptance by ``PUT sys/policies/acl/<name>`` is recorded."""

    id: str
    text: str


@dataclass(frozen=True)
class RequestCase:
    """One real request by a token holding ``policies``.

    ``operation`` is the ACL operation the server resolves the HTTP call to. The recorder makes
    sure the key is missing for ``create`` and present otherwise, because KV v1 decides
    between create and update with an existence check.
    """

    id: str
    policies: tuple[PolicySpec, ...]
    operation: str
    path: str
    data: JsonObject | None = None
    expected_allowed: bool | None = None


def write_jsonl(path: Path, records: Iterable[JsonObject]) -> int:
    """Write one compact JSON object per line, in the given order; returns the count."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> Iterator[JsonObject]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record: JsonObject = json.loads(line)
                yield record
