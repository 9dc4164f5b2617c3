"""Policy texts for the parse-acceptance corpus: hand-written ones that pin each rule of §1
and §2 of the reference notes, and random mutations of valid policies.
"""

from __future__ import annotations

import base64
import random

from policy_conformance.cases import ParseCase


def _block(body: str, path: str = "secret/foo") -> str:
    return f'path "{path}" {{\n  {body}\n}}\n'


def _caps(*names: str) -> str:
    return _block("capabilities = [" + ", ".join(f'"{n}"' for n in names) + "]")


VALID_BASE = _block('capabilities = ["read", "list"]')

HAND_WRITTEN: dict[str, str] = {
    # §1 capability names
    "every-valid-capability": _caps(
        "create", "read", "update", "delete", "list", "patch", "sudo", "scan"
    ),
    "deny-alone": _caps("deny"),
    "unknown-capability": _caps("read", "bogus"),
    "uppercase-capability": _caps("Read"),
    "all-caps-capability": _caps("READ"),
    "subscribe-capability": _caps("subscribe"),
    "recover-capability": _caps("recover"),
    "root-capability": _caps("root"),
    "deny-then-subscribe": _caps("deny", "subscribe"),
    "subscribe-then-deny": _caps("subscribe", "deny"),
    "deny-then-garbage": _caps("deny", "bogus", "Read"),
    "read-deny-then-garbage": _caps("read", "deny", "bogus"),
    "capability-with-space": _caps("read "),
    "empty-capability-name": _caps(""),
    "empty-capability-list": _block("capabilities = []"),
    "empty-block": 'path "secret/foo" {}\n',
    "bare-string-capabilities": _block('capabilities = "read"'),
    "number-capabilities": _block("capabilities = 1"),
    "number-in-capabilities": _block("capabilities = [1]"),
    "bool-in-capabilities": _block("capabilities = [true]"),
    "nested-list-capabilities": _block('capabilities = [["read"]]'),
    "object-capabilities": _block("capabilities = { read = true }"),
    "heredoc-capability": _block("capabilities = [<<EOT\nread\nEOT\n]"),
    "duplicate-capabilities-key": _block('capabilities = ["read"]\n  capabilities = ["list"]'),
    # old-style policy
    "old-style-read": _block('policy = "read"'),
    "old-style-write": _block('policy = "write"'),
    "old-style-sudo": _block('policy = "sudo"'),
    "old-style-deny": _block('policy = "deny"'),
    "old-style-list": _block('policy = "list"'),
    "old-style-uppercase": _block('policy = "Read"'),
    "old-style-empty": _block('policy = ""'),
    "old-style-list-value": _block('policy = ["read"]'),
    "old-style-with-capabilities": _block('policy = "read"\n  capabilities = ["update"]'),
    "old-style-deny-with-bad-capability": _block('policy = "deny"\n  capabilities = ["bogus"]'),
    # top-level and block keys
    "name-top-level-key": 'name = "ignored"\n' + VALID_BASE,
    "unknown-top-level-key": 'owner = "me"\n' + VALID_BASE,
    "unknown-top-level-block": 'rule "secret/foo" { capabilities = ["read"] }\n',
    "unknown-block-key": _block('capabilities = ["read"]\n  owner = "me"'),
    "comment-block-key": _block('capabilities = ["read"]\n  comment = "why"'),
    "uppercase-block-key": _block('Capabilities = ["read"]'),
    "path-without-name": 'path { capabilities = ["read"] }\n',
    "path-two-names": 'path "a" "b" { capabilities = ["read"] }\n',
    "name-number": "name = 1\n" + VALID_BASE,
    "name-object": 'name = { a = "b" }\n' + VALID_BASE,
    "name-twice": 'name = "a"\nname = "b"\n' + VALID_BASE,
    "uppercase-path-key": 'Path "secret/foo" { capabilities = ["read"] }\n',
    "path-assignment-form": 'path = { "secret/foo" = { capabilities = ["read"] } }\n',
    "path-nested-object": 'path "secret" { "foo" { capabilities = ["read"] } }\n',
    "path-block-assignment": 'path "secret/foo" = { capabilities = ["read"] }\n',
    "path-list-of-blocks": 'path = [{ "secret/foo" = { capabilities = ["read"] } }]\n',
    "path-as-list": 'path = ["secret/foo"]\n',
    "path-as-string": 'path = "secret/foo"\n',
    "unquoted-path": 'path secret { capabilities = ["read"] }\n',
    # malformed HCL
    "unterminated-string": 'path "secret/foo { capabilities = ["read"] }\n',
    "unterminated-capability": 'path "secret/foo" { capabilities = ["read] }\n',
    "missing-closing-brace": 'path "secret/foo" { capabilities = ["read"]\n',
    "missing-opening-brace": 'path "secret/foo" capabilities = ["read"] }\n',
    "extra-closing-brace": 'path "secret/foo" { capabilities = ["read"] }}\n',
    "missing-equals": 'path "secret/foo" { capabilities ["read"] }\n',
    "missing-bracket": 'path "secret/foo" { capabilities = ["read" }\n',
    "trailing-comma": 'path "secret/foo" { capabilities = ["read",] }\n',
    "missing-comma": 'path "secret/foo" { capabilities = ["read" "list"] }\n',
    "single-quotes": "path 'secret/foo' { capabilities = ['read'] }\n",
    "colon-instead-of-equals": 'path "secret/foo" { capabilities: ["read"] }\n',
    "semicolon-separator": 'path "secret/foo" { capabilities = ["read"]; }\n',
    "unterminated-block-comment": '/* open\npath "secret/foo" { capabilities = ["read"] }\n',
    "garbage": "this is not a policy\n",
    "only-brace": "{\n",
    "nul-byte": 'path "secret/foo" { capabilities = ["read"] }\x00\n',
    "escaped-quote-in-path": 'path "secret/\\"foo" { capabilities = ["read"] }\n',
    "newline-escape-in-path": 'path "secret/\\nfoo" { capabilities = ["read"] }\n',
    "heredoc-path": 'path <<EOT\nsecret/foo\nEOT\n{ capabilities = ["read"] }\n',
    # empty texts and comments
    "empty-text": "",
    "whitespace-only": "   \n\t\n",
    "comment-only-hash": "# nothing here\n",
    "comment-only-slashes": "// nothing here\n",
    "comment-only-block": "/* nothing\n here */\n",
    "one-line-two-blocks": 'path "a" { capabilities = ["read"] } path "b" { policy = "deny" }',
    # JSON and base64
    "json-policy": '{"path": {"secret/foo": {"capabilities": ["read"]}}}',
    "json-list-of-paths": '{"path": [{"secret/foo": {"capabilities": ["read"]}}]}',
    "json-bad-capability": '{"path": {"secret/foo": {"capabilities": ["Read"]}}}',
    "json-unknown-key": '{"owner": "me", "path": {"secret/foo": {"capabilities": ["read"]}}}',
    "json-string-capabilities": '{"path": {"secret/foo": {"capabilities": "read"}}}',
    "json-trailing-comma": '{"path": {"secret/foo": {"capabilities": ["read"],}}}',
    "json-empty-object": "{}",
    "json-path-null": '{"path": null}',
    "base64-valid-policy": base64.b64encode(VALID_BASE.encode()).decode(),
    "base64-invalid-policy": base64.b64encode(_caps("bogus").encode()).decode(),
    "base64-garbage": base64.b64encode(b"\xff\xfe\x00\x01").decode(),
    "base64-like-word": "abcd",
    "base64-urlsafe": base64.urlsafe_b64encode(b'path "a/?>" { capabilities = ["read"] }').decode(),
    # rule paths
    "plus-star": _block('capabilities = ["read"]', "secret/+*"),
    "segment-plus-star": _block('capabilities = ["read"]', "secret/a+*"),
    "star-plus": _block('capabilities = ["read"]', "secret/*+"),
    "plus-slash-star": _block('capabilities = ["read"]', "secret/+/*"),
    "empty-path": _block('capabilities = ["read"]', ""),
    "unicode-path": _block('capabilities = ["read"]', "secret/ü/日本"),
    "template-balanced": _block('capabilities = ["read"]', "secret/{{identity.entity.id}}/*"),
    "template-unknown-key": _block('capabilities = ["read"]', "secret/{{bogus}}"),
    "template-unclosed": _block('capabilities = ["read"]', "secret/{{identity.entity.id"),
    "template-unopened": _block('capabilities = ["read"]', "secret/identity.entity.id}}"),
    "template-reversed": _block('capabilities = ["read"]', "secret/}}x{{"),
    "template-nested": _block('capabilities = ["read"]', "secret/{{ {{x}} }}"),
    "template-single-braces": _block('capabilities = ["read"]', "secret/{x}"),
    # wrapping TTLs
    "wrapping-ttl-ok": _block(
        'capabilities = ["read"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = "1h"'
    ),
    "wrapping-min-greater-than-max": _block(
        'capabilities = ["read"]\n  min_wrapping_ttl = "2h"\n  max_wrapping_ttl = "1h"'
    ),
    "wrapping-min-greater-than-max-on-deny": _block(
        'capabilities = ["deny"]\n  min_wrapping_ttl = "2h"\n  max_wrapping_ttl = "1h"'
    ),
    "wrapping-ttl-seconds-number": _block('capabilities = ["read"]\n  max_wrapping_ttl = 300'),
    "wrapping-ttl-bad-string": _block('capabilities = ["read"]\n  max_wrapping_ttl = "soon"'),
    "wrapping-ttl-negative": _block('capabilities = ["read"]\n  max_wrapping_ttl = "-1h"'),
    "wrapping-ttl-days": _block('capabilities = ["read"]\n  max_wrapping_ttl = "2d"'),
    "wrapping-ttl-list": _block('capabilities = ["read"]\n  max_wrapping_ttl = ["1h"]'),
    "wrapping-min-only": _block('capabilities = ["read"]\n  min_wrapping_ttl = "10s"'),
    # parameters
    "allowed-parameters-ok": _block(
        'capabilities = ["update"]\n  allowed_parameters = { "foo" = ["a", "b*"], "bar" = [] }'
    ),
    "allowed-parameters-numbers": _block(
        'capabilities = ["update"]\n  allowed_parameters = { "foo" = [1, 2.5, true] }'
    ),
    "allowed-parameters-string-value": _block(
        'capabilities = ["update"]\n  allowed_parameters = { "foo" = "a" }'
    ),
    "allowed-parameters-list": _block('capabilities = ["update"]\n  allowed_parameters = ["foo"]'),
    "allowed-parameters-nested-object": _block(
        'capabilities = ["update"]\n  allowed_parameters = { "foo" = { "a" = "b" } }'
    ),
    "allowed-parameters-star": _block(
        'capabilities = ["update"]\n  allowed_parameters = { "*" = [] }'
    ),
    "denied-parameters-ok": _block(
        'capabilities = ["update"]\n  denied_parameters = { "foo" = ["x"] }'
    ),
    "denied-parameters-string": _block('capabilities = ["update"]\n  denied_parameters = "foo"'),
    "required-parameters-ok": _block('capabilities = ["update"]\n  required_parameters = ["foo"]'),
    "required-parameters-string": _block(
        'capabilities = ["update"]\n  required_parameters = "foo"'
    ),
    "required-parameters-object": _block(
        'capabilities = ["update"]\n  required_parameters = { "foo" = [] }'
    ),
    "parameters-block-syntax": _block(
        'capabilities = ["update"]\n  allowed_parameters {\n    "foo" = []\n  }'
    ),
    # other block settings
    "pagination-limit": _block('capabilities = ["list"]\n  pagination_limit = 10'),
    "pagination-limit-string": _block('capabilities = ["list"]\n  pagination_limit = "ten"'),
    "expiration-ok": _block('capabilities = ["read"]\n  expiration = "2999-01-01T00:00:00Z"'),
    "expiration-bad": _block('capabilities = ["read"]\n  expiration = "tomorrow"'),
    "expiration-past": _block('capabilities = ["read"]\n  expiration = "2000-01-01T00:00:00Z"'),
    "scan-filter-without-list": _block(
        'capabilities = ["read"]\n  list_scan_response_keys_filter_path = "{{.key}}"'
    ),
    "scan-filter-with-list": _block(
        'capabilities = ["list"]\n  list_scan_response_keys_filter_path = "{{.key}}"'
    ),
    # an expired block is dropped before most of its validation (acceptance depends on time)
    "expired-bad-capability": _block(
        'capabilities = ["bogus"]\n  expiration = "2000-01-01T00:00:00Z"'
    ),
    "future-bad-capability": _block(
        'capabilities = ["bogus"]\n  expiration = "2999-01-01T00:00:00Z"'
    ),
    "expired-bad-capability-before": _block(
        'expiration = "2000-01-01T00:00:00Z"\n  capabilities = ["bogus"]'
    ),
    "expired-min-greater-than-max": _block(
        'capabilities = ["read"]\n  min_wrapping_ttl = "2h"\n  max_wrapping_ttl = "1h"\n'
        '  expiration = "2000-01-01T00:00:00Z"'
    ),
    "expired-unknown-key": _block(
        'capabilities = ["read"]\n  owner = "x"\n  expiration = "2000-01-01T00:00:00Z"'
    ),
    "expired-plus-star": _block(
        'capabilities = ["read"]\n  expiration = "2000-01-01T00:00:00Z"', "secret/+*"
    ),
    "future-plus-star": _block(
        'capabilities = ["read"]\n  expiration = "2999-01-01T00:00:00Z"', "secret/+*"
    ),
    "expired-unbalanced-template": _block(
        'capabilities = ["read"]\n  expiration = "2000-01-01T00:00:00Z"', "secret/{{x"
    ),
    "expired-bad-old-style": _block('policy = "list"\n  expiration = "2000-01-01T00:00:00Z"'),
    "expired-bad-ttl": _block(
        'capabilities = ["read"]\n  max_wrapping_ttl = "soon"\n'
        '  expiration = "2000-01-01T00:00:00Z"'
    ),
    "expiration-unix-number": _block('capabilities = ["read"]\n  expiration = 946684800'),
    "expiration-unix-string": _block('capabilities = ["read"]\n  expiration = "946684800"'),
    "expiration-date-only": _block('capabilities = ["read"]\n  expiration = "2999-01-01"'),
    # more syntax
    "byte-order-mark": '\ufeffpath "a" { capabilities = ["read"] }\n',
    "crlf-line-ends": 'path "a" {\r\n  capabilities = ["read"]\r\n}\r\n',
    "comments-inside-list": 'path "a" {\n  capabilities = [\n  # c\n  "read", // d\n'
    '  "list" /* e */\n  ]\n}\n',
    "quoted-block-key": 'path "a" { "capabilities" = ["read"] }\n',
    "old-style-number": 'path "a" { policy = 1 }\n',
    "mfa-methods-string": _block('capabilities = ["read"]\n  mfa_methods = "x"'),
    "required-parameters-numbers": _block('capabilities = ["read"]\n  required_parameters = [1]'),
    "pagination-limit-negative": _block('capabilities = ["list"]\n  pagination_limit = -1'),
    "pagination-limit-float": _block('capabilities = ["list"]\n  pagination_limit = 1.5'),
    "json-capabilities-null": '{"path": {"a": {"capabilities": null}}}',
    "control-group-factor-without-capabilities": _block(
        'capabilities = ["read"]\n  control_group = { factor "ops" { identity {'
        ' group_names = ["x"] approvals = 1 } } }'
    ),
    "mfa-methods": _block('capabilities = ["read"]\n  mfa_methods = ["totp"]'),
    "control-group-without-factor": _block('capabilities = ["read"]\n  control_group = {}'),
    "number-as-path-value": _block("capabilities = 123.5"),
}


MUTATION_SEEDS = (
    VALID_BASE,
    _block('capabilities = ["deny"]', "secret/+/x"),
    _block('policy = "write"', "/secret/*"),
    _block('capabilities = ["update"]\n  allowed_parameters = { "foo" = ["a*"] }', "kv/*"),
    '{"path": {"secret/foo": {"capabilities": ["read"]}}}',
    '# c\npath "a" { capabilities = ["read"] }\npath "b" { capabilities = [] }\n',
    _block('capabilities = ["list"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = "1h"'),
)
MUTATION_CHARS = '{}[]"=,#*+/\n \\:;<>EOT'


def _mutate(rng: random.Random, text: str) -> str:
    kind = rng.randrange(6)
    if not text:
        return rng.choice(MUTATION_CHARS)
    at = rng.randrange(len(text))
    if kind == 0:
        return text[:at] + text[at + 1 :]
    if kind == 1:
        return text[:at] + rng.choice(MUTATION_CHARS) + text[at:]
    if kind == 2:
        return text[:at] + rng.choice(MUTATION_CHARS) + text[at + 1 :]
    if kind == 3:
        return text[:at]
    if kind == 4:
        words = ("read", "deny", "Read", "policy", "path", "subscribe", "+*", "{{", "}}", "sudo")
        return text[:at] + rng.choice(words) + text[at:]
    lines = text.splitlines(keepends=True)
    line = rng.randrange(len(lines))
    return "".join(lines[: line + 1] + lines[line:])


def mutation_cases(rng: random.Random, count: int, prefix: str) -> list[ParseCase]:
    """``count`` distinct random mutations (1-3 edits) of the seed policies."""
    seen: set[str] = set(HAND_WRITTEN.values())
    cases: list[ParseCase] = []
    while len(cases) < count:
        text = rng.choice(MUTATION_SEEDS)
        for _ in range(rng.randint(1, 3)):
            text = _mutate(rng, text)
        if text in seen:
            continue
        seen.add(text)
        cases.append(ParseCase(f"{prefix}-{len(cases):04d}", text))
    return cases


def hand_written_cases() -> list[ParseCase]:
    return [ParseCase(f"parse-{name}", text) for name, text in HAND_WRITTEN.items()]
