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

Call = Callable[[Credgate, RequestContext, Mapping[str, str], Any, Mapping[str, str]], Outcome]


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


def _routes() -> list[Route]:
    r: list[Route] = []

    def add(
        method: str,
        pattern: str,
        summary: str,
        body: type[s.Body] | None = None,
        tag: str = "sys",
        query: tuple[str, ...] = (),
        blocking: bool = False,
    ) -> Callable[[Call], Call]:
        def deco(fn: Call) -> Call:
            r.append(Route(method, pattern, fn, summary, body, tag, query, blocking))
            return fn

        return deco

    # -- namespaces
    @add(
        "LIST",
        "sys/namespaces",
        "List the child namespaces of the request namespace.",
        tag="namespaces",
    )
    def _ns_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.list_namespaces(ctx)

    @add(
        "POST",
        "sys/namespaces/{name:path}",
        "Create a namespace (relative to the request namespace).",
        s.NamespaceCreate,
        tag="namespaces",
    )
    def _ns_create(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.create_namespace(ctx, p["name"], _b(s.NamespaceCreate, body))

    @add("GET", "sys/namespaces/{name:path}", "Read a namespace.", tag="namespaces")
    def _ns_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.read_namespace(ctx, p["name"])

    @add("DELETE", "sys/namespaces/{name:path}", "Delete an empty namespace.", tag="namespaces")
    def _ns_delete(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.delete_namespace(ctx, p["name"])

    # -- principals
    for kind, model in (("agent", s.AgentCreate), ("operator", s.OperatorCreate)):

        def make(kind: str, model: type[s.Body]) -> None:
            @add(
                "LIST", f"sys/{kind}s", f"List {kind}s in the request namespace.", tag="principals"
            )
            def _list(
                app: Credgate,
                ctx: RequestContext,
                p: Mapping[str, str],
                body: Any,
                q: Mapping[str, str],
            ) -> Outcome:
                return app.identity.list_principals(ctx, kind)

            @add("POST", f"sys/{kind}s/{{name}}", f"Create an {kind}.", model, tag="principals")
            def _create(
                app: Credgate,
                ctx: RequestContext,
                p: Mapping[str, str],
                body: Any,
                q: Mapping[str, str],
            ) -> Outcome:
                return app.identity.create_principal(ctx, kind, p["name"], _b(model, body))

            @add("GET", f"sys/{kind}s/{{name}}", f"Read an {kind}.", tag="principals")
            def _read(
                app: Credgate,
                ctx: RequestContext,
                p: Mapping[str, str],
                body: Any,
                q: Mapping[str, str],
            ) -> Outcome:
                return app.identity.read_principal(ctx, kind, p["name"])

            for verb, status in (("disable", "disabled"), ("enable", "active")):

                def make_status(verb: str, status: str) -> None:
                    @add(
                        "POST",
                        f"sys/{kind}s/{{name}}/{verb}",
                        f"{verb.capitalize()} an {kind} (disable revokes all its tokens).",
                        tag="principals",
                    )
                    def _status(
                        app: Credgate,
                        ctx: RequestContext,
                        p: Mapping[str, str],
                        body: Any,
                        q: Mapping[str, str],
                    ) -> Outcome:
                        return app.identity.set_status(ctx, kind, p["name"], status)

                make_status(verb, status)

        make(kind, model)

    @add(
        "POST",
        "sys/agents/{name}/config",
        "Update an agent's owner, description or policies.",
        s.AgentUpdate,
        tag="principals",
    )
    def _agent_update(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.update_agent(ctx, p["name"], _b(s.AgentUpdate, body))

    # -- policies
    @add("LIST", "sys/policies/acl", "List ACL policies.", tag="policies")
    def _pol_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.policies.list(ctx)

    @add(
        "PUT",
        "sys/policies/acl/{name}",
        "Create or replace an ACL policy (OpenBao HCL).",
        s.PolicyWrite,
        tag="policies",
    )
    def _pol_write(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.policies.write(ctx, p["name"], _b(s.PolicyWrite, body))

    @add("GET", "sys/policies/acl/{name}", "Read an ACL policy.", tag="policies")
    def _pol_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.policies.read(ctx, p["name"])

    @add("DELETE", "sys/policies/acl/{name}", "Delete an ACL policy.", tag="policies")
    def _pol_delete(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.policies.delete(ctx, p["name"])

    @add(
        "POST",
        "sys/capabilities-self",
        "The calling token's capabilities on paths.",
        s.CapabilitiesBody,
        tag="policies",
    )
    def _caps(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.policies.capabilities_self(ctx, _b(s.CapabilitiesBody, body))

    # -- mounts
    @add("GET", "sys/mounts", "List secret engine mounts.", tag="mounts")
    def _m_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.secrets.list_mounts(ctx)

    @add(
        "POST",
        "sys/mounts/{path:path}",
        "Mount a KV version 2 engine.",
        s.MountCreate,
        tag="mounts",
    )
    def _m_create(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.secrets.create_mount(ctx, p["path"], _b(s.MountCreate, body))

    @add(
        "DELETE", "sys/mounts/{path:path}", "Unmount (deletes every secret under it).", tag="mounts"
    )
    def _m_delete(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.secrets.delete_mount(ctx, p["path"])

    # -- tokens
    @add(
        "POST",
        "auth/token/create",
        "Create a token: for an agent or operator, or a child of the caller.",
        s.TokenCreate,
        tag="tokens",
    )
    def _t_create(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.create_token(ctx, _b(s.TokenCreate, body))

    @add("GET", "auth/token/lookup-self", "Describe the calling token.", tag="tokens")
    def _t_lookup(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.lookup_self(ctx)

    @add(
        "POST",
        "auth/token/renew-self",
        "Renew the calling token (never past its max TTL).",
        s.TokenRenew,
        tag="tokens",
    )
    def _t_renew(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.renew_self(ctx, _b(s.TokenRenew, body))

    @add(
        "POST", "auth/token/revoke-self", "Revoke the calling token and its children.", tag="tokens"
    )
    def _t_revoke(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.revoke_self(ctx)

    @add(
        "POST",
        "auth/token/lookup-accessor",
        "Describe a token by accessor.",
        s.AccessorBody,
        tag="tokens",
    )
    def _t_lookup_acc(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.lookup_accessor(ctx, _b(s.AccessorBody, body))

    @add(
        "POST",
        "auth/token/revoke-accessor",
        "Revoke a token (and its children) by accessor.",
        s.AccessorBody,
        tag="tokens",
    )
    def _t_revoke_acc(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.identity.revoke_accessor(ctx, _b(s.AccessorBody, body))

    # -- audit trail
    @add(
        "GET",
        "sys/audit-trail/search",
        "Search the audit trail.",
        tag="audit",
        query=("agent", "session", "since", "path", "limit"),
        blocking=True,
    )
    def _a_search(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.audit_trail.search(ctx, q)

    @add(
        "GET",
        "sys/audit-trail/session/{session_id}",
        "A session's timeline, in order.",
        tag="audit",
        blocking=True,
    )
    def _a_session(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.audit_trail.session(ctx, p["session_id"])

    @add(
        "POST",
        "sys/audit-trail/verify",
        "Verify the hash chains of the audit trail.",
        tag="audit",
        blocking=True,
    )
    def _a_verify(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.audit_trail.verify(ctx)

    @add(
        "POST",
        "sys/audit-trail/hash",
        "HMAC a value and find where it was served.",
        s.AuditHash,
        tag="audit",
        blocking=True,
    )
    def _a_hash(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.audit_trail.hash(ctx, _b(s.AuditHash, body))

    # -- approvals, sessions, risk configuration, webhooks
    @add(
        "LIST",
        "sys/approvals",
        "Approval requests and suggestions (agents see their own).",
        tag="approvals",
        query=("status", "kind"),
    )
    def _ap_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.list_approvals(ctx, q)

    @add(
        "GET",
        "sys/approvals/{approval_id}",
        "One approval; ?wait=30s holds until it is decided.",
        tag="approvals",
        query=("wait",),
        blocking=True,
    )
    def _ap_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.read_approval(ctx, p["approval_id"], q)

    @add(
        "POST",
        "sys/approvals/{approval_id}/approve",
        "Approve (operators only; never the requester).",
        s.ApprovalDecision,
        tag="approvals",
    )
    def _ap_approve(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.decide(
            ctx, p["approval_id"], _b(s.ApprovalDecision, body), grant=True
        )

    @add(
        "POST",
        "sys/approvals/{approval_id}/deny",
        "Deny, with a reason.",
        s.ApprovalDecision,
        tag="approvals",
    )
    def _ap_deny(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.decide(
            ctx, p["approval_id"], _b(s.ApprovalDecision, body), grant=False
        )

    @add(
        "POST",
        "sys/sessions/{session_id}/inspect",
        "Inspect untrusted text the session read; a flagged text taints the session.",
        s.SessionInspect,
        tag="approvals",
    )
    def _se_inspect(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.inspect(ctx, p["session_id"], _b(s.SessionInspect, body))

    @add(
        "POST",
        "sys/sessions/{session_id}/taint",
        "Mark a session tainted: its autonomy drops one level.",
        s.SessionTaint,
        tag="approvals",
    )
    def _se_taint(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.taint(ctx, p["session_id"], _b(s.SessionTaint, body))

    @add(
        "GET",
        "sys/sessions/{session_id}",
        "Whether a session is tainted, and why.",
        tag="approvals",
    )
    def _se_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.read_session(ctx, p["session_id"])

    @add(
        "PUT",
        "sys/risk-config",
        "Set the namespace's risk rules and autonomy table (HCL or JSON).",
        s.RiskConfigWrite,
        tag="approvals",
    )
    def _rc_write(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.write_risk_config(ctx, _b(s.RiskConfigWrite, body))

    @add(
        "GET",
        "sys/risk-config",
        "The namespace's risk configuration and the effective table.",
        tag="approvals",
    )
    def _rc_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.read_risk_config(ctx)

    @add("LIST", "sys/webhooks", "Webhooks of the namespace.", tag="webhooks")
    def _wh_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.list_webhooks(ctx)

    @add(
        "POST",
        "sys/webhooks/{name}",
        "Register a webhook; the signing secret is shown once.",
        s.WebhookCreate,
        tag="webhooks",
    )
    def _wh_create(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.create_webhook(ctx, p["name"], _b(s.WebhookCreate, body))

    @add(
        "GET",
        "sys/webhooks/{name}",
        "Read a webhook (URL shown as scheme, host and port).",
        tag="webhooks",
    )
    def _wh_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.read_webhook(ctx, p["name"])

    @add("DELETE", "sys/webhooks/{name}", "Delete a webhook.", tag="webhooks")
    def _wh_delete(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.delete_webhook(ctx, p["name"])

    @add(
        "GET",
        "sys/webhook-deliveries",
        "The delivery log.",
        tag="webhooks",
        query=("webhook", "status", "kind", "limit"),
    )
    def _wh_deliveries(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.list_deliveries(ctx, q)

    @add(
        "POST",
        "sys/webhook-deliveries/{delivery_id}/redeliver",
        "Queue a delivery again.",
        tag="webhooks",
    )
    def _wh_redeliver(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.governance.redeliver(ctx, p["delivery_id"])

    # -- time-bound elevation and grant proposals
    @add("LIST", "sys/elevation-profiles", "Elevation profiles of the namespace.", tag="elevations")
    def _ep_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.list_profiles(ctx)

    @add(
        "PUT",
        "sys/elevation-profiles/{name}",
        "Create or replace an elevation profile (operators).",
        s.ElevationProfileWrite,
        tag="elevations",
    )
    def _ep_write(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.put_profile(ctx, p["name"], _b(s.ElevationProfileWrite, body))

    @add("GET", "sys/elevation-profiles/{name}", "Read an elevation profile.", tag="elevations")
    def _ep_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.read_profile(ctx, p["name"])

    @add(
        "DELETE", "sys/elevation-profiles/{name}", "Delete an elevation profile.", tag="elevations"
    )
    def _ep_delete(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.delete_profile(ctx, p["name"])

    @add(
        "POST",
        "sys/elevations",
        "Request an elevation (agents; the calling token becomes the parent).",
        s.ElevationCreate,
        tag="elevations",
    )
    def _el_request(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.request(ctx, _b(s.ElevationCreate, body))

    @add(
        "LIST",
        "sys/elevations",
        "Elevations (agents see their own).",
        tag="elevations",
        query=("status",),
    )
    def _el_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.list_elevations(ctx, q)

    @add("GET", "sys/elevations/{elevation_id}", "Read one elevation.", tag="elevations")
    def _el_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.read(ctx, p["elevation_id"])

    for verb, grant in (("approve", True), ("deny", False)):

        def make_decision(verb: str, grant: bool) -> None:
            @add(
                "POST",
                f"sys/elevations/{{elevation_id}}/{verb}",
                f"{verb.capitalize()} an elevation (operators only; never the requester).",
                s.Reason,
                tag="elevations",
            )
            def _el_decide(
                app: Credgate,
                ctx: RequestContext,
                p: Mapping[str, str],
                body: Any,
                q: Mapping[str, str],
            ) -> Outcome:
                return app.elevations.decide(
                    ctx, p["elevation_id"], _b(s.Reason, body), grant=grant
                )

        make_decision(verb, grant)

    @add(
        "POST",
        "sys/elevations/{elevation_id}/activate",
        "Activate an approved elevation: returns the elevated child token.",
        s.ElevationActivate,
        tag="elevations",
    )
    def _el_activate(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.activate(ctx, p["elevation_id"], _b(s.ElevationActivate, body))

    @add(
        "POST",
        "sys/elevations/{elevation_id}/revoke",
        "End an elevation now and revoke its token.",
        s.Reason,
        tag="elevations",
    )
    def _el_revoke(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.elevations.revoke(ctx, p["elevation_id"], _b(s.Reason, body))

    @add(
        "POST",
        "sys/proposals",
        "Propose a grant (agents): a path, capabilities and why.",
        s.ProposalCreate,
        tag="proposals",
    )
    def _pr_create(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.proposals.create(ctx, _b(s.ProposalCreate, body))

    @add(
        "LIST",
        "sys/proposals",
        "Grant proposals (agents see their own).",
        tag="proposals",
        query=("status",),
    )
    def _pr_list(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.proposals.list_proposals(ctx, q)

    @add("GET", "sys/proposals/{proposal_id}", "Read one proposal.", tag="proposals")
    def _pr_read(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.proposals.read(ctx, p["proposal_id"])

    @add(
        "POST",
        "sys/proposals/{proposal_id}/accept",
        "Accept (operators): the grant is appended to a policy attached to the agent.",
        s.ProposalAccept,
        tag="proposals",
    )
    def _pr_accept(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.proposals.accept(ctx, p["proposal_id"], _b(s.ProposalAccept, body))

    @add(
        "POST",
        "sys/proposals/{proposal_id}/reject",
        "Reject, with a reason.",
        s.Reason,
        tag="proposals",
    )
    def _pr_reject(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        return app.proposals.reject(ctx, p["proposal_id"], _b(s.Reason, body))

    @add(
        "POST",
        "broker/http",
        "Brokered HTTP call: secrets injected by credgate, the answer masked.",
        s.BrokerHttp,
        tag="broker",
        blocking=True,
    )
    def _broker_http(
        app: Credgate, ctx: RequestContext, p: Mapping[str, str], body: Any, q: Mapping[str, str]
    ) -> Outcome:
        if app.brokered is None:
            raise NotFound("brokered use is not enabled on this server")
        return app.brokered.http(ctx, _b(s.BrokerHttp, body))

    return r


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
