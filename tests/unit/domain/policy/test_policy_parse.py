"""Parsing policies: what OpenBao 2.7 accepts, what it refuses, and where the error is.

Every accept/reject expectation here was checked against a real OpenBao 2.7.2 server.
"""

from __future__ import annotations

import base64

import pytest

from credgate.domain.policy import Policy, RuleKind, parse_policy
from credgate.errors import PolicyParseError


def block(body: str, path: str = "secret/foo") -> str:
    return f'path "{path}" {{\n  {body}\n}}\n'


def only_rule(text: str, **kwargs: str) -> object:
    policy = parse_policy(text, **kwargs)
    assert len(policy.rules) == 1
    return policy.rules[0]


ACCEPTED = {
    "every-valid-capability": block(
        'capabilities = ["create", "read", "update", "delete", "list", "patch", "sudo", "scan"]'
    ),
    "empty-capability-list": block("capabilities = []"),
    "empty-block": 'path "secret/foo" {}',
    "deny-first-skips-validation": block('capabilities = ["deny", "subscribe", "bogus"]'),
    "deny-then-number": block('capabilities = ["deny", 1]'),
    "old-style-deny-with-bad-capability": block('policy = "deny"\n  capabilities = ["bogus"]'),
    "name-number": 'name = 5\npath "a" {}',
    "name-twice": 'name = "a"\nname = "b"\npath "a" {}',
    "path-without-label": 'path { capabilities = ["read"] }',
    "path-assignment-form": 'path = { capabilities = ["read"] }',
    "path-two-labels": 'path "a" "b" { capabilities = ["read"] }',
    "unquoted-label": "path secret.foo-bar { }",
    "comment-key-any-value": block('comment = [1, ["x"], { a = 1 }]'),
    "trailing-comma-in-list": block('capabilities = ["read",]'),
    "commas-between-blocks": 'path "a" {}, path "b" {}',
    "capabilities-as-empty-block": block("capabilities {}"),
    "dangling-assignment-at-end": 'path "a" {}\nbogus =',
    "comment-only": "# nothing here\n",
    "block-comment-only": "/* nothing\n here */",
    "whitespace-only": "   \n\t",
    "json-policy": '{"path": {"secret/foo": {"capabilities": ["read"]}}}',
    "json-trailing-garbage": '{"path": {"a": {"capabilities": ["read"]}}} garbage',
    "json-unclosed": '{"path": {"a": {"capabilities": ["read"]',
    "json-swallowed-value-error": '{"path": {"a": {"capabilities": }}}',
    "json-bool-in-list-dropped": '{"path": {"a": {"capabilities": ["read", true]}}}',
    "json-null-policy": '{"path": {"a": {"policy": null}}}',
    "wrapping-ttl-float-seconds": block('capabilities = ["read"]\n  min_wrapping_ttl = 1.5'),
    "wrapping-ttl-days": block('capabilities = ["read"]\n  max_wrapping_ttl = "2d"'),
    "negative-min-ttl": block(
        'capabilities = ["read"]\n  min_wrapping_ttl = "-5s"\n  max_wrapping_ttl = "1s"'
    ),
    "deny-skips-ttl-check": block(
        'capabilities = ["deny"]\n  min_wrapping_ttl = "2h"\n  max_wrapping_ttl = "1h"'
    ),
    "pagination-limit-hex-string": block('capabilities = ["list"]\n  pagination_limit = "0x10"'),
    "pagination-limit-underscores": block('capabilities = ["list"]\n  pagination_limit = "1_000"'),
    "parameters-block-syntax": block('capabilities = ["update"]\n  allowed_parameters { x = [] }'),
    "parameter-object-value": block('capabilities = ["update"]\n  allowed_parameters = { x = {} }'),
    "expired-rfc3339-nano": block(
        'capabilities = ["read"]\n  expiration = "2020-01-01T00:00:00.123Z"'
    ),
    "filter-path-with-key": block(
        'capabilities = ["list"]\n  list_scan_response_keys_filter_path = "{{ .key }}"'
    ),
    "control-group-with-factor": block(
        'capabilities = ["read"]\n  control_group { factor "f" { controlled_capabilities = '
        '["read"]\n identity { group_names = ["g"]\n approvals = 1 } } }'
    ),
    "template-balanced": block("capabilities = []", "secret/{{identity.entity.id}}/*"),
    "star-plus-is-literal": block("capabilities = []", "secret/*+"),
    "hex-escape": block('capabilities = ["re\\x61d"]'),
    "interpolation-keeps-quotes": 'path "${"a"}" { }',
    "heredoc-in-comment": 'path "a" {\n  comment = <<EOT\nfree text\nEOT\n}',
}

REJECTED = {
    "empty-text": "",
    "unknown-capability": block('capabilities = ["read", "bogus"]'),
    "uppercase-capability": block('capabilities = ["Read"]'),
    "root-capability": block('capabilities = ["root"]'),
    "subscribe-capability": block('capabilities = ["subscribe"]'),
    "subscribe-then-deny": block('capabilities = ["subscribe", "deny"]'),
    "bare-string-capabilities": block('capabilities = "read"'),
    "bool-in-capabilities": block('capabilities = [true, "read"]'),
    "float-after-deny": block('capabilities = ["deny", 1.5]'),
    "nested-list-capabilities": block('capabilities = [["read"]]'),
    "heredoc-capability-keeps-newline": block("capabilities = [<<EOT\nread\nEOT\n]"),
    "old-style-unknown": block('policy = "list"'),
    "old-style-last-wins": block('policy = "read"\n  policy = "bogus"'),
    "unknown-top-level-key": 'owner = "me"\npath "a" {}',
    "uppercase-path-key": 'Path "a" {}',
    "unknown-block-key": block('capabilities = ["read"]\n  owner = "me"'),
    "uppercase-block-key": block('Capabilities = ["read"]'),
    "name-bool": "name = true",
    "name-block": 'path "a" {}\nname "x" {}',
    "path-as-string": 'path = "secret/foo"',
    "path-label-and-equals": 'path "a" = { capabilities = ["read"] }',
    "plus-star": block("capabilities = []", "secret/+*"),
    "plus-star-inside-segment": block("capabilities = []", "secret/a+*"),
    "template-unclosed": block("capabilities = []", "secret/{{identity.entity.id"),
    "template-unopened": block("capabilities = []", "secret/x}}"),
    "wrapping-min-greater-than-max": block(
        'capabilities = ["read"]\n  min_wrapping_ttl = "2h"\n  max_wrapping_ttl = "1h"'
    ),
    "wrapping-ttl-bad-unit": block('capabilities = ["read"]\n  max_wrapping_ttl = "1x"'),
    "wrapping-ttl-bool": block('capabilities = ["read"]\n  max_wrapping_ttl = true'),
    "wrapping-ttl-list": block('capabilities = ["read"]\n  max_wrapping_ttl = ["1h"]'),
    "pagination-limit-float": block('capabilities = ["list"]\n  pagination_limit = 1.5'),
    "pagination-limit-bad-octal": block('capabilities = ["list"]\n  pagination_limit = 09'),
    "parameters-string-value": block(
        'capabilities = ["update"]\n  allowed_parameters = { x = "a" }'
    ),
    "parameters-as-list": block('capabilities = ["update"]\n  allowed_parameters = ["x"]'),
    "required-parameters-string": block('capabilities = ["update"]\n  required_parameters = "x"'),
    "expiration-not-a-time": block('capabilities = ["read"]\n  expiration = "tomorrow"'),
    "expiration-space-separator": block(
        'capabilities = ["read"]\n  expiration = "2020-01-01 00:00:00Z"'
    ),
    "future-expiration-still-validated": block(
        'capabilities = ["bogus"]\n  expiration = "2999-01-01T00:00:00Z"'
    ),
    "filter-path-without-list": block(
        'capabilities = ["read"]\n  list_scan_response_keys_filter_path = "{{ .key }}"'
    ),
    "filter-path-without-key": block(
        'capabilities = ["list"]\n  list_scan_response_keys_filter_path = "x"'
    ),
    "control-group-without-factor": block('capabilities = ["read"]\n  control_group = {}'),
    "control-group-bad-operation": block(
        'capabilities = ["read"]\n  control_group { factor "f" { controlled_capabilities = '
        '["bogus"]\n identity { group_names = ["g"]\n approvals = 1 } } }'
    ),
    "missing-value-before-brace": block("capabilities = "),
    "unterminated-string": 'path "secret/foo { capabilities = ["read"] }',
    "missing-closing-brace": 'path "a" { capabilities = ["read"]',
    "extra-closing-brace": 'path "a" { capabilities = ["read"] }}',
    "missing-comma": block('capabilities = ["read" "list"]'),
    "semicolon": block('capabilities = ["read"];'),
    "single-slash-comment": "/ comment",
    "unterminated-block-comment": '/* open\npath "a" {}',
    "nul-byte": 'path "a" {}\x00',
    "key-without-value": 'path "a" { capabilities }',
    "octal-escape-over-255": 'path "\\400" {}',
    "json-null-in-list": '{"path": {"a": {"capabilities": ["read", null]}}}',
    "json-null-capabilities": '{"path": {"a": {"capabilities": null}}}',
    "json-number-leading-zero": '{"name": 01}',
    "json-form-feed-first": "\f{}",
    "json-only-parameters-block-flattens": '{"path": {"a": {"allowed_parameters": {"x": []}}}}',
    "json-unknown-key": '{"owner": "me"}',
}


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_openbao_accepted_policies_parse(text: str) -> None:
    """A policy OpenBao accepts would be refused by credgate, breaking a migration."""
    assert isinstance(parse_policy(text), Policy)


@pytest.mark.parametrize("text", REJECTED.values(), ids=REJECTED.keys())
def test_openbao_rejected_policies_raise(text: str) -> None:
    """A policy OpenBao refuses would be silently accepted and mean something else."""
    with pytest.raises(PolicyParseError):
        parse_policy(text)


def test_error_names_line_and_column_of_the_bad_capability() -> None:
    """An author would not find which capability on which line is wrong."""
    text = (
        'path "a" {\n  capabilities = ["read"]\n}\n'
        'path "b" {\n  capabilities = ["list", "Read"]\n}\n'
    )
    with pytest.raises(PolicyParseError) as info:
        parse_policy(text, source="team.hcl")
    err = info.value
    assert (err.line, err.column) == (5, 27)
    assert str(err).startswith("team.hcl:5:27: ")
    assert "Read" in err.message


def test_syntax_error_position_points_at_the_token() -> None:
    """A syntax error would point somewhere unrelated to the mistake."""
    with pytest.raises(PolicyParseError) as info:
        parse_policy('path "a" {\n  capabilities = ["read" "list"]\n}\n')
    assert (info.value.line, info.value.column) == (2, 26)


def test_scanner_error_position_for_illegal_character() -> None:
    """An illegal character would be reported without a usable location."""
    with pytest.raises(PolicyParseError) as info:
        parse_policy('path "a" {\n  capabilities = ["read"];\n}\n')
    assert (info.value.line, info.value.column) == (2, 26)


def test_base64_text_is_decoded_first() -> None:
    """A base64-encoded policy (as the Vault CLI may send) would not be understood."""
    text = base64.b64encode(block('capabilities = ["read"]').encode()).decode()
    rule = only_rule(text)
    assert rule.capabilities == frozenset({"read"})  # type: ignore[attr-defined]


def test_base64_of_an_invalid_policy_is_still_rejected() -> None:
    """Encoding a bad policy in base64 would smuggle it past validation."""
    text = base64.b64encode(block('capabilities = ["bogus"]').encode()).decode()
    with pytest.raises(PolicyParseError):
        parse_policy(text)


def test_old_style_write_has_no_patch_and_adds_to_capabilities() -> None:
    """Old-style policy = "write" would grant patch, which OpenBao does not."""
    rule = only_rule(block('policy = "write"\n  capabilities = ["scan"]'))
    assert rule.capabilities == frozenset(  # type: ignore[attr-defined]
        {"create", "read", "update", "delete", "list", "scan"}
    )


def test_old_style_deny_replaces_capabilities() -> None:
    """policy = "deny" next to a grant would not deny."""
    rule = only_rule(block('policy = "deny"\n  capabilities = ["read"]'))
    assert rule.capabilities == frozenset({"deny"})  # type: ignore[attr-defined]


def test_repeated_capabilities_keys_append() -> None:
    """A block listing capabilities twice would lose the first list."""
    rule = only_rule(block('capabilities = ["read"]\n  capabilities = ["list"]'))
    assert rule.capabilities == frozenset({"read", "list"})  # type: ignore[attr-defined]


def test_rule_kinds_and_keys_follow_openbao_normalisation() -> None:
    """A pattern would land in the wrong table and match the wrong paths."""
    text = "".join(
        block("capabilities = []", p)
        for p in ("/secret/*", "secret/**", "secret/*/foo", "secret/+foo", "x+y", "+", "//a")
    )
    kinds = [(r.pattern, r.kind, r.key) for r in parse_policy(text).rules]
    assert kinds == [
        ("secret/*", RuleKind.PREFIX, "secret/"),
        ("secret/**", RuleKind.PREFIX, "secret/*"),
        ("secret/*/foo", RuleKind.EXACT, "secret/*/foo"),
        ("secret/+foo", RuleKind.SEGMENT, "secret/+foo"),
        ("x+y", RuleKind.EXACT, "x+y"),
        ("+", RuleKind.SEGMENT, "+"),
        ("/a", RuleKind.EXACT, "/a"),
    ]


def test_namespace_prefixes_every_rule() -> None:
    """A namespaced policy would reach paths outside its namespace."""
    policy = parse_policy(block("capabilities = []", "/secret/*"), namespace="acme/team-a")
    assert policy.namespace == "acme/team-a/"
    assert policy.rules[0].pattern == "acme/team-a/secret/*"


def test_parameter_keys_are_lower_cased() -> None:
    """allowed_parameters keys would stay case-sensitive where OpenBao folds them."""
    rule = only_rule(block('capabilities = ["update"]\n  allowed_parameters = { Foo = ["a", 1] }'))
    assert rule.allowed_parameters == {"foo": ("a", 1)}  # type: ignore[attr-defined]


def test_json_lists_of_blocks_flatten() -> None:
    """A JSON policy with a list of path objects would lose rules."""
    policy = parse_policy('{"path": [{"a": {"capabilities": ["read"]}}, {"b": {}}]}')
    assert [r.pattern for r in policy.rules] == ["a", "b"]


def test_expired_block_is_dropped_before_validation_when_now_is_given() -> None:
    """An expired block with a bad capability would refuse a policy OpenBao stores."""
    text = block('capabilities = ["bogus"]\n  expiration = "2000-01-01T00:00:00Z"')
    assert parse_policy(text, now=1_800_000_000.0).rules == ()
    with pytest.raises(PolicyParseError):
        parse_policy(text)


def test_policy_name_is_normalised() -> None:
    """Policy names would not compare the way OpenBao stores them."""
    assert parse_policy("# x", name="  Team-A ").name == "team-a"


def test_to_hcl_round_trips() -> None:
    """`credgate policy fmt` would print a policy that means something else."""
    text = (
        'path "/secret/${x}/\\"q\\"" {\n  policy = "write"\n'
        '  allowed_parameters = { Foo = ["a*", 1, 2.5] }\n'
        '  denied_parameters { "*" = [] }\n  required_parameters = ["foo"]\n'
        '  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = 3600\n  pagination_limit = 5\n'
        '  mfa_methods = ["totp"]\n  expiration = "2999-01-01T00:00:00.5Z"\n}\n'
        'path "secret/+/x" { capabilities = ["deny"] }\npath "e" {}\n'
    )
    first = parse_policy(text)
    second = parse_policy(first.to_hcl())
    assert second.rules == first.rules
    assert second.to_hcl() == first.to_hcl()


def test_to_hcl_of_empty_policy_is_a_valid_policy() -> None:
    """Formatting a comment-only policy would produce text OpenBao refuses."""
    assert parse_policy(parse_policy("# only a comment").to_hcl()).rules == ()
