"""The HTTP route table: one entry per (method, path pattern), used both to dispatch and to
generate ``/v1/openapi.json`` (so the document cannot drift from what is served).

Every route calls a service method, which runs the one broker pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from credgate.errors import NotFound
from credgate.service import schemas as s
from credgate.service.app import Credgate
from credgate.service.broker import Outcome, RequestContext


@dataclass(frozen=True)
class Req:
    """What a route gets besides the instance: the request context, path parameters, the
    decoded JSON body and the query parameters."""

    ctx: RequestContext
    params: Mapping[str, str]
    body: Any
    query: Mapping[str, str]


Call = Callable[[Credgate, Req], Outcome]


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, PUT, DELETE, PATCH, LIST (GET ?list=true)
    pattern: str  # "sys/agents/{name}"
    call: Call
    summary: str
    body: type[s.Body] | None = None
    tag: str = "sys"
    query: tuple[str, ...] = ()
    blocking: bool = False  # waits on I/O or scans files: run it in a worker thread
    regex: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        rx = re.escape(self.pattern)
        rx = re.sub(r"\\\{(\w+):path\\\}", r"(?P<\1>.+)", rx)
        rx = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", rx)
        object.__setattr__(self, "regex", re.compile(rx + r"\Z"))


def _b(model: type[s.Body], raw: Any) -> Any:
    return s.parse_body(model, raw)


def _route(
    method: str,
    pattern: str,
    summary: str,
    body: type[s.Body] | None = None,
    *,
    call: Call,
    tag: str = "sys",
    query: tuple[str, ...] = (),
    blocking: bool = False,
) -> Route:
    return Route(method, pattern, call, summary, body, tag, query, blocking)


def _broker_http(app: Credgate, r: Req) -> Outcome:
    if app.brokered is None:
        raise NotFound("brokered use is not enabled on this server")
    return app.brokered.http(r.ctx, _b(s.BrokerHttp, r.body))


def _principal_routes(kind: str, model: type[s.Body]) -> list[Route]:
    an = f"an {kind}"
    routes = [
        _route(
            "LIST",
            f"sys/{kind}s",
            f"List {kind}s in the request namespace.",
            tag="principals",
            call=lambda app, r: app.identity.list_principals(r.ctx, kind),
        ),
        _route(
            "POST",
            f"sys/{kind}s/{{name}}",
            f"Create {an}.",
            model,
            tag="principals",
            call=lambda app, r: app.identity.create_principal(
                r.ctx, kind, r.params["name"], _b(model, r.body)
            ),
        ),
        _route(
            "GET",
            f"sys/{kind}s/{{name}}",
            f"Read {an}.",
            tag="principals",
            call=lambda app, r: app.identity.read_principal(r.ctx, kind, r.params["name"]),
        ),
    ]
    for verb, status in (("disable", "disabled"), ("enable", "active")):
        routes.append(
            _route(
                "POST",
                f"sys/{kind}s/{{name}}/{verb}",
                f"{verb.capitalize()} {an} (disable revokes all its tokens).",
                tag="principals",
                call=lambda app, r, status=status: app.identity.set_status(  # type: ignore[misc]
                    r.ctx, kind, r.params["name"], status
                ),
            ),
        )
    return routes


def _elevation_decisions() -> list[Route]:
    return [
        _route(
            "POST",
            f"sys/elevations/{{elevation_id}}/{verb}",
            f"{verb.capitalize()} an elevation (operators only; never the requester).",
            s.Reason,
            tag="elevations",
            call=lambda app, r, grant=grant: app.elevations.decide(  # type: ignore[misc]
                r.ctx, r.params["elevation_id"], _b(s.Reason, r.body), grant=grant
            ),
        )
        for verb, grant in (("approve", True), ("deny", False))
    ]


def _routes() -> list[Route]:
    return [
        # -- namespaces
        _route(
            "LIST",
            "sys/namespaces",
            "List the child namespaces of the request namespace.",
            tag="namespaces",
            call=lambda app, r: app.identity.list_namespaces(r.ctx),
        ),
        _route(
            "POST",
            "sys/namespaces/{name:path}",
            "Create a namespace (relative to the request namespace).",
            s.NamespaceCreate,
            tag="namespaces",
            call=lambda app, r: app.identity.create_namespace(
                r.ctx, r.params["name"], _b(s.NamespaceCreate, r.body)
            ),
        ),
        _route(
            "GET",
            "sys/namespaces/{name:path}",
            "Read a namespace.",
            tag="namespaces",
            call=lambda app, r: app.identity.read_namespace(r.ctx, r.params["name"]),
        ),
        _route(
            "DELETE",
            "sys/namespaces/{name:path}",
            "Delete an empty namespace.",
            tag="namespaces",
            call=lambda app, r: app.identity.delete_namespace(r.ctx, r.params["name"]),
        ),
        # -- principals
        *_principal_routes("agent", s.AgentCreate),
        *_principal_routes("operator", s.OperatorCreate),
        _route(
            "POST",
            "sys/agents/{name}/config",
            "Update an agent's owner, description or policies.",
            s.AgentUpdate,
            tag="principals",
            call=lambda app, r: app.identity.update_agent(
                r.ctx, r.params["name"], _b(s.AgentUpdate, r.body)
            ),
        ),
        # -- policies
        _route(
            "LIST",
            "sys/policies/acl",
            "List ACL policies.",
            tag="policies",
            call=lambda app, r: app.policies.list(r.ctx),
        ),
        _route(
            "PUT",
            "sys/policies/acl/{name}",
            "Create or replace an ACL policy (OpenBao HCL).",
            s.PolicyWrite,
            tag="policies",
            call=lambda app, r: app.policies.write(
                r.ctx, r.params["name"], _b(s.PolicyWrite, r.body)
            ),
        ),
        _route(
            "GET",
            "sys/policies/acl/{name}",
            "Read an ACL policy.",
            tag="policies",
            call=lambda app, r: app.policies.read(r.ctx, r.params["name"]),
        ),
        _route(
            "DELETE",
            "sys/policies/acl/{name}",
            "Delete an ACL policy.",
            tag="policies",
            call=lambda app, r: app.policies.delete(r.ctx, r.params["name"]),
        ),
        _route(
            "POST",
            "sys/capabilities-self",
            "The calling token's capabilities on paths.",
            s.CapabilitiesBody,
            tag="policies",
            call=lambda app, r: app.policies.capabilities_self(
                r.ctx, _b(s.CapabilitiesBody, r.body)
            ),
        ),
        # -- mounts
        _route(
            "GET",
            "sys/mounts",
            "List secret engine mounts.",
            tag="mounts",
            call=lambda app, r: app.secrets.list_mounts(r.ctx),
        ),
        _route(
            "POST",
            "sys/mounts/{path:path}",
            "Mount a KV version 2 engine.",
            s.MountCreate,
            tag="mounts",
            call=lambda app, r: app.secrets.create_mount(
                r.ctx, r.params["path"], _b(s.MountCreate, r.body)
            ),
        ),
        _route(
            "DELETE",
            "sys/mounts/{path:path}",
            "Unmount (deletes every secret under it).",
            tag="mounts",
            call=lambda app, r: app.secrets.delete_mount(r.ctx, r.params["path"]),
        ),
        # -- tokens
        _route(
            "POST",
            "auth/token/create",
            "Create a token: for an agent or operator, or a child of the caller.",
            s.TokenCreate,
            tag="tokens",
            call=lambda app, r: app.identity.create_token(r.ctx, _b(s.TokenCreate, r.body)),
        ),
        _route(
            "GET",
            "auth/token/lookup-self",
            "Describe the calling token.",
            tag="tokens",
            call=lambda app, r: app.identity.lookup_self(r.ctx),
        ),
        _route(
            "POST",
            "auth/token/renew-self",
            "Renew the calling token (never past its max TTL).",
            s.TokenRenew,
            tag="tokens",
            call=lambda app, r: app.identity.renew_self(r.ctx, _b(s.TokenRenew, r.body)),
        ),
        _route(
            "POST",
            "auth/token/revoke-self",
            "Revoke the calling token and its children.",
            tag="tokens",
            call=lambda app, r: app.identity.revoke_self(r.ctx),
        ),
        _route(
            "POST",
            "auth/token/lookup-accessor",
            "Describe a token by accessor.",
            s.AccessorBody,
            tag="tokens",
            call=lambda app, r: app.identity.lookup_accessor(r.ctx, _b(s.AccessorBody, r.body)),
        ),
        _route(
            "POST",
            "auth/token/revoke-accessor",
            "Revoke a token (and its children) by accessor.",
            s.AccessorBody,
            tag="tokens",
            call=lambda app, r: app.identity.revoke_accessor(r.ctx, _b(s.AccessorBody, r.body)),
        ),
        # -- audit trail
        _route(
            "GET",
            "sys/audit-trail/search",
            "Search the audit trail.",
            tag="audit",
            query=("agent", "session", "since", "path", "limit"),
            blocking=True,
            call=lambda app, r: app.audit_trail.search(r.ctx, r.query),
        ),
        _route(
            "GET",
            "sys/audit-trail/session/{session_id}",
            "A session's timeline, in order.",
            tag="audit",
            blocking=True,
            call=lambda app, r: app.audit_trail.session(r.ctx, r.params["session_id"]),
        ),
        _route(
            "POST",
            "sys/audit-trail/verify",
            "Verify the hash chains of the audit trail.",
            tag="audit",
            blocking=True,
            call=lambda app, r: app.audit_trail.verify(r.ctx),
        ),
        _route(
            "POST",
            "sys/audit-trail/hash",
            "HMAC a value and find where it was served.",
            s.AuditHash,
            tag="audit",
            blocking=True,
            call=lambda app, r: app.audit_trail.hash(r.ctx, _b(s.AuditHash, r.body)),
        ),
        # -- approvals, sessions, risk configuration, webhooks
        _route(
            "LIST",
            "sys/approvals",
            "Approval requests and suggestions (agents see their own).",
            tag="approvals",
            query=("status", "kind"),
            call=lambda app, r: app.governance.list_approvals(r.ctx, r.query),
        ),
        _route(
            "GET",
            "sys/approvals/{approval_id}",
            "One approval; ?wait=30s holds until it is decided.",
            tag="approvals",
            query=("wait",),
            blocking=True,
            call=lambda app, r: app.governance.read_approval(
                r.ctx, r.params["approval_id"], r.query
            ),
        ),
        _route(
            "POST",
            "sys/approvals/{approval_id}/approve",
            "Approve (operators only; never the requester).",
            s.ApprovalDecision,
            tag="approvals",
            call=lambda app, r: app.governance.decide(
                r.ctx, r.params["approval_id"], _b(s.ApprovalDecision, r.body), grant=True
            ),
        ),
        _route(
            "POST",
            "sys/approvals/{approval_id}/deny",
            "Deny, with a reason.",
            s.ApprovalDecision,
            tag="approvals",
            call=lambda app, r: app.governance.decide(
                r.ctx, r.params["approval_id"], _b(s.ApprovalDecision, r.body), grant=False
            ),
        ),
        _route(
            "POST",
            "sys/sessions/{session_id}/inspect",
            "Inspect untrusted text the session read; a flagged text taints the session.",
            s.SessionInspect,
            tag="approvals",
            call=lambda app, r: app.governance.inspect(
                r.ctx, r.params["session_id"], _b(s.SessionInspect, r.body)
            ),
        ),
        _route(
            "POST",
            "sys/sessions/{session_id}/taint",
            "Mark a session tainted: its autonomy drops one level.",
            s.SessionTaint,
            tag="approvals",
            call=lambda app, r: app.governance.taint(
                r.ctx, r.params["session_id"], _b(s.SessionTaint, r.body)
            ),
        ),
        _route(
            "GET",
            "sys/sessions/{session_id}",
            "Whether a session is tainted, and why.",
            tag="approvals",
            call=lambda app, r: app.governance.read_session(r.ctx, r.params["session_id"]),
        ),
        _route(
            "PUT",
            "sys/risk-config",
            "Set the namespace's risk rules and autonomy table (HCL or JSON).",
            s.RiskConfigWrite,
            tag="approvals",
            call=lambda app, r: app.governance.write_risk_config(
                r.ctx, _b(s.RiskConfigWrite, r.body)
            ),
        ),
        _route(
            "GET",
            "sys/risk-config",
            "The namespace's risk configuration and the effective table.",
            tag="approvals",
            call=lambda app, r: app.governance.read_risk_config(r.ctx),
        ),
        _route(
            "LIST",
            "sys/webhooks",
            "Webhooks of the namespace.",
            tag="webhooks",
            call=lambda app, r: app.governance.list_webhooks(r.ctx),
        ),
        _route(
            "POST",
            "sys/webhooks/{name}",
            "Register a webhook; the signing secret is shown once.",
            s.WebhookCreate,
            tag="webhooks",
            call=lambda app, r: app.governance.create_webhook(
                r.ctx, r.params["name"], _b(s.WebhookCreate, r.body)
            ),
        ),
        _route(
            "GET",
            "sys/webhooks/{name}",
            "Read a webhook (URL shown as scheme, host and port).",
            tag="webhooks",
            call=lambda app, r: app.governance.read_webhook(r.ctx, r.params["name"]),
        ),
        _route(
            "DELETE",
            "sys/webhooks/{name}",
            "Delete a webhook.",
            tag="webhooks",
            call=lambda app, r: app.governance.delete_webhook(r.ctx, r.params["name"]),
        ),
        _route(
            "GET",
            "sys/webhook-deliveries",
            "The delivery log.",
            tag="webhooks",
            query=("webhook", "status", "kind", "limit"),
            call=lambda app, r: app.governance.list_deliveries(r.ctx, r.query),
        ),
        _route(
            "POST",
            "sys/webhook-deliveries/{delivery_id}/redeliver",
            "Queue a delivery again.",
            tag="webhooks",
            call=lambda app, r: app.governance.redeliver(r.ctx, r.params["delivery_id"]),
        ),
        # -- time-bound elevation and grant proposals
        _route(
            "LIST",
            "sys/elevation-profiles",
            "Elevation profiles of the namespace.",
            tag="elevations",
            call=lambda app, r: app.elevations.list_profiles(r.ctx),
        ),
        _route(
            "PUT",
            "sys/elevation-profiles/{name}",
            "Create or replace an elevation profile (operators).",
            s.ElevationProfileWrite,
            tag="elevations",
            call=lambda app, r: app.elevations.put_profile(
                r.ctx, r.params["name"], _b(s.ElevationProfileWrite, r.body)
            ),
        ),
        _route(
            "GET",
            "sys/elevation-profiles/{name}",
            "Read an elevation profile.",
            tag="elevations",
            call=lambda app, r: app.elevations.read_profile(r.ctx, r.params["name"]),
        ),
        _route(
            "DELETE",
            "sys/elevation-profiles/{name}",
            "Delete an elevation profile.",
            tag="elevations",
            call=lambda app, r: app.elevations.delete_profile(r.ctx, r.params["name"]),
        ),
        _route(
            "POST",
            "sys/elevations",
            "Request an elevation (agents; the calling token becomes the parent).",
            s.ElevationCreate,
            tag="elevations",
            call=lambda app, r: app.elevations.request(r.ctx, _b(s.ElevationCreate, r.body)),
        ),
        _route(
            "LIST",
            "sys/elevations",
            "Elevations (agents see their own).",
            tag="elevations",
            query=("status",),
            call=lambda app, r: app.elevations.list_elevations(r.ctx, r.query),
        ),
        _route(
            "GET",
            "sys/elevations/{elevation_id}",
            "Read one elevation.",
            tag="elevations",
            call=lambda app, r: app.elevations.read(r.ctx, r.params["elevation_id"]),
        ),
        *_elevation_decisions(),
        _route(
            "POST",
            "sys/elevations/{elevation_id}/activate",
            "Activate an approved elevation: returns the elevated child token.",
            s.ElevationActivate,
            tag="elevations",
            call=lambda app, r: app.elevations.activate(
                r.ctx, r.params["elevation_id"], _b(s.ElevationActivate, r.body)
            ),
        ),
        _route(
            "POST",
            "sys/elevations/{elevation_id}/revoke",
            "End an elevation now and revoke its token.",
            s.Reason,
            tag="elevations",
            call=lambda app, r: app.elevations.revoke(
                r.ctx, r.params["elevation_id"], _b(s.Reason, r.body)
            ),
        ),
        _route(
            "POST",
            "sys/proposals",
            "Propose a grant (agents): a path, capabilities and why.",
            s.ProposalCreate,
            tag="proposals",
            call=lambda app, r: app.proposals.create(r.ctx, _b(s.ProposalCreate, r.body)),
        ),
        _route(
            "LIST",
            "sys/proposals",
            "Grant proposals (agents see their own).",
            tag="proposals",
            query=("status",),
            call=lambda app, r: app.proposals.list_proposals(r.ctx, r.query),
        ),
        _route(
            "GET",
            "sys/proposals/{proposal_id}",
            "Read one proposal.",
            tag="proposals",
            call=lambda app, r: app.proposals.read(r.ctx, r.params["proposal_id"]),
        ),
        _route(
            "POST",
            "sys/proposals/{proposal_id}/accept",
            "Accept (operators): the grant is appended to a policy attached to the agent.",
            s.ProposalAccept,
            tag="proposals",
            call=lambda app, r: app.proposals.accept(
                r.ctx, r.params["proposal_id"], _b(s.ProposalAccept, r.body)
            ),
        ),
        _route(
            "POST",
            "sys/proposals/{proposal_id}/reject",
            "Reject, with a reason.",
            s.Reason,
            tag="proposals",
            call=lambda app, r: app.proposals.reject(
                r.ctx, r.params["proposal_id"], _b(s.Reason, r.body)
            ),
        ),
        _route(
            "POST",
            "broker/http",
            "Brokered HTTP call: secrets injected by credgate, the answer masked.",
            s.BrokerHttp,
            tag="broker",
            blocking=True,
            call=_broker_http,
        ),
    ]


ROUTES: tuple[Route, ...] = tuple(_routes())
RESERVED_PREFIXES = ("sys/", "auth/", "broker/")


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        if route.method == method:
            m = route.regex.match(path)
            if m:
                return route, m.groupdict()
    return None


def allowed_methods(path: str) -> list[str]:
    return sorted({r.method for r in ROUTES if r.regex.match(path)})
