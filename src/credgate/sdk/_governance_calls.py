"""The API calls for human control, described once: approvals, session taint, the risk
configuration, webhooks, elevation profiles, elevations and grant proposals.

Like :mod:`credgate.sdk._calls`, nothing here performs I/O; both clients send these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from credgate.errors import InvalidRequest
from credgate.sdk._calls import Data, _data, _name
from credgate.sdk._core import Call
from credgate.sdk.errors import ServerError
from credgate.sdk.models import IssuedToken

#: Added to a long-poll's ``wait`` for the request's own timeout, so the server answers first.
LONG_POLL_MARGIN = 10.0
MAX_WAIT = 60.0


def _items(key: str) -> Any:
    def parse(body: Any) -> list[Data]:
        items = _data(body).get(key) or []
        return [dict(x) for x in items if isinstance(x, dict)]

    return parse


def _query(**values: object) -> dict[str, str] | None:
    params = {k: str(v) for k, v in values.items() if v is not None}
    return params or None


def _wait_seconds(wait: float | None) -> float:
    """The long-poll in seconds, checked as the server would (0: answer at once)."""
    if wait is None:
        return 0.0
    if isinstance(wait, bool) or not isinstance(wait, int | float) or not 0 <= wait <= MAX_WAIT:
        raise InvalidRequest(f"wait is a number of seconds from 0 to {int(MAX_WAIT)}")
    return float(wait)


# -- approvals and sessions ---------------------------------------------------------------------
def list_approvals(status: str | None, kind: str | None) -> Call[list[Data]]:
    return Call(
        "GET",
        "sys/approvals",
        _items("approvals"),
        params={"list": "true", **(_query(status=status, kind=kind) or {})},
    )


def read_approval(approval_id: str, wait: float | None) -> Call[Data]:
    seconds = _wait_seconds(wait)
    path = f"sys/approvals/{_name(approval_id, 'approval')}"
    if not seconds:
        return Call("GET", path, _data)
    return Call(
        "GET",
        path,
        _data,
        params={"wait": f"{seconds:g}s"},
        timeout=seconds + LONG_POLL_MARGIN,
    )


def decide(kind: str, item_id: str, verb: str, reason: str) -> Call[Data]:
    """``approve`` / ``deny`` (approvals, elevations), ``reject`` (proposals), ``revoke``."""
    path = f"sys/{kind}s/{_name(item_id, kind)}/{verb}"
    return Call("POST", path, _data, json={"reason": reason})


def taint_session(session_id: str, reason: str, source: str) -> Call[Data]:
    path = f"sys/sessions/{_name(session_id, 'session')}/taint"
    return Call("POST", path, _data, json={"reason": reason, "source": source})


def read_session(session_id: str) -> Call[Data]:
    return Call("GET", f"sys/sessions/{_name(session_id, 'session')}", _data)


# -- risk configuration ------------------------------------------------------------------------
def read_risk_config() -> Call[Data]:
    return Call("GET", "sys/risk-config", _data)


def write_risk_config(config: str) -> Call[Data]:
    if not isinstance(config, str) or not config.strip():
        raise InvalidRequest("the risk configuration is empty", hint="give HCL or JSON text")
    return Call("PUT", "sys/risk-config", _data, json={"config": config})


# -- webhooks ----------------------------------------------------------------------------------
def create_webhook(name: str, body: Mapping[str, Any]) -> Call[Data]:
    clean = {k: v for k, v in body.items() if v is not None}
    return Call("POST", f"sys/webhooks/{_name(name, 'webhook')}", _data, json=clean)


def webhook_call(method: str, name: str) -> Call[Data]:
    return Call(method, f"sys/webhooks/{_name(name, 'webhook')}", _data)


def list_webhooks() -> Call[list[Data]]:
    return Call("GET", "sys/webhooks", _items("webhooks"), params={"list": "true"})


def list_deliveries(
    webhook: str | None, status: str | None, kind: str | None, limit: int | None
) -> Call[list[Data]]:
    params = _query(webhook=webhook, status=status, kind=kind, limit=limit)
    return Call("GET", "sys/webhook-deliveries", _items("deliveries"), params=params)


def redeliver(delivery_id: str) -> Call[Data]:
    path = f"sys/webhook-deliveries/{_name(delivery_id, 'delivery')}/redeliver"
    return Call("POST", path, _data, json={})


# -- elevation profiles and elevations ------------------------------------------------------------
def put_profile(name: str, body: Mapping[str, Any]) -> Call[Data]:
    policies = body.get("policies")
    if isinstance(policies, str) or not isinstance(policies, Sequence) or not policies:
        raise InvalidRequest("an elevation profile grants a list of one or more policies")
    clean = {k: (list(v) if k == "policies" else v) for k, v in body.items() if v is not None}
    return Call(
        "PUT", f"sys/elevation-profiles/{_name(name, 'elevation profile')}", _data, json=clean
    )


def profile_call(method: str, name: str) -> Call[Data]:
    return Call(method, f"sys/elevation-profiles/{_name(name, 'elevation profile')}", _data)


def list_profiles() -> Call[list[Data]]:
    return Call("GET", "sys/elevation-profiles", _items("profiles"), params={"list": "true"})


def request_elevation(profile: str, justification: str, duration: int | str) -> Call[Data]:
    body = {"profile": profile, "justification": justification, "duration": duration}
    return Call("POST", "sys/elevations", _data, json=body)


def list_elevations(status: str | None) -> Call[list[Data]]:
    params = {"list": "true", **(_query(status=status) or {})}
    return Call("GET", "sys/elevations", _items("elevations"), params=params)


def read_elevation(elevation_id: str) -> Call[Data]:
    return Call("GET", f"sys/elevations/{_name(elevation_id, 'elevation')}", _data)


def activate_elevation(elevation_id: str) -> Call[IssuedToken]:
    def parse(answer: Any) -> IssuedToken:
        auth = answer.get("auth") if isinstance(answer, dict) else None
        if not isinstance(auth, dict) or "client_token" not in auth:
            raise ServerError(
                "the server answered without an elevated token", status=200, code="bad_response"
            )
        return IssuedToken.from_auth(auth)

    path = f"sys/elevations/{_name(elevation_id, 'elevation')}/activate"
    return Call("POST", path, parse, json={})


# -- grant proposals ---------------------------------------------------------------------------
def propose_grant(path: str, capabilities: Sequence[str], justification: str) -> Call[Data]:
    if isinstance(capabilities, str):
        raise InvalidRequest("capabilities must be a list, e.g. ['read', 'list']")
    body = {"path": path, "capabilities": list(capabilities), "justification": justification}
    return Call("POST", "sys/proposals", _data, json=body)


def list_proposals(status: str | None) -> Call[list[Data]]:
    params = {"list": "true", **(_query(status=status) or {})}
    return Call("GET", "sys/proposals", _items("proposals"), params=params)


def read_proposal(proposal_id: str) -> Call[Data]:
    return Call("GET", f"sys/proposals/{_name(proposal_id, 'proposal')}", _data)


def accept_proposal(proposal_id: str, policy: str | None, reason: str) -> Call[Data]:
    body: Data = {"reason": reason}
    if policy is not None:
        body["policy"] = policy
    return Call("POST", f"sys/proposals/{_name(proposal_id, 'proposal')}/accept", _data, json=body)


__all__ = [
    "accept_proposal",
    "activate_elevation",
    "create_webhook",
    "decide",
    "list_approvals",
    "list_deliveries",
    "list_elevations",
    "list_profiles",
    "list_proposals",
    "list_webhooks",
    "profile_call",
    "propose_grant",
    "put_profile",
    "read_approval",
    "read_elevation",
    "read_proposal",
    "read_risk_config",
    "read_session",
    "redeliver",
    "request_elevation",
    "taint_session",
    "webhook_call",
    "write_risk_config",
]
