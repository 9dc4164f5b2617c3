"""Use cases for time-bound elevation: profiles (operators), requests and their lifecycle.

An agent asks for a profile's extra policies with a justification and a duration; operators
approve or deny (never the requester; the profile says how many distinct operators); the
agent then *activates* it and receives a **child of the token it activates with**, carrying
its own policies plus the profile's, living ``min(duration, the parent's remaining life)``.
So the elevated token ends by itself and is revoked with its parent (the token store revokes
token trees). Revoking the elevation revokes that token.

Every call runs through the one pipeline (:meth:`Broker.run`), so each is authorised by path
and audited. The ACL paths are ``sys/elevation-profiles/<name>``, ``sys/elevations`` (request),
``sys/elevations/`` (list), ``sys/elevations/<id>`` and ``sys/elevations/<id>/<verb>``.

Nothing has to happen for an elevation to end; :meth:`ElevationService.expire_due` writes
down the ends that happened (ran out, or token revoked) and sends ``elevation.expired``. Each
elevation use case calls it first; a server may also call it on a timer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from credgate.adapters.notify.dispatcher import Dispatcher
from credgate.adapters.storage.governance_store import GovernanceStore
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.elevations import (
    ELEVATION_ID_PREFIX,
    Elevation,
    ElevationProfile,
    ElevationRequest,
    ElevationStatus,
    activate_elevation,
    approve_elevation,
    child_token_ttl,
    deny_elevation,
    elevated_policies,
    expire_elevation,
    request_elevation,
    revoke_elevation,
)
from credgate.domain.sign_off import new_id
from credgate.domain.tokens import end_of_life, parse_duration
from credgate.errors import Conflict, Denied, InvalidRequest, NotFound
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.builtin_policies import DEFAULT_POLICY, ROOT_POLICY
from credgate.service.identity import IdentityService, check_name

log = logging.getLogger("credgate.elevations")

_STATUSES = {st.value for st in ElevationStatus}
DEFAULT_APPROVAL_WINDOW = 900.0


def _profile_name(name: str) -> str:
    clean = name.strip().lower()
    # The profile's own validation names the rule; build a throw-away one to get it.
    ElevationProfile(clean, ("x",), 1.0)
    return clean


def granted_beyond_default(caller: Caller) -> bool:
    """True when the caller's authority for this request comes from more than ``default``.

    The built-in ``default`` policy lets every token follow and give back *its own* records;
    acting on someone else's needs a policy an operator was given on purpose.
    """
    if caller.is_root:
        return True
    return caller.grant is not None and any(p != DEFAULT_POLICY for p in caller.grant.policies)


class ElevationService:
    def __init__(
        self,
        broker: Broker,
        governance: GovernanceStore,
        identity: IdentityService,
        dispatcher: Dispatcher,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.broker = broker
        self.governance = governance
        self.identity = identity
        self.dispatcher = dispatcher
        self.randbytes = randbytes

    @property
    def now(self) -> float:
        return self.broker.clock.now()

    # -- profiles (operators) ---------------------------------------------------------------
    def put_profile(self, ctx: RequestContext, name: str, body: s.ElevationProfileWrite) -> Outcome:
        clean = _profile_name(name)
        policies = [check_name(p, "policy") for p in body.policies]
        if ROOT_POLICY in policies:
            raise InvalidRequest("an elevation can never grant the root policy")
        profile = ElevationProfile(
            name=clean,
            policies=tuple(policies),
            max_ttl=parse_duration(body.max_ttl, field="max_ttl"),
            approval_required=body.approval_required,
            approvers_required=body.approvers_required,
            description=body.description,
        )

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            self.governance.put_profile(tx, caller.namespace, profile, self.now)
            return Outcome({"data": profile.to_dict()})

        action = Action(
            "elevation_profile.write",
            "update",
            f"sys/elevation-profiles/{clean}",
            params={"policies": policies, "max_ttl": profile.max_ttl},
        )
        return self.broker.run(ctx, action, handler)

    def _profile(self, tx: SqlTx, namespace: str, name: str) -> ElevationProfile:
        profile = self.governance.profile(tx, namespace, name)
        if profile is None:
            raise NotFound(
                f"no elevation profile {name!r} in this namespace",
                hint="list them with credgate elevation-profile list",
            )
        return profile

    def read_profile(self, ctx: RequestContext, name: str) -> Outcome:
        clean = _profile_name(name)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome({"data": self._profile(tx, caller.namespace, clean).to_dict()})

        return self.broker.run(
            ctx,
            Action("elevation_profile.read", "read", f"sys/elevation-profiles/{clean}"),
            handler,
        )

    def list_profiles(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            profiles = self.governance.profiles(tx, caller.namespace)
            return Outcome(
                {
                    "data": {
                        "keys": [p.name for p in profiles],
                        "profiles": [p.to_dict() for p in profiles],
                    }
                }
            )

        return self.broker.run(
            ctx, Action("elevation_profile.list", "list", "sys/elevation-profiles/"), handler
        )

    def delete_profile(self, ctx: RequestContext, name: str) -> Outcome:
        clean = _profile_name(name)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if not self.governance.delete_profile(tx, caller.namespace, clean):
                raise NotFound(f"no elevation profile {clean!r} in this namespace")
            return Outcome(None, status=204)

        return self.broker.run(
            ctx,
            Action("elevation_profile.delete", "delete", f"sys/elevation-profiles/{clean}"),
            handler,
        )

    # -- elevations -------------------------------------------------------------------------
    def _visible(self, tx: SqlTx, caller: Caller, elevation_id: str) -> Elevation:
        found = self.governance.elevation(tx, elevation_id)
        if (
            found is None
            or found.namespace != caller.namespace
            or (caller.kind == "agent" and found.agent_id != caller.principal_id)
        ):
            raise NotFound(f"no elevation {elevation_id!r} in this namespace")
        return found

    def _view(self, elevation: Elevation) -> dict[str, Any]:
        return elevation.to_dict(self.now)

    def _notify(self, tx: SqlTx, kind: str, e: Elevation, **extra: object) -> None:
        subject: dict[str, object] = {
            "elevation_id": e.id,
            "agent_id": e.agent_id,
            "profile": e.profile,
            "policies": list(e.policies),
            "ttl": e.duration,
            "justification": e.justification[:500],
            **extra,
        }
        note = self.dispatcher.new_notification(kind, e.namespace, subject)
        self.dispatcher.enqueue(note, conn=tx.conn)

    def request(self, ctx: RequestContext, body: s.ElevationCreate) -> Outcome:
        duration = parse_duration(body.duration, field="duration")
        profile_name = _profile_name(body.profile)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if caller.kind != "agent" or not caller.principal_id:
                raise Denied(
                    "only an agent requests an elevation",
                    hint="operators are given policies directly",
                )
            profile = self._profile(tx, caller.namespace, profile_name)
            request = ElevationRequest(caller.principal_id, profile, body.justification, duration)
            window = DEFAULT_APPROVAL_WINDOW
            if self.broker.risk_gate is not None:
                window = self.broker.risk_gate.config(tx, caller.namespace).approvals.ttl
            elevation = request_elevation(
                request,
                elevation_id=new_id(ELEVATION_ID_PREFIX, self.randbytes),
                namespace=caller.namespace,
                now=self.now,
                approval_ttl=window,
            )
            self.governance.insert_elevation(tx, elevation)
            self._notify(
                tx,
                "elevation.requested",
                elevation,
                approvals_required=elevation.required_approvals,
                expires_at=elevation.request_expires_at,
            )
            if elevation.status is ElevationStatus.APPROVED:
                self._notify(tx, "elevation.granted", elevation, reason="no approval required")
            return Outcome(
                {"data": self._view(elevation)},
                result_params={"elevation_id": elevation.id, "status": elevation.status.value},
            )

        action = Action(
            "elevation.request",
            "update",
            "sys/elevations",
            params={
                "profile": profile_name,
                "duration": duration,
                "justification": body.justification[:200],
            },
        )
        return self._run(ctx, action, handler)

    def list_elevations(self, ctx: RequestContext, query: Mapping[str, str]) -> Outcome:
        status = query.get("status")
        if status is not None and status not in _STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(sorted(_STATUSES))}")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            mine = caller.principal_id if caller.kind == "agent" else None
            rows = self.governance.elevations(tx, caller.namespace, agent_id=mine)
            views = [self._view(e) for e in rows]
            if status is not None:
                views = [v for v in views if v["status"] == status]
            return Outcome({"data": {"keys": [v["id"] for v in views], "elevations": views}})

        return self._run(ctx, Action("elevation.list", "list", "sys/elevations/"), handler)

    def read(self, ctx: RequestContext, elevation_id: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome({"data": self._view(self._visible(tx, caller, elevation_id))})

        return self._run(
            ctx, Action("elevation.read", "read", f"sys/elevations/{elevation_id}"), handler
        )

    def decide(
        self, ctx: RequestContext, elevation_id: str, body: s.Reason, *, grant: bool
    ) -> Outcome:
        verb = "approve" if grant else "deny"

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            elevation = self._visible(tx, caller, elevation_id)
            who, now = caller.principal_id or "", self.now
            if grant:
                decided = approve_elevation(elevation, who, caller.kind, now, body.reason)
            else:
                decided = deny_elevation(elevation, who, caller.kind, now, body.reason)
            self.governance.update_elevation(tx, elevation.status.value, decided)
            if decided.status is ElevationStatus.APPROVED:
                self._notify(
                    tx,
                    "elevation.granted",
                    decided,
                    decided_by=who,
                    reason=body.reason[:200],
                    approvals_granted=len(decided.approvers),
                )
            return Outcome(
                {"data": self._view(decided)},
                result_params={"elevation_id": decided.id, "status": decided.status.value},
            )

        action = Action(
            f"elevation.{verb}",
            "update",
            f"sys/elevations/{elevation_id}/{verb}",
            params={"reason": body.reason[:200]},
        )
        return self._run(ctx, action, handler)

    def activate(
        self, ctx: RequestContext, elevation_id: str, body: s.ElevationActivate
    ) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if caller.kind != "agent" or caller.principal is None:
                raise Denied(
                    "only the agent that requested an elevation activates it",
                    hint="activate with a token of the requesting agent",
                )
            elevation = self._visible(tx, caller, elevation_id)
            now = self.now
            parent = caller.token
            if parent.num_uses > 0:
                # As in OpenBao: a use-limited token cannot have children, else one use
                # would buy a token without limit.
                raise Denied(
                    "a token with a use limit cannot activate an elevation",
                    hint="activate with a token of the agent that has no num_uses limit",
                )
            end = end_of_life(parent)
            remaining = None if end is None else end - now
            ttl = child_token_ttl(elevation.duration, remaining)
            # If activation is refused below (not approved, another agent's), the transaction
            # rolls back and the token issued here never existed.
            issued = self.identity.issue(
                tx,
                principal=caller.principal,
                kind="agent",
                namespace=parent.namespace,
                policies=list(elevated_policies(parent.policies, elevation)),
                ttl=ttl,
                max_ttl=ttl,
                parent=parent,
                display_name=f"elevation {elevation.id}",
                meta={"elevation_id": elevation.id, "profile": elevation.profile},
            )
            active = activate_elevation(
                elevation, caller.principal.id, issued.entry.accessor, remaining, now
            )
            self.governance.update_elevation(tx, elevation.status.value, active)
            return Outcome(
                {"data": self._view(active), **issued.auth_body()},
                result_params={"elevation_id": active.id, "accessor": issued.entry.accessor},
            )

        action = Action("elevation.activate", "update", f"sys/elevations/{elevation_id}/activate")
        return self._run(ctx, action, handler)

    def revoke(self, ctx: RequestContext, elevation_id: str, body: s.Reason) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            elevation = self._visible(tx, caller, elevation_id)
            if caller.kind != "agent" and not granted_beyond_default(caller):
                raise Denied(
                    "revoking another principal's elevation needs a policy granting update on "
                    f"sys/elevations/{elevation_id}/revoke",
                    hint="the built-in default policy only lets an agent give back its own",
                )
            now = self.now
            who = caller.principal_id or caller.token.accessor
            ended = revoke_elevation(elevation, who, now, body.reason)
            revoked: list[str] = []
            if elevation.token_accessor:
                revoked = tx.revoke_token_tree(elevation.token_accessor, now)
            self.governance.update_elevation(tx, elevation.status.value, ended)
            return Outcome(
                {"data": self._view(ended)},
                result_params={"elevation_id": ended.id, "tokens_revoked": len(revoked)},
            )

        action = Action(
            "elevation.revoke",
            "update",
            f"sys/elevations/{elevation_id}/revoke",
            params={"reason": body.reason[:200]},
        )
        return self._run(ctx, action, handler)

    # -- housekeeping -----------------------------------------------------------------------
    def _run(
        self, ctx: RequestContext, action: Action, handler: Callable[[SqlTx, Caller], Outcome]
    ) -> Outcome:
        self.expire_due()
        outcome = self.broker.run(ctx, action, handler)
        self.dispatcher.wake()
        return outcome

    def expire_due(self) -> int:
        """Write down every elevation that ended by itself; return how many.

        An active elevation whose token ran out becomes ``expired`` (and ``elevation.expired``
        is sent), one whose token was revoked (with its parent, say) becomes ``revoked`` by
        ``system``; a pending or approved one past its window becomes ``expired``. Safe to call
        from several instances at once: each change is a compare-and-set.
        """
        now = self.now
        with self.broker.store.transaction() as tx:
            due = [e for e in self.governance.live_elevations(tx) if self._ended(tx, e, now)]
        if not due:
            return 0
        done = 0
        with self.broker.store.transaction(write=True) as tx:
            for elevation in due:
                current = self.governance.elevation(tx, elevation.id)
                if current is None or current.status is not elevation.status:
                    continue  # someone else recorded it first
                if current.status_at(now) is ElevationStatus.EXPIRED:
                    ended = expire_elevation(current, now)
                else:
                    ended = revoke_elevation(
                        current, "system", now, "the elevated token was revoked"
                    )
                try:
                    self.governance.update_elevation(tx, current.status.value, ended)
                except Conflict:
                    continue  # changed between the read and the write: nothing was written
                if ended.status is ElevationStatus.EXPIRED and current.activated_at is not None:
                    self._notify(tx, "elevation.expired", ended, expires_at=ended.expires_at)
                done += 1
        self.dispatcher.wake()
        return done

    @staticmethod
    def _ended(tx: SqlTx, e: Elevation, now: float) -> bool:
        if e.status_at(now) is ElevationStatus.EXPIRED:
            return True
        if e.status is ElevationStatus.ACTIVE and e.token_accessor:
            token = tx.get_token(e.token_accessor)
            return token is None or token.revoked_at is not None
        return False
