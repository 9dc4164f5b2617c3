"""Use cases for reading the audit trail over the API (operators; ``sudo`` required).

They read the primary sink (the JSONL file) — the same records the CLI's ``--file`` mode reads,
through the same readers (:mod:`credgate.service.audit_search`, :mod:`credgate.domain.audit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from credgate.adapters.audit.file_sink import FileAuditSink, iter_records
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.audit import AuditSink, parse_time
from credgate.errors import InvalidRequest, NotFound
from credgate.service import schemas as s
from credgate.service.audit import AuditBroker
from credgate.service.audit_search import find_value, search, session_timeline
from credgate.service.audit_verify import verify_file
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext

MAX_RESULTS = 1000


def visible_to(caller: Caller) -> Callable[[Mapping[str, Any]], bool]:
    """Which records ``caller`` may read: its namespace, and its children for an operator.

    A tenant never sees another tenant's events (paths, ids, accessors, reasoning, value
    HMACs). Only the root namespace sees records with no namespace (unauthenticated requests).
    """
    scope = caller.namespace
    if scope == "" and caller.kind != "agent":
        return lambda record: True
    if caller.kind == "agent":
        return lambda record: record.get("namespace") == scope

    def within(record: Mapping[str, Any]) -> bool:
        namespace = record.get("namespace")
        return isinstance(namespace, str) and namespace.startswith(scope)

    return within


def _since(raw: str) -> float:
    try:
        return float(raw) if raw.replace(".", "", 1).isdigit() else parse_time(raw)
    except ValueError:
        raise InvalidRequest(
            "since must be epoch seconds or an RFC 3339 time",
            hint="for example 2026-11-25T10:00:00Z",
        ) from None


class AuditTrailService:
    def __init__(self, broker: Broker, audit: AuditBroker, sinks: Sequence[AuditSink]) -> None:
        self.broker = broker
        self.audit = audit
        self.file = next((x for x in sinks if isinstance(x, FileAuditSink)), None)

    def _records(self, caller: Caller | None = None) -> Iterator[dict[str, Any]]:
        """The trail's records, only those ``caller`` may see when a caller is given."""
        if self.file is None or not self.file.path.exists():
            return iter(())
        records = iter_records(self.file.path, on_malformed=lambda _n: None)
        if caller is None:
            return records
        return filter(visible_to(caller), records)

    def search(self, ctx: RequestContext, query: Mapping[str, str]) -> Outcome:
        unknown = set(query) - {"agent", "session", "since", "path", "limit", "trace"}
        if unknown:
            raise InvalidRequest(f"unknown search parameter {sorted(unknown)[0]!r}")
        limit_raw = query.get("limit", "100")
        if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= MAX_RESULTS:
            raise InvalidRequest(f"limit must be an integer from 1 to {MAX_RESULTS}")
        since = _since(query["since"]) if query.get("since") else None

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            found = search(
                self._records(caller),
                agent=query.get("agent"),
                session=query.get("session"),
                since=since,
                path=query.get("path"),
                trace=query.get("trace"),
                limit=int(limit_raw),
            )
            return Outcome({"data": {"events": found}}, result_params={"matches": len(found)})

        action = Action(
            "audit.search", "read", "sys/audit-trail/search", params=dict(query), sudo=True
        )
        return self.broker.run(ctx, action, handler)

    def session(self, ctx: RequestContext, session_id: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            lines = session_timeline(self._records(caller), session_id)
            if not lines:
                raise NotFound(f"no events for session {session_id!r}")
            return Outcome({"data": {"session_id": session_id, "timeline": lines}})

        action = Action("audit.session", "read", f"sys/audit-trail/session/{session_id}", sudo=True)
        return self.broker.run(ctx, action, handler)

    def verify(self, ctx: RequestContext) -> Outcome:
        """Verify the whole file against the writers' checkpoints; show the caller its part.

        Checkpoints are read before the file: each names a record already written, so a
        record appended meanwhile cannot be mistaken for a cut tail. A caller in a namespace
        other than the root sees only its subtree (see :func:`.audit_verify.verify_file`).
        """

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            checkpoints = self.audit.read_checkpoints()
            data = verify_file(
                self.file.path if self.file is not None else None,
                key=self.audit.chain_key,
                checkpoints=checkpoints,
                now=self.audit.clock.now(),
                namespace=caller.namespace,
            )
            return Outcome({"data": data}, result_params={"ok": data["ok"]})

        return self.broker.run(
            ctx, Action("audit.verify", "update", "sys/audit-trail/verify", sudo=True), handler
        )

    def hash(self, ctx: RequestContext, body: s.AuditHash) -> Outcome:
        digest = self.audit.hmac(body.value)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            hits = find_value(self._records(caller), digest)
            shown = [
                {
                    k: h.get(k)
                    for k in (
                        "time",
                        "request_id",
                        "agent_id",
                        "session_id",
                        "action",
                        "path",
                        "type",
                    )
                }
                for h in hits[:MAX_RESULTS]
            ]
            return Outcome({"data": {"hmac": digest, "found": bool(hits), "events": shown}})

        return self.broker.run(
            ctx, Action("audit.hash", "update", "sys/audit-trail/hash", sudo=True), handler
        )
