"""Ask a real OpenBao about case specs and turn its answers into corpus records.

Records are plain JSON objects (the corpus format, see ``tests/conformance/policy/README.md``).
Policy names are unique per case, so cases can run in parallel threads; request cases share
the ``kv1/`` keys and must run one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from openbao_server import OpenBaoClient

from policy_conformance.cases import (
    CapabilityCase,
    JsonObject,
    ParseCase,
    PolicySpec,
    RequestCase,
)
from policy_conformance.request_cases import MOUNT

NAMESPACES = ("ns1/", "ns1/ns2/", "ns3/")
EXISTING_KEYS = ("kv1/k1", "kv1/k2", "kv1/d/k3")
PARSE_POLICY_NAME = "conformance-parse-probe"

Spec = TypeVar("Spec")


class PolicyRejected(Exception):
    """A policy of a capability or request case was refused by the server."""


def prepare_server(client: OpenBaoClient) -> None:
    """Namespaces ``ns1/``, ``ns1/ns2/``, ``ns3/`` and a KV v1 mount at ``kv1/``."""
    for namespace in NAMESPACES:
        client.create_namespace(namespace)
    client.enable_kv_v1(MOUNT)


def _write_policies(client: OpenBaoClient, case_id: str, policies: Iterable[PolicySpec]) -> None:
    for spec in policies:
        error = client.write_policy(spec.name, spec.text, namespace=spec.namespace)
        if error is not None:
            raise PolicyRejected(f"{case_id}: policy {spec.name} rejected: {error}")


def record_capability_case(client: OpenBaoClient, case: CapabilityCase) -> JsonObject:
    """Write the policies, make a token, ask ``sys/capabilities`` for every probe."""
    _write_policies(client, case.id, case.policies)
    if case.root:
        token = client.create_token(["root"], namespace=case.token_namespace)
    else:
        names = [spec.name for spec in case.policies]
        token = client.create_token(names, namespace=case.token_namespace)
    answers = client.capabilities(token, case.probes, namespace=case.namespace)
    record: JsonObject = {
        "id": case.id,
        "policies": [spec.to_json() for spec in case.policies],
        "namespace": case.namespace,
    }
    if case.root:
        record["root_namespace"] = case.token_namespace
    record["probes"] = {probe: sorted(answers[probe]) for probe in case.probes}
    return record


def record_parse_case(client: OpenBaoClient, case: ParseCase) -> JsonObject:
    """Whether ``PUT sys/policies/acl/<name>`` accepted the text, and its error message."""
    error = client.write_policy(PARSE_POLICY_NAME, case.text)
    return {"id": case.id, "text": case.text, "accepted": error is None, "error": error}


def _reset_keys(client: OpenBaoClient, missing: str | None) -> None:
    for key in EXISTING_KEYS:
        if key == missing:
            client.request("DELETE", key)
        else:
            client.request("POST", key, json={"seed": "value"})


def perform_request(
    client: OpenBaoClient, token: str, operation: str, path: str, data: JsonObject | None
) -> int:
    """The HTTP call OpenBao maps to ``operation`` on ``path``; returns the status code."""
    if operation in ("create", "update"):
        response = client.request("POST", path, token=token, json=data)
    elif operation == "read":
        params = {key: str(value) for key, value in (data or {}).items()}
        response = client.request("GET", path, token=token, params=params or None)
    elif operation == "list":
        response = client.request("LIST", path, token=token)
    elif operation == "delete":
        response = client.request("DELETE", path, token=token)
    elif operation == "patch":
        response = client.http.request(
            "PATCH",
            "/v1/" + path,
            headers={"X-Vault-Token": token, "Content-Type": "application/merge-patch+json"},
            json=data,
        )
    else:
        raise ValueError(f"unknown operation {operation!r}")
    return response.status_code


def record_request_case(client: OpenBaoClient, case: RequestCase) -> JsonObject:
    """Run the request as a token holding the case's policies; 403 means refused."""
    _write_policies(client, case.id, case.policies)
    token = client.create_token([spec.name for spec in case.policies])
    _reset_keys(client, case.path if case.operation == "create" else None)
    status = perform_request(client, token, case.operation, case.path, case.data)
    if status >= 500:
        raise RuntimeError(f"{case.id}: server error {status}")
    return {
        "id": case.id,
        "policies": [spec.to_json() for spec in case.policies],
        "operation": case.operation,
        "path": case.path,
        "data": case.data,
        "allowed": status != 403,
        "status": status,
    }


def record_all(
    record: Callable[[OpenBaoClient, Spec], JsonObject],
    client: OpenBaoClient,
    specs: Sequence[Spec],
    *,
    jobs: int = 1,
) -> Iterator[JsonObject | PolicyRejected]:
    """Records in the order of ``specs``; a rejected policy yields the exception instead."""

    def one(spec: Spec) -> JsonObject | PolicyRejected:
        try:
            return record(client, spec)
        except PolicyRejected as exc:
            return exc

    if jobs <= 1:
        yield from map(one, specs)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(one, specs)
