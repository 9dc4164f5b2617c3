"""Use cases for ACL policies (``sys/policies/acl/<name>``) and ``sys/capabilities-self``."""

from __future__ import annotations

from credgate.adapters.storage.records import PolicyRecord
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.policy import parse_policy
from credgate.errors import InvalidRequest, NotFound
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.builtin_policies import DEFAULT_POLICY, DEFAULT_POLICY_TEXT, ROOT_POLICY
from credgate.service.identity import check_name


class PolicyService:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    def write(self, ctx: RequestContext, name: str, body: s.PolicyWrite) -> Outcome:
        clean = check_name(name, "policy")
        if clean == ROOT_POLICY:
            raise InvalidRequest("the root policy is built in and cannot be written")
        # Parse before anything is stored: a bad policy is a 400 naming line and column.
        parse_policy(body.policy, name=clean, source=f"policy {clean}")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            now = self.broker.clock.now()
            created = tx.put_policy(
                PolicyRecord(caller.namespace, clean, body.policy, now, now, caller.principal_id)
            )
            return Outcome(None, status=204, result_params={"created": created})

        action = Action("policy.write", "update", f"sys/policies/acl/{clean}")
        return self.broker.run(ctx, action, handler)

    def read(self, ctx: RequestContext, name: str) -> Outcome:
        clean = check_name(name, "policy")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            rec = tx.get_policy(caller.namespace, clean)
            if rec is None and clean == DEFAULT_POLICY:
                return Outcome(
                    {"data": {"name": clean, "policy": DEFAULT_POLICY_TEXT, "builtin": True}}
                )
            if rec is None:
                raise NotFound(f"no policy named {clean!r} in this namespace")
            return Outcome(
                {
                    "data": {
                        "name": rec.name,
                        "policy": rec.text,
                        "updated_at": rec.updated_at,
                        "updated_by": rec.updated_by,
                    }
                }
            )

        return self.broker.run(
            ctx, Action("policy.read", "read", f"sys/policies/acl/{clean}"), handler
        )

    def list(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            names = set(tx.list_policies(caller.namespace)) | {DEFAULT_POLICY}
            return Outcome({"data": {"keys": sorted(names)}})

        return self.broker.run(ctx, Action("policy.list", "list", "sys/policies/acl/"), handler)

    def delete(self, ctx: RequestContext, name: str) -> Outcome:
        clean = check_name(name, "policy")
        if clean in (ROOT_POLICY, DEFAULT_POLICY):
            raise InvalidRequest(f"the {clean} policy cannot be deleted")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if not tx.delete_policy(caller.namespace, clean):
                raise NotFound(f"no policy named {clean!r} in this namespace")
            return Outcome(None, status=204)

        return self.broker.run(
            ctx, Action("policy.delete", "delete", f"sys/policies/acl/{clean}"), handler
        )

    def capabilities_self(self, ctx: RequestContext, body: s.CapabilitiesBody) -> Outcome:
        raw = body.paths.split(",") if isinstance(body.paths, str) else body.paths
        paths = [p.strip() for p in raw]
        if not paths or any(not p for p in paths):
            raise InvalidRequest("missing path", hint="send paths as a list of non-empty strings")
        if len(paths) > 256:
            raise InvalidRequest("at most 256 paths per request")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            acl = self.broker.acl_for(tx, caller.token)
            answer = {p: acl.capabilities(p, namespace=caller.namespace) for p in paths}
            data: dict[str, object] = dict(answer)
            if len(paths) == 1:
                data["capabilities"] = answer[paths[0]]
            return Outcome({"data": data})

        return self.broker.run(
            ctx, Action("sys.capabilities_self", "update", "sys/capabilities-self"), handler
        )
