"""Hand-written capability cases: every row of §8 of the reference notes, the priority
examples of §4.3/§4.4 and the namespace examples of §7, each with a stable name.

``expected`` holds what the notes predict. The server's answer is what gets recorded; the
generator only warns when the two differ (a note is wrong, or the server changed).
"""

from __future__ import annotations

from policy_conformance.cases import CapabilityCase, PolicySpec

D = ["deny"]
R = ["read"]
L = ["list"]


def hcl(*rules: tuple[str, str]) -> str:
    """One block per ``(path, body)``; a body starting with ``[`` is a capability list."""
    blocks = []
    for path, body in rules:
        inner = f"capabilities = {body}" if body.startswith("[") else body
        blocks.append(f'path "{path}" {{\n  {inner}\n}}')
    return "\n".join(blocks) + "\n"


def _case(
    name: str,
    policies: list[str],
    expected: dict[str, list[str]],
    *,
    extra_probes: tuple[str, ...] = (),
) -> CapabilityCase:
    specs = tuple(PolicySpec(f"e-{name}-p{i}", text) for i, text in enumerate(policies))
    return CapabilityCase(
        id=f"edge-{name}",
        policies=specs,
        probes=tuple(dict.fromkeys([*expected, *extra_probes])),
        expected=expected,
    )


def catalogue_cases() -> list[CapabilityCase]:
    """§8 rows 1-28, in order, plus variants that pin each rule from both sides."""
    return [
        _case(
            "exact-beats-glob-deny",
            [hcl(("secret/data/app", '["read"]'), ("secret/data/*", '["deny"]'))],
            {"secret/data/app": R, "secret/data/other": D, "secret/data/app/": R},
        ),
        _case(
            "exact-deny-beats-glob-allow",
            [hcl(("secret/data/app", '["deny"]'), ("secret/data/*", '["read"]'))],
            {"secret/data/app": D, "secret/data/app/": D, "secret/data/other": R},
        ),
        _case(
            "exact-and-prefix-same-string-are-distinct",
            [hcl(("secret/foo", '["read"]'), ("secret/foo*", '["deny"]'))],
            {"secret/foo": R, "secret/foobar": D, "secret/foo/": R, "secret/fo": D},
        ),
        _case(
            "empty-capabilities-shadow-glob",
            [hcl(("secret/foo", "[]"), ("secret/*", '["read"]'))],
            {"secret/foo": D, "secret/bar": R, "secret/foo/": D},
        ),
        _case(
            "empty-block-shadows-glob",
            [hcl(("secret/*", '["read"]')) + 'path "secret/foo" {}\n'],
            {"secret/foo": D, "secret/bar": R},
        ),
        _case(
            "empty-capabilities-merge-with-grant",
            [hcl(("secret/foo", "[]")), hcl(("secret/foo", '["read"]'))],
            {"secret/foo": R},
        ),
        _case(
            "empty-capabilities-merge-with-grant-same-policy",
            [hcl(("secret/foo", '["read"]'), ("secret/foo", "[]"))],
            {"secret/foo": R},
        ),
        _case(
            "glob-prefix-across-policies-deny",
            [hcl(("secret/*", '["read"]')), hcl(("/secret/*", '["deny"]'))],
            {"secret/x": D, "secret/": D, "secret": D},
        ),
        _case(
            "duplicate-blocks-union",
            [hcl(("secret/x", '["read"]'), ("/secret/x", '["list", "update"]'))],
            {"secret/x": ["list", "read", "update"]},
        ),
        _case(
            "duplicate-blocks-deny-wins",
            [hcl(("secret/x", '["read"]'), ("secret/x", '["deny"]'), ("secret/x", '["list"]'))],
            {"secret/x": D},
        ),
        _case(
            "longest-prefix-wins-deny",
            [hcl(("secret/data/*", '["deny"]'), ("secret/*", '["read"]'))],
            {"secret/data/x": D, "secret/x": R, "secret/dat": R, "secret/data": R},
        ),
        _case(
            "longest-prefix-wins-allow",
            [hcl(("secret/data/*", '["read"]'), ("secret/*", '["deny"]'))],
            {"secret/data/x": R, "secret/x": D},
        ),
        _case(
            "star-in-middle-is-literal",
            [hcl(("secret/*/foo", '["read"]'))],
            {"secret/*/foo": R, "secret/a/foo": D, "secret/*/foo/": R},
        ),
        _case(
            "double-star-suffix",
            [hcl(("secret/**", '["read"]'))],
            {"secret/*": R, "secret/*x": R, "secret/x": D, "secret/": D},
        ),
        _case(
            "plus-matches-empty-segment",
            [hcl(("secret/+", '["read"]'))],
            {
                "secret/": R,
                "secret//": R,
                "secret/a/": R,
                "secret/a": R,
                "secret/a/b": D,
                "secret": D,
            },
        ),
        _case(
            "plus-exact-segment-count",
            [hcl(("secret/+/foo", '["read"]'))],
            {"secret/a/b/foo": D, "secret/foo": D, "secret//foo": R, "secret/a/foo": R},
        ),
        _case(
            "plus-vs-deny-star-same-position",
            [hcl(("secret/*", '["deny"]'), ("secret/+/foo", '["read"]'))],
            {"secret/x/foo": R, "secret/x/bar": D},
        ),
        _case(
            "trailing-slash-nonexact-fallback",
            [hcl(("secret/+/cfg", '["read"]'), ("secret/*", '["deny"]'))],
            {"secret/a/cfg/": D, "secret/a/cfg": R},
        ),
        _case(
            "trailing-slash-falls-back-to-exact",
            [hcl(("secret/foo", '["read"]'), ("secret/foo/*", '["list"]'))],
            {"secret/foo/": R, "secret/foo//": L, "secret/foo/x": L},
        ),
        _case(
            "trailing-slash-exact-beats-direct-glob",
            [hcl(("secret/foo", '["read"]'), ("secret/*", '["list"]'))],
            {"secret/foo/": R, "secret/foo/x": L},
        ),
        _case(
            "exact-with-trailing-slash",
            [hcl(("secret/foo/", '["list"]'))],
            {"secret/foo": D, "secret/foo/": L, "secret/foo//": L},
        ),
        _case(
            "double-leading-slash-policy-path-unmatchable",
            [hcl(("//secret/foo", '["read"]'), ("//secret/*", '["read"]'))],
            {"secret/foo": D, "/secret/foo": D, "//secret/foo": D, "///secret/foo": D},
        ),
        _case(
            "leading-slash-rule-same-as-plain",
            [hcl(("/secret/foo", '["read"]'))],
            {"secret/foo": R, "/secret/foo": R, "//secret/foo": R},
        ),
        _case(
            "dot-segments-literal",
            [hcl(("secret/../sys/foo", '["read"]'), ("secret/*", '["list"]'))],
            {"secret/../sys/foo": R, "sys/foo": D, "secret/../sys/bar": L, "secret/./x": L},
        ),
        _case(
            "case-sensitive",
            [hcl(("secret/foo", '["read"]'), ("Secret/*", '["list"]'))],
            {"secret/Foo": D, "SECRET/foo": D, "secret/foo": R, "Secret/foo": L},
        ),
        _case(
            "deny-first-skips-validation",
            [hcl(("secret/x", '["deny", "subscribe", "bogus"]'), ("secret/*", '["read"]'))],
            {"secret/x": D, "secret/y": R},
        ),
        _case(
            "old-style-policy-read",
            [hcl(("secret/x", 'policy = "read"'))],
            {"secret/x": ["list", "read"]},
        ),
        _case(
            "old-style-policy-write",
            [hcl(("secret/x", 'policy = "write"'))],
            {"secret/x": ["create", "delete", "list", "read", "update"]},
        ),
        _case(
            "old-style-policy-sudo",
            [hcl(("secret/x", 'policy = "sudo"'))],
            {"secret/x": ["create", "delete", "list", "read", "sudo", "update"]},
        ),
        _case(
            "old-style-policy-deny-overrides-capabilities",
            [hcl(("secret/x", 'policy = "deny"\n  capabilities = ["read"]'))],
            {"secret/x": D},
        ),
        _case(
            "old-style-policy-adds-to-capabilities",
            [hcl(("secret/x", 'policy = "read"\n  capabilities = ["update", "patch"]'))],
            {"secret/x": ["list", "patch", "read", "update"]},
        ),
        _case(
            "expired-path-ignored",
            [
                hcl(
                    ("secret/foo", '["read"]\n  expiration = "2000-01-01T00:00:00Z"'),
                    ("secret/*", '["list"]'),
                )
            ],
            {"secret/foo": L},
        ),
        _case(
            "future-expiration-path-applies",
            [
                hcl(
                    ("secret/foo", '["read"]\n  expiration = "2999-01-01T00:00:00Z"'),
                    ("secret/*", '["list"]'),
                )
            ],
            {"secret/foo": R},
        ),
        _case(
            "expired-block-skips-validation",
            [
                hcl(
                    ("secret/foo", '["bogus"]\n  expiration = "2000-01-01T00:00:00Z"'),
                    ("secret/+*", '["read"]\n  expiration = "2000-01-01T00:00:00Z"'),
                    ("secret/*", '["list"]'),
                )
            ],
            {"secret/foo": L, "secret/+x": L},
        ),
        _case(
            "expiration-as-unix-number",
            [
                hcl(
                    ("secret/past", '["read"]\n  expiration = 946684800'),
                    ("secret/future", '["read"]\n  expiration = 32503680000'),
                    ("secret/pastq", '["read"]\n  expiration = "946684800"'),
                    ("secret/*", '["list"]'),
                )
            ],
            {"secret/past": L, "secret/future": R, "secret/pastq": L},
        ),
        _case(
            "templated-path-dropped-without-entity",
            [hcl(("secret/{{identity.entity.id}}/*", '["read"]'), ("secret/*", '["list"]'))],
            {"secret/x/y": L, "secret/{{identity.entity.id}}/y": L},
        ),
        _case(
            "templated-deny-dropped-without-entity",
            [hcl(("secret/{{identity.entity.name}}", '["deny"]'), ("secret/*", '["read"]'))],
            {"secret/x": R, "secret/{{identity.entity.name}}": R},
        ),
        _case(
            "unknown-template-dropped",
            [hcl(("secret/{{bogus}}", '["read"]'))],
            {"secret/{{bogus}}": D, "secret/": D},
        ),
        _case(
            "first-plus-char-even-if-literal",
            [hcl(("secret/x+y/*", '["list"]'), ("secret/x+y/+/z", '["read"]'))],
            {"secret/x+y/a/z": L},
        ),
        _case(
            "first-plus-char-control",
            [hcl(("secret/xay/*", '["list"]'), ("secret/xay/+/z", '["read"]'))],
            {"secret/xay/a/z": R},
        ),
        _case(
            "length-beats-lexicographic",
            [hcl(("a/+/+/cc", '["read"]'), ("a/+/b/+", '["list"]'))],
            {"a/x/b/cc": R},
        ),
        _case(
            "lexicographic-tiebreak",
            [hcl(("a/+/b/+", '["list"]'), ("a/+/+/c", '["read"]'))],
            {"a/x/b/c": L},
        ),
        _case(
            "plus-alone-vs-star-alone",
            [hcl(("*", '["read"]'), ("+", '["list"]'))],
            {"x": L, "x/y": R, "x/": R, "/": L},
        ),
        _case(
            "empty-path-rule",
            [hcl(("", '["read"]'))],
            {"/": R, "//": R, "x": D},
        ),
        _case(
            "parameters-do-not-affect-capabilities",
            [
                hcl(
                    (
                        "secret/foo",
                        '["update"]\n  allowed_parameters = { "a" = ["b"] }\n'
                        '  denied_parameters = { "c" = [] }\n  required_parameters = ["x"]\n'
                        '  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = "1h"',
                    )
                )
            ],
            {"secret/foo": ["update"]},
        ),
        _case(
            "json-policy",
            [
                '{"path": {"secret/foo": {"capabilities": ["read"]},'
                ' "secret/*": {"policy": "read"}}}'
            ],
            {"secret/foo": R, "secret/bar": ["list", "read"]},
        ),
        _case(
            "base64-policy-text",
            ["cGF0aCAic2VjcmV0L2ZvbyIgeyBjYXBhYmlsaXRpZXMgPSBbInJlYWQiXSB9"],
            {"secret/foo": R, "secret/bar": D},
        ),
        _case(
            "comments-and-oneline",
            [
                '# hash\n// slashes\n/* block\ncomment */ path "secret/foo" '
                '{ capabilities = ["read", "list"] } path "secret/b" { policy = "deny" }'
            ],
            {"secret/foo": ["list", "read"], "secret/b": D},
        ),
    ]


def priority_cases() -> list[CapabilityCase]:
    """The observed winners of §4.3 and §4.4, and capability spellings (§1)."""
    return [
        _case(
            "plus-beats-star-same-start",
            [hcl(("secret/+", '["list"]'), ("secret/*", '["read"]'))],
            {"secret/x": L, "secret/x/y": R},
        ),
        _case(
            "later-glob-beats-plus",
            [hcl(("secret/a*", '["read"]'), ("secret/+", '["list"]'))],
            {"secret/ab": R, "secret/b": L},
        ),
        _case(
            "plus-beats-shorter-glob",
            [
                hcl(
                    ("secret/data/+/x", '["read"]'),
                    ("secret/data/*", '["list"]'),
                    ("secret/*", '["deny"]'),
                )
            ],
            {"secret/data/a/x": R, "secret/data/a/y": L, "secret/other": D},
        ),
        _case(
            "agent-multi-policy",
            [
                hcl(("secret/data/+/myapp/*", '["read", "list"]')),
                hcl(("secret/data/*", '["deny"]')),
            ],
            {"secret/data/staging/myapp/db": D, "secret/data/staging/myapp/": D},
        ),
        _case(
            "later-plus-wins",
            [hcl(("foo/bar/+/baz", '["read"]'), ("foo/+/bar/baz", '["list"]'))],
            {"foo/bar/bar/baz": R},
        ),
        _case(
            "non-prefix-segment-rule-wins",
            [hcl(("foo/+/bar", '["read"]'), ("foo/+/ba*", '["list"]'))],
            {"foo/x/bar": R, "foo/x/bar/y/z": L, "foo/x/baz": L},
        ),
        _case(
            "fewer-plus-wins",
            [hcl(("foo/bar/+/baz", '["read"]'), ("foo/bar/+/+", '["list"]'))],
            {"foo/bar/x/baz": R, "foo/bar/x/y": L},
        ),
        _case(
            "plus-star-needs-another-segment",
            [hcl(("secret/+/*", '["read"]'))],
            {"secret/a/": R, "secret/a": D, "secret/a/b/c": R, "secret//": R},
        ),
        _case(
            "unicode-bytes-count",
            [hcl(("secret/ü/*", '["read"]'), ("secret/+/x", '["list"]'))],
            {"secret/ü/x": R, "secret/a/x": L},
        ),
        _case(
            "plus-inside-segment-is-literal",
            [hcl(("secret/+foo", '["read"]'), ("a+b/c", '["list"]'))],
            {"secret/+foo": R, "secret/xfoo": D, "a+b/c": L, "axb/c": D},
        ),
        _case(
            "every-capability-sorted",
            [
                hcl(
                    (
                        "secret/all",
                        '["scan", "patch", "sudo", "delete", "create", "update", "list", "read"]',
                    )
                )
            ],
            {"secret/all": ["create", "delete", "list", "patch", "read", "scan", "sudo", "update"]},
        ),
        _case(
            "duplicate-capability-names",
            [hcl(("secret/x", '["read", "read", "list", "read"]'))],
            {"secret/x": ["list", "read"]},
        ),
    ]


def syntax_cases() -> list[CapabilityCase]:
    """Unusual texts OpenBao accepts (see parse.jsonl): what do they grant?"""
    odd_texts = {
        "duplicate-capabilities-key": 'path "secret/foo" {\n  capabilities = ["read"]\n'
        '  capabilities = ["list"]\n}\n',
        "path-two-names": 'path "a" "b" { capabilities = ["read"] }\n',
        "path-without-name": 'path { capabilities = ["read"] }\n',
        "unquoted-path": 'path secret { capabilities = ["read"] }\n',
        "escaped-quote-in-path": 'path "secret/\\"foo" { capabilities = ["read"] }\n',
        "escape-sequences-in-path": 'path "secret/\\u00fc\\tx" { capabilities = ["read"] }\n',
        "trailing-comma": 'path "secret/foo" { capabilities = ["read", "list",] }\n',
        "old-style-empty": 'path "secret/foo" {\n  policy = ""\n  capabilities = ["read"]\n}\n',
        "parameters-block-syntax": 'path "secret/foo" {\n  capabilities = ["update"]\n'
        '  allowed_parameters {\n    "foo" = []\n  }\n}\n',
        "only-brace": "{\n",
        "whitespace-only": "  \n",
        "json-list-of-paths": '{"path": [{"secret/foo": {"capabilities": ["read"]}}, '
        '{"secret/foo": {"capabilities": ["list"]}}]}',
        "wrapping-ttl-negative": 'path "secret/foo" {\n  capabilities = ["read"]\n'
        '  max_wrapping_ttl = "-1h"\n}\n',
    }
    probes = (
        "secret/foo",
        "secret/foo/",
        'secret/"foo',
        "secret/\\u00fc\\tx",
        "secret/ü\tx",
        "secret",
        "secret/x",
        "a",
        "b",
        "a/b",
        "a b",
        "capabilities",
        "path",
        "x",
        "/",
    )
    return [
        CapabilityCase(
            id=f"edge-syntax-{name}",
            policies=(PolicySpec(f"e-syntax-{name}", text),),
            probes=probes,
        )
        for name, text in odd_texts.items()
    ]


def namespace_cases() -> list[CapabilityCase]:
    """§7: policies written in a namespace, probed from it, its child, its parent and a sibling."""
    cases: list[CapabilityCase] = []
    child_policy = hcl(("+/secret/*", '["read"]'), ("secret/*", '["list"]'), ("//x", '["update"]'))
    root_policy = hcl(
        ("ns1/secret/*", '["read"]'), ("+/secret/y", '["list"]'), ("ns1//x", '["update"]')
    )
    probes = ("secret/x", "secret/y", "ns2/secret/x", "ns1/secret/x", "/x", "x", "ns1/ns2/secret/x")
    for token_ns, text, tag in (
        ("ns1/", child_policy, "ns1-policy"),
        ("", root_policy, "root-policy"),
    ):
        spec = PolicySpec(f"e-ns-{tag}", text, token_ns)
        for request_ns in ("", "ns1/", "ns1/ns2/", "ns3/"):
            label = request_ns.strip("/").replace("/", "-") or "root"
            cases.append(
                CapabilityCase(
                    id=f"edge-namespace-{tag}-from-{label}",
                    policies=(spec,),
                    probes=probes,
                    namespace=request_ns,
                    token_namespace=token_ns,
                )
            )
    for request_ns in ("", "ns1/"):
        label = request_ns.strip("/") or "root"
        cases.append(
            CapabilityCase(
                id=f"edge-root-token-from-{label}",
                policies=(),
                probes=("secret/x", "sys/audit", "/"),
                namespace=request_ns,
                root=True,
                expected={"secret/x": ["root"], "sys/audit": ["root"], "/": ["root"]},
            )
        )
    return cases


def all_edge_cases() -> list[CapabilityCase]:
    return [*catalogue_cases(), *priority_cases(), *syntax_cases(), *namespace_cases()]
