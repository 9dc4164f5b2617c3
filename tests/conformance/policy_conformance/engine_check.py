"""Compare credgate's policy engine with recorded OpenBao answers, collecting every
disagreement instead of stopping at the first one.

Each ``check_*`` function returns a :class:`Comparison`: how many answers were compared and a
one-line description of each disagreement. An engine exception where an answer was expected
counts as a disagreement and is described, never raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from credgate.domain.policy import ACL, parse_policy
from credgate.errors import Denied, PolicyParseError
from policy_conformance.cases import JsonObject

SHOWN = 30


@dataclass
class Comparison:
    """Answers compared, and the disagreements found (case id first on each line)."""

    kind: str
    compared: int = 0
    cases: int = 0
    mismatches: list[str] = field(default_factory=list)
    failed_cases: set[str] = field(default_factory=set)

    def add(self, case_id: str, line: str) -> None:
        self.mismatches.append(f"{case_id}: {line}")
        self.failed_cases.add(case_id)

    @property
    def agreed(self) -> int:
        return self.compared - len(self.mismatches)

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.agreed}/{self.compared} answers agree "
            f"({len(self.mismatches)} disagree, in {len(self.failed_cases)} of {self.cases} cases)"
        )

    def report(self, header: str = "") -> str:
        """The summary and the first ``SHOWN`` disagreements, for an assertion message."""
        lines = [header, self.summary()] if header else [self.summary()]
        lines += ["  " + m for m in self.mismatches[:SHOWN]]
        if len(self.mismatches) > SHOWN:
            lines.append(f"  ... and {len(self.mismatches) - SHOWN} more")
        return "\n".join(lines)


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:200]


def _one_line(text: object) -> str:
    return " ".join(str(text).split())[:300]


def _build_acl(record: JsonObject, now: float) -> ACL:
    policies = [
        parse_policy(p["text"], name=p["name"], namespace=p["namespace"], now=now)
        for p in record["policies"]
    ]
    return ACL(policies, now=now, root_namespace=record.get("root_namespace"))


def check_capabilities(records: Iterable[JsonObject], *, now: float) -> Comparison:
    """Every probe of every case: ``acl.capabilities`` must equal the server's list."""
    result = Comparison("capabilities")
    for record in records:
        result.cases += 1
        probes: dict[str, list[str]] = record["probes"]
        namespace: str = record["namespace"]
        try:
            acl = _build_acl(record, now)
        except Exception as exc:
            result.compared += len(probes)
            for path in probes:
                result.add(record["id"], f"{path!r}: engine could not build the ACL: {exc!r}")
            continue
        for path, expected in probes.items():
            result.compared += 1
            try:
                answer: Any = acl.capabilities(path, namespace=namespace)
            except Exception as exc:
                answer = f"raised {exc!r}"
            if answer != expected:
                where = f" from ns {namespace!r}" if namespace else ""
                result.add(
                    record["id"],
                    f"{path!r}{where}: engine {_short(answer)}, OpenBao {_short(expected)}",
                )
    return result


def check_parse(records: Iterable[JsonObject], *, now: float) -> Comparison:
    """``parse_policy`` must raise ``PolicyParseError`` exactly when OpenBao refused the text.

    ``now`` matters: OpenBao skips most checks of a block whose ``expiration`` has passed.
    """
    result = Comparison("parse")
    for record in records:
        result.cases += 1
        result.compared += 1
        try:
            parse_policy(record["text"], name="conformance", now=now)
        except PolicyParseError as exc:
            if record["accepted"]:
                result.add(record["id"], f"engine rejects ({_one_line(exc)}), OpenBao accepts")
            continue
        except Exception as exc:
            result.add(
                record["id"], f"engine raised {exc!r}, OpenBao accepted={record['accepted']}"
            )
            continue
        if not record["accepted"]:
            result.add(
                record["id"], f"engine accepts, OpenBao rejects: {_one_line(record['error'])}"
            )
    return result


def check_requests(records: Iterable[JsonObject], *, now: float) -> Comparison:
    """``acl.authorize`` must raise ``Denied`` exactly when OpenBao answered 403."""
    result = Comparison("requests")
    for record in records:
        result.cases += 1
        result.compared += 1
        what = f"{record['operation']} {record['path']} data={_short(record['data'])}"
        try:
            acl = _build_acl(record, now)
            acl.authorize(record["operation"], record["path"], data=record["data"])
        except Denied:
            if record["allowed"]:
                result.add(record["id"], f"{what}: engine denies, OpenBao allows")
            continue
        except Exception as exc:
            result.add(record["id"], f"{what}: engine raised {exc!r}")
            continue
        if not record["allowed"]:
            result.add(record["id"], f"{what}: engine allows, OpenBao denies")
    return result
