"""The SDK's calls for human control, shared by both clients as mixins: approvals, session
taint, the risk configuration, webhooks, elevation profiles, elevations and grant proposals.

:class:`GovernanceMethods` is mixed into :class:`credgate.sdk.Client`,
:class:`AsyncGovernanceMethods` (the same methods, awaited) into
:class:`credgate.sdk.AsyncClient`; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from credgate.sdk import _governance_calls as gc
from credgate.sdk._core import Call, ClientConfig
from credgate.sdk.models import IssuedToken

T = TypeVar("T")
Data = dict[str, Any]


class GovernanceMethods:
    """Human control, for :class:`credgate.sdk.Client`."""

    _config: ClientConfig

    def _send(self, call: Call[T]) -> T:  # pragma: no cover - the client provides it
        raise NotImplementedError

    # -- approvals and sessions -------------------------------------------------------------
    def list_approvals(self, *, status: str | None = None, kind: str | None = None) -> list[Data]:
        """Approval requests and suggestions, newest first (an agent sees only its own)."""
        return self._send(gc.list_approvals(status, kind))

    def read_approval(self, approval_id: str, *, wait: float | None = None) -> Data:
        """One approval; with ``wait`` (seconds, at most 60) the server holds the answer until
        it is decided or the wait ends, so an agent can wait without polling."""
        return self._send(gc.read_approval(approval_id, wait))

    def approve(self, approval_id: str, *, reason: str = "") -> Data:
        """Approve a request (operators only, never the requester)."""
        return self._send(gc.decide("approval", approval_id, "approve", reason))

    def deny(self, approval_id: str, *, reason: str) -> Data:
        """Deny a request; the reason is required and the agent sees it."""
        return self._send(gc.decide("approval", approval_id, "deny", reason))

    def taint_session(
        self, session_id: str | None = None, *, reason: str, source: str = "api"
    ) -> Data:
        """Mark a session (default: this client's) tainted: its autonomy drops one level."""
        return self._send(gc.taint_session(session_id or self._config.session_id, reason, source))

    def read_session(self, session_id: str | None = None) -> Data:
        """Whether a session (default: this client's) is tainted, and why."""
        return self._send(gc.read_session(session_id or self._config.session_id))

    # -- risk configuration -----------------------------------------------------------------
    def read_risk_config(self) -> Data:
        """The namespace's stored risk configuration and the effective table."""
        return self._send(gc.read_risk_config())

    def write_risk_config(self, config: str) -> Data:
        """Replace the namespace's risk configuration (HCL or JSON); refused whole if bad."""
        return self._send(gc.write_risk_config(config))

    # -- webhooks ---------------------------------------------------------------------------
    def create_webhook(
        self,
        name: str,
        url: str,
        *,
        format: str = "json",
        events: Sequence[str] | None = None,
        include_children: bool = False,
        secret: str | None = None,
        description: str = "",
    ) -> Data:
        """Register a webhook; the answer holds the signing ``secret``, shown only once."""
        body: Data = {
            "url": url,
            "format": format,
            "events": list(events) if events is not None else None,
            "include_children": include_children,
            "secret": secret,
            "description": description,
        }
        return self._send(gc.create_webhook(name, body))

    def list_webhooks(self) -> list[Data]:
        return self._send(gc.list_webhooks())

    def read_webhook(self, name: str) -> Data:
        return self._send(gc.webhook_call("GET", name))

    def delete_webhook(self, name: str) -> None:
        self._send(gc.webhook_call("DELETE", name))

    def list_deliveries(
        self,
        *,
        webhook: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[Data]:
        """The webhook delivery log, newest first."""
        return self._send(gc.list_deliveries(webhook, status, kind, limit))

    def redeliver(self, delivery_id: str) -> Data:
        """Queue a delivery again."""
        return self._send(gc.redeliver(delivery_id))

    # -- elevation profiles and elevations --------------------------------------------------
    def put_elevation_profile(
        self,
        name: str,
        *,
        policies: Sequence[str],
        max_ttl: int | str,
        approval_required: bool = True,
        approvers_required: int = 1,
        description: str = "",
    ) -> Data:
        """Create or replace an elevation profile (operators)."""
        body: Data = {
            "policies": policies,
            "max_ttl": max_ttl,
            "approval_required": approval_required,
            "approvers_required": approvers_required,
            "description": description,
        }
        return self._send(gc.put_profile(name, body))

    def read_elevation_profile(self, name: str) -> Data:
        return self._send(gc.profile_call("GET", name))

    def list_elevation_profiles(self) -> list[Data]:
        return self._send(gc.list_profiles())

    def delete_elevation_profile(self, name: str) -> None:
        self._send(gc.profile_call("DELETE", name))

    def request_elevation(self, profile: str, *, justification: str, duration: int | str) -> Data:
        """Ask for a profile's extra policies for ``duration`` (agents). The answer's ``id``
        and ``status`` (``pending``, or ``approved`` when no approval is needed)."""
        return self._send(gc.request_elevation(profile, justification, duration))

    def list_elevations(self, *, status: str | None = None) -> list[Data]:
        return self._send(gc.list_elevations(status))

    def read_elevation(self, elevation_id: str) -> Data:
        return self._send(gc.read_elevation(elevation_id))

    def approve_elevation(self, elevation_id: str, *, reason: str = "") -> Data:
        return self._send(gc.decide("elevation", elevation_id, "approve", reason))

    def deny_elevation(self, elevation_id: str, *, reason: str) -> Data:
        return self._send(gc.decide("elevation", elevation_id, "deny", reason))

    def activate_elevation(self, elevation_id: str) -> IssuedToken:
        """The elevated token of an approved elevation: a child of this client's token that
        carries the extra policies, ends by itself and is revoked with its parent."""
        return self._send(gc.activate_elevation(elevation_id))

    def revoke_elevation(self, elevation_id: str, *, reason: str = "") -> Data:
        """End an elevation now and revoke its token."""
        return self._send(gc.decide("elevation", elevation_id, "revoke", reason))

    # -- grant proposals --------------------------------------------------------------------
    def propose_grant(self, path: str, capabilities: Sequence[str], *, justification: str) -> Data:
        """Ask an operator for ``capabilities`` on ``path`` (agents); nothing is granted until
        an operator accepts."""
        return self._send(gc.propose_grant(path, capabilities, justification))

    def list_proposals(self, *, status: str | None = None) -> list[Data]:
        return self._send(gc.list_proposals(status))

    def read_proposal(self, proposal_id: str) -> Data:
        return self._send(gc.read_proposal(proposal_id))

    def accept_proposal(
        self, proposal_id: str, *, policy: str | None = None, reason: str = ""
    ) -> Data:
        """Accept (operators): the grant is appended to ``policy`` (default
        ``proposal-<agent name>``), which is attached to the agent."""
        return self._send(gc.accept_proposal(proposal_id, policy, reason))

    def reject_proposal(self, proposal_id: str, *, reason: str) -> Data:
        return self._send(gc.decide("proposal", proposal_id, "reject", reason))


class AsyncGovernanceMethods:
    """Human control, for :class:`credgate.sdk.AsyncClient` (awaited)."""

    _config: ClientConfig

    async def _send(self, call: Call[T]) -> T:  # pragma: no cover - the client provides it
        raise NotImplementedError

    # -- approvals and sessions -------------------------------------------------------------
    async def list_approvals(
        self, *, status: str | None = None, kind: str | None = None
    ) -> list[Data]:
        """Approval requests and suggestions, newest first (an agent sees only its own)."""
        return await self._send(gc.list_approvals(status, kind))

    async def read_approval(self, approval_id: str, *, wait: float | None = None) -> Data:
        """One approval; with ``wait`` (seconds, at most 60) the server holds the answer until
        it is decided or the wait ends, so an agent can wait without polling."""
        return await self._send(gc.read_approval(approval_id, wait))

    async def approve(self, approval_id: str, *, reason: str = "") -> Data:
        """Approve a request (operators only, never the requester)."""
        return await self._send(gc.decide("approval", approval_id, "approve", reason))

    async def deny(self, approval_id: str, *, reason: str) -> Data:
        """Deny a request; the reason is required and the agent sees it."""
        return await self._send(gc.decide("approval", approval_id, "deny", reason))

    async def taint_session(
        self, session_id: str | None = None, *, reason: str, source: str = "api"
    ) -> Data:
        """Mark a session (default: this client's) tainted: its autonomy drops one level."""
        return await self._send(
            gc.taint_session(session_id or self._config.session_id, reason, source)
        )

    async def read_session(self, session_id: str | None = None) -> Data:
        """Whether a session (default: this client's) is tainted, and why."""
        return await self._send(gc.read_session(session_id or self._config.session_id))

    # -- risk configuration -----------------------------------------------------------------
    async def read_risk_config(self) -> Data:
        """The namespace's stored risk configuration and the effective table."""
        return await self._send(gc.read_risk_config())

    async def write_risk_config(self, config: str) -> Data:
        """Replace the namespace's risk configuration (HCL or JSON); refused whole if bad."""
        return await self._send(gc.write_risk_config(config))

    # -- webhooks ---------------------------------------------------------------------------
    async def create_webhook(
        self,
        name: str,
        url: str,
        *,
        format: str = "json",
        events: Sequence[str] | None = None,
        include_children: bool = False,
        secret: str | None = None,
        description: str = "",
    ) -> Data:
        """Register a webhook; the answer holds the signing ``secret``, shown only once."""
        body: Data = {
            "url": url,
            "format": format,
            "events": list(events) if events is not None else None,
            "include_children": include_children,
            "secret": secret,
            "description": description,
        }
        return await self._send(gc.create_webhook(name, body))

    async def list_webhooks(self) -> list[Data]:
        return await self._send(gc.list_webhooks())

    async def read_webhook(self, name: str) -> Data:
        return await self._send(gc.webhook_call("GET", name))

    async def delete_webhook(self, name: str) -> None:
        await self._send(gc.webhook_call("DELETE", name))

    async def list_deliveries(
        self,
        *,
        webhook: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[Data]:
        """The webhook delivery log, newest first."""
        return await self._send(gc.list_deliveries(webhook, status, kind, limit))

    async def redeliver(self, delivery_id: str) -> Data:
        """Queue a delivery again."""
        return await self._send(gc.redeliver(delivery_id))

    # -- elevation profiles and elevations --------------------------------------------------
    async def put_elevation_profile(
        self,
        name: str,
        *,
        policies: Sequence[str],
        max_ttl: int | str,
        approval_required: bool = True,
        approvers_required: int = 1,
        description: str = "",
    ) -> Data:
        """Create or replace an elevation profile (operators)."""
        body: Data = {
            "policies": policies,
            "max_ttl": max_ttl,
            "approval_required": approval_required,
            "approvers_required": approvers_required,
            "description": description,
        }
        return await self._send(gc.put_profile(name, body))

    async def read_elevation_profile(self, name: str) -> Data:
        return await self._send(gc.profile_call("GET", name))

    async def list_elevation_profiles(self) -> list[Data]:
        return await self._send(gc.list_profiles())

    async def delete_elevation_profile(self, name: str) -> None:
        await self._send(gc.profile_call("DELETE", name))

    async def request_elevation(
        self, profile: str, *, justification: str, duration: int | str
    ) -> Data:
        """Ask for a profile's extra policies for ``duration`` (agents). The answer's ``id``
        and ``status`` (``pending``, or ``approved`` when no approval is needed)."""
        return await self._send(gc.request_elevation(profile, justification, duration))

    async def list_elevations(self, *, status: str | None = None) -> list[Data]:
        return await self._send(gc.list_elevations(status))

    async def read_elevation(self, elevation_id: str) -> Data:
        return await self._send(gc.read_elevation(elevation_id))

    async def approve_elevation(self, elevation_id: str, *, reason: str = "") -> Data:
        return await self._send(gc.decide("elevation", elevation_id, "approve", reason))

    async def deny_elevation(self, elevation_id: str, *, reason: str) -> Data:
        return await self._send(gc.decide("elevation", elevation_id, "deny", reason))

    async def activate_elevation(self, elevation_id: str) -> IssuedToken:
        """The elevated token of an approved elevation: a child of this client's token that
        carries the extra policies, ends by itself and is revoked with its parent."""
        return await self._send(gc.activate_elevation(elevation_id))

    async def revoke_elevation(self, elevation_id: str, *, reason: str = "") -> Data:
        """End an elevation now and revoke its token."""
        return await self._send(gc.decide("elevation", elevation_id, "revoke", reason))

    # -- grant proposals --------------------------------------------------------------------
    async def propose_grant(
        self, path: str, capabilities: Sequence[str], *, justification: str
    ) -> Data:
        """Ask an operator for ``capabilities`` on ``path`` (agents); nothing is granted until
        an operator accepts."""
        return await self._send(gc.propose_grant(path, capabilities, justification))

    async def list_proposals(self, *, status: str | None = None) -> list[Data]:
        return await self._send(gc.list_proposals(status))

    async def read_proposal(self, proposal_id: str) -> Data:
        return await self._send(gc.read_proposal(proposal_id))

    async def accept_proposal(
        self, proposal_id: str, *, policy: str | None = None, reason: str = ""
    ) -> Data:
        """Accept (operators): the grant is appended to ``policy`` (default
        ``proposal-<agent name>``), which is attached to the agent."""
        return await self._send(gc.accept_proposal(proposal_id, policy, reason))

    async def reject_proposal(self, proposal_id: str, *, reason: str) -> Data:
        return await self._send(gc.decide("proposal", proposal_id, "reject", reason))
