"""Use cases for namespaces, principals (operators and agents) and tokens.

Every method builds an :class:`Action` (what a policy sees: operation and path) and a handler,
and runs them through the one pipeline, :meth:`Broker.run`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from credgate.adapters.storage.records import MountRecord, NamespaceRecord, PrincipalRecord
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.namespaces import parse_namespace
from credgate.domain.token_entries import PrincipalKind
from credgate.domain.tokens import (
    TokenEntry,
    end_of_life,
    generate_accessor,
    generate_token,
    hash_token,
    new_token_entry,
    parse_duration,
    renew,
)
from credgate.errors import Conflict, Denied, InvalidRequest, NotFound
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.builtin_policies import DEFAULT_POLICY, ROOT_POLICY

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def check_name(name: str, what: str) -> str:
    clean = name.strip().lower()
    if not clean or len(clean) > 128 or not set(clean) <= _NAME_CHARS or clean[0] in "-_.":
        raise InvalidRequest(
            f"invalid {what} name {name!r}",
            hint="use 1-128 characters: lower-case letters, digits, '-', '_' and '.'",
        )
    return clean


@dataclass(frozen=True)
class IssuedToken:
    token: str
    entry: TokenEntry

    def __repr__(self) -> str:
        return f"IssuedToken(accessor={self.entry.accessor!r})"

    def auth_body(self) -> dict[str, Any]:
        e = self.entry
        return {
            "auth": {
                "client_token": self.token,
                "accessor": e.accessor,
                "policies": list(e.policies),
                "namespace": e.namespace,
                "principal_id": e.principal_id,
                "principal_kind": e.principal_kind,
                "expires_at": e.expires_at,
                "lease_duration": int(e.expires_at - e.created_at) if e.expires_at else 0,
                "renewable": bool(e.ttl),
                "num_uses": e.num_uses,
            }
        }


def token_info(e: TokenEntry, now: float) -> dict[str, Any]:
    return {
        "accessor": e.accessor,
        "principal_id": e.principal_id,
        "principal_kind": e.principal_kind,
        "namespace": e.namespace,
        "policies": list(e.policies),
        "display_name": e.display_name,
        "parent_accessor": e.parent_accessor,
        "created_at": e.created_at,
        "expires_at": e.expires_at,
        "max_expires_at": e.max_expires_at,
        "ttl": max(0, int((e.expires_at or now) - now)) if e.expires_at else 0,
        "num_uses": e.num_uses,
        "uses_left": e.uses_left,
        "revoked": e.revoked_at is not None,
        "meta": dict(e.meta),
    }


def principal_info(p: PrincipalRecord) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind,
        "name": p.name,
        "namespace": p.namespace,
        "owner": p.owner,
        "description": p.description,
        "status": p.status,
        "policies": list(p.policies),
        "max_autonomy": p.max_autonomy,
        "created_at": p.created_at,
        "created_by": p.created_by,
        "updated_at": p.updated_at,
    }


def _child_uses(creator: TokenEntry, requested: int) -> int:
    """Uses for a token created by ``creator``: never more than the creator has left.

    The pipeline spent one of the creator's uses on this very request before the handler
    ran, so ``creator.uses_left - 1`` remain. An unlimited creator gives what was asked.
    """
    if creator.num_uses == 0:
        return requested
    remaining = creator.uses_left - 1
    if remaining < 1:
        raise Denied(
            "this token has no uses left to give a new token",
            hint="create tokens with a token that has uses left (or no num_uses limit)",
        )
    if requested == 0 or requested > remaining:
        raise InvalidRequest(
            f"num_uses must be from 1 to {remaining}: the creating token has "
            f"{remaining} use(s) left",
            hint="a token never gets more uses than the token that creates it has left",
        )
    return requested


def _capped_max_ttl(creator: TokenEntry, max_ttl: float | None, now: float) -> float | None:
    """A hard limit no later than the creator's own end of life (children get this anyway)."""
    end = end_of_life(creator)
    if end is None:
        return max_ttl
    left = max(1.0, end - now)
    return left if max_ttl is None else min(max_ttl, left)


class IdentityService:
    def __init__(
        self,
        broker: Broker,
        *,
        default_ttl: float,
        max_ttl: float,
        randbytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.broker = broker
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl
        self.randbytes = randbytes

    @property
    def now(self) -> float:
        return self.broker.clock.now()

    # -- tokens (also used by init) ---------------------------------------------------------
    def issue(
        self,
        tx: SqlTx,
        *,
        principal: PrincipalRecord | None,
        kind: PrincipalKind,
        namespace: str,
        policies: list[str],
        ttl: float | None,
        max_ttl: float | None = None,
        num_uses: int = 0,
        parent: TokenEntry | None = None,
        display_name: str = "",
        meta: dict[str, str] | None = None,
    ) -> IssuedToken:
        token = generate_token(self.randbytes)
        if ttl is not None and max_ttl is None:
            max_ttl = self.max_ttl
        entry = new_token_entry(
            accessor=generate_accessor(self.randbytes),
            token_hash=hash_token(self.broker.token_key, token),
            principal_id=principal.id if principal else None,
            principal_kind=kind,
            namespace=namespace,
            policies=tuple(policies),
            now=self.now,
            ttl=ttl,
            max_ttl=max_ttl,
            num_uses=num_uses,
            parent=parent,
            display_name=display_name,
            meta=dict(meta or {}),
        )
        tx.insert_token(entry)
        return IssuedToken(token, entry)

    def create_token(self, ctx: RequestContext, body: s.TokenCreate) -> Outcome:
        if body.agent and body.operator:
            raise InvalidRequest("give either agent or operator, not both")
        ttl = parse_duration(body.ttl, field="ttl") if body.ttl is not None else self.default_ttl
        max_ttl = (
            parse_duration(body.max_ttl, field="max_ttl") if body.max_ttl is not None else None
        )
        if ttl <= 0:
            raise InvalidRequest("ttl must be positive", hint='for example ttl="1h"')
        if ttl > self.max_ttl or (max_ttl is not None and max_ttl > self.max_ttl):
            raise InvalidRequest(
                f"ttl exceeds the server maximum of {int(self.max_ttl)} seconds",
                hint="ask for a shorter ttl; the limit is the setting max_token_ttl",
            )
        target_kind = "agent" if body.agent else "operator" if body.operator else None
        name = check_name(body.agent or body.operator or "x", target_kind or "principal")
        path = f"auth/token/create/{target_kind}/{name}" if target_kind else "auth/token/create"

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            parent: TokenEntry | None = caller.token
            if target_kind and caller.kind == "agent":
                raise Denied(
                    "an agent cannot create tokens for a principal",
                    hint="an agent creates child tokens of its own token: auth/token/create, "
                    "with a subset of its token's policies",
                )
            if target_kind:
                principal = tx.get_principal_by_name(caller.namespace, target_kind, name)
                if principal is None:
                    raise NotFound(f"no {target_kind} named {name!r} in this namespace")
                if principal.status != "active":
                    raise Conflict(f"{target_kind} {name!r} is {principal.status}")
                allowed = list(principal.policies)
                parent = None  # tokens issued for a principal stand on their own
                namespace = caller.namespace
            else:
                principal = caller.principal
                allowed = list(caller.token.policies)
                namespace = caller.token.namespace
            wanted = (
                list(body.policies)
                if body.policies is not None
                else [p for p in allowed if p != ROOT_POLICY or not target_kind]
            )
            wanted = [check_name(p, "policy") if p != ROOT_POLICY else p for p in wanted]
            if not (caller.is_root and not target_kind) and not set(wanted) <= set(allowed):
                extra = sorted(set(wanted) - set(allowed))
                raise Denied(
                    f"policies not held by the {'principal' if target_kind else 'parent token'}: "
                    + ", ".join(extra),
                    hint="a token can only carry policies attached to its principal",
                )
            if ROOT_POLICY in wanted and not caller.is_root:
                raise Denied("only a root token can create a root token")
            if (
                not body.no_default_policy
                and DEFAULT_POLICY not in wanted
                and ROOT_POLICY not in wanted
            ):
                wanted.append(DEFAULT_POLICY)
            # Minting for another operator is never a way up: the new token's policies must
            # be the caller's own (same namespace, so the names mean the same policies).
            own_limits = target_kind != "agent" and not caller.is_root
            if target_kind == "operator" and not caller.is_root:
                beyond = sorted(set(wanted) - set(caller.token.policies))
                if caller.namespace != caller.token.namespace or beyond:
                    raise Denied(
                        "an operator token can only be minted with policies the caller holds"
                        + (f" (not held: {', '.join(beyond)})" if beyond else ""),
                        hint="ask an operator who holds them, or a root token; to mint in a "
                        "child namespace, use a token of that namespace",
                    )
            uses = body.num_uses
            child_max_ttl = max_ttl
            if own_limits:
                uses = _child_uses(caller.token, uses)
                child_max_ttl = _capped_max_ttl(caller.token, max_ttl, self.now)
            issued = self.issue(
                tx,
                principal=principal,
                kind=cast(PrincipalKind, target_kind or caller.kind),
                namespace=namespace,
                policies=wanted,
                ttl=ttl,
                max_ttl=child_max_ttl,
                num_uses=uses,
                parent=parent,
                display_name=body.display_name or (name if target_kind else ""),
                meta={**body.meta, "created_by": caller.token.accessor},
            )
            return Outcome(
                issued.auth_body(),
                result_params={
                    "accessor": issued.entry.accessor,
                    "principal_id": issued.entry.principal_id,
                    "principal_kind": issued.entry.principal_kind,
                    "policies": list(issued.entry.policies),
                    "parent_accessor": issued.entry.parent_accessor,
                },
            )

        action = Action(
            "token.create", "update", path, params={"ttl": ttl, "num_uses": body.num_uses}
        )
        return self.broker.run(ctx, action, handler)

    def lookup_self(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            # Taint follows the token's lineage (its children and elevations share it).
            gate = self.broker.risk_gate
            tainted = gate is not None and gate.governance.token_taint(tx, caller.token).tainted
            return Outcome({"data": {**token_info(caller.token, self.now), "tainted": tainted}})

        return self.broker.run(
            ctx, Action("token.lookup_self", "read", "auth/token/lookup-self"), handler
        )

    def renew_self(self, ctx: RequestContext, body: s.TokenRenew) -> Outcome:
        increment = (
            parse_duration(body.increment, field="increment")
            if body.increment is not None
            else None
        )

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            renewed = renew(caller.token, self.now, increment)
            tx.set_token_expiry(renewed.accessor, renewed.expires_at)
            return Outcome({"data": token_info(renewed, self.now)})

        return self.broker.run(
            ctx, Action("token.renew_self", "update", "auth/token/renew-self"), handler
        )

    def revoke_self(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            revoked = tx.revoke_token_tree(caller.token.accessor, self.now)
            return Outcome(None, status=204, result_params={"revoked": len(revoked)})

        return self.broker.run(
            ctx, Action("token.revoke_self", "update", "auth/token/revoke-self"), handler
        )

    def _by_accessor(self, tx: SqlTx, caller: Caller, accessor: str) -> TokenEntry:
        entry = tx.get_token(accessor)
        if entry is None or not entry.namespace.startswith(caller.namespace):
            raise NotFound("no token with that accessor in this namespace")
        return entry

    def lookup_accessor(self, ctx: RequestContext, body: s.AccessorBody) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome(
                {"data": token_info(self._by_accessor(tx, caller, body.accessor), self.now)}
            )

        action = Action(
            "token.lookup_accessor",
            "update",
            "auth/token/lookup-accessor",
            params={"accessor": body.accessor},
        )
        return self.broker.run(ctx, action, handler)

    def revoke_accessor(self, ctx: RequestContext, body: s.AccessorBody) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            entry = self._by_accessor(tx, caller, body.accessor)
            revoked = tx.revoke_token_tree(entry.accessor, self.now)
            return Outcome(None, status=204, result_params={"revoked": len(revoked)})

        action = Action(
            "token.revoke_accessor",
            "update",
            "auth/token/revoke-accessor",
            params={"accessor": body.accessor},
        )
        return self.broker.run(ctx, action, handler)

    # -- namespaces -------------------------------------------------------------------------
    def create_namespace(self, ctx: RequestContext, name: str, body: s.NamespaceCreate) -> Outcome:
        relative = parse_namespace(name)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            full = caller.namespace + relative
            parent = full[: full.rstrip("/").rfind("/") + 1]
            if parent and tx.get_namespace(parent) is None:
                raise NotFound(
                    f"parent namespace {parent!r} does not exist", hint="create it first"
                )
            tx.create_namespace(
                NamespaceRecord(full, body.description, self.now, caller.principal_id)
            )
            if body.mount_kv:
                tx.create_mount(
                    MountRecord(
                        full, "secret/", "kv", {"version": "2"}, "key/value secrets", self.now
                    )
                )
            return Outcome({"data": {"path": full, "description": body.description}})

        action = Action("namespace.create", "update", f"sys/namespaces/{relative.rstrip('/')}")
        return self.broker.run(ctx, action, handler)

    def read_namespace(self, ctx: RequestContext, name: str) -> Outcome:
        relative = parse_namespace(name)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            rec = tx.get_namespace(caller.namespace + relative)
            if rec is None:
                raise NotFound(f"no namespace {relative!r}")
            return Outcome(
                {
                    "data": {
                        "path": rec.path,
                        "description": rec.description,
                        "created_at": rec.created_at,
                    }
                }
            )

        return self.broker.run(
            ctx, Action("namespace.read", "read", f"sys/namespaces/{relative.rstrip('/')}"), handler
        )

    def list_namespaces(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            keys = [r.path[len(caller.namespace) :] for r in tx.list_namespaces(caller.namespace)]
            return Outcome({"data": {"keys": keys}})

        return self.broker.run(ctx, Action("namespace.list", "list", "sys/namespaces/"), handler)

    def delete_namespace(self, ctx: RequestContext, name: str) -> Outcome:
        relative = parse_namespace(name)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            full = caller.namespace + relative
            if tx.get_namespace(full) is None:
                raise NotFound(f"no namespace {relative!r}")
            for mount in tx.list_mounts(full):
                tx.delete_mount(full, mount.path)
            if tx.namespace_in_use(full):
                raise Conflict(
                    f"namespace {relative!r} is not empty",
                    hint="delete its child namespaces, agents and policies first",
                )
            tx.delete_namespace(full)
            return Outcome(None, status=204)

        return self.broker.run(
            ctx,
            Action("namespace.delete", "delete", f"sys/namespaces/{relative.rstrip('/')}"),
            handler,
        )

    # -- principals -------------------------------------------------------------------------
    def create_principal(
        self, ctx: RequestContext, kind: str, name: str, body: s.AgentCreate | s.OperatorCreate
    ) -> Outcome:
        clean = check_name(name, kind)
        policies = [check_name(p, "policy") for p in body.policies]
        if ROOT_POLICY in policies:
            raise InvalidRequest("the root policy cannot be attached to a principal")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            now = self.now
            rec = PrincipalRecord(
                id=("agt_" if kind == "agent" else "opr_") + secrets.token_hex(8),
                kind=kind,
                namespace=caller.namespace,
                name=clean,
                owner=body.owner if isinstance(body, s.AgentCreate) else "",
                description=body.description,
                status="active",
                policies=tuple(policies),
                created_at=now,
                updated_at=now,
                created_by=caller.principal_id or caller.token.accessor,
                max_autonomy=body.max_autonomy if isinstance(body, s.AgentCreate) else 3,
            )
            tx.create_principal(rec)
            return Outcome({"data": principal_info(rec)}, result_params={"principal_id": rec.id})

        action = Action(
            f"{kind}.create", "update", f"sys/{kind}s/{clean}", params={"policies": policies}
        )
        return self.broker.run(ctx, action, handler)

    def _principal(self, tx: SqlTx, caller: Caller, kind: str, name: str) -> PrincipalRecord:
        rec = tx.get_principal_by_name(caller.namespace, kind, name)
        if rec is None:
            raise NotFound(f"no {kind} named {name!r} in this namespace")
        return rec

    def read_principal(self, ctx: RequestContext, kind: str, name: str) -> Outcome:
        clean = check_name(name, kind)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome({"data": principal_info(self._principal(tx, caller, kind, clean))})

        return self.broker.run(ctx, Action(f"{kind}.read", "read", f"sys/{kind}s/{clean}"), handler)

    def list_principals(self, ctx: RequestContext, kind: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome(
                {"data": {"keys": [p.name for p in tx.list_principals(caller.namespace, kind)]}}
            )

        return self.broker.run(ctx, Action(f"{kind}.list", "list", f"sys/{kind}s/"), handler)

    def update_agent(self, ctx: RequestContext, name: str, body: s.AgentUpdate) -> Outcome:
        clean = check_name(name, "agent")
        fields: dict[str, Any] = {}
        if body.owner is not None:
            fields["owner"] = body.owner
        if body.description is not None:
            fields["description"] = body.description
        if body.policies is not None:
            fields["policies"] = [check_name(p, "policy") for p in body.policies]
        if body.max_autonomy is not None:
            fields["max_autonomy"] = body.max_autonomy

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            rec = self._principal(tx, caller, "agent", clean)
            tx.update_principal(rec.id, self.now, **fields)
            return Outcome({"data": principal_info(self._principal(tx, caller, "agent", clean))})

        return self.broker.run(
            ctx, Action("agent.update", "update", f"sys/agents/{clean}/config"), handler
        )

    def set_status(self, ctx: RequestContext, kind: str, name: str, status: str) -> Outcome:
        clean = check_name(name, kind)
        verb = {"active": "enable", "disabled": "disable", "quarantined": "quarantine"}[status]

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            rec = self._principal(tx, caller, kind, clean)
            if caller.principal_id == rec.id and status != "active":
                raise Conflict(f"an {kind} cannot {verb} itself")
            tx.update_principal(rec.id, self.now, status=status)
            revoked = tx.revoke_principal_tokens(rec.id, self.now) if status != "active" else []
            info = principal_info(self._principal(tx, caller, kind, clean))
            return Outcome(
                {"data": info | {"tokens_revoked": len(revoked)}},
                result_params={"tokens_revoked": len(revoked)},
            )

        return self.broker.run(
            ctx, Action(f"{kind}.{verb}", "update", f"sys/{kind}s/{clean}/{verb}"), handler
        )
