"""Egress rules (allowed_hosts) and secret reference grammar for brokered use."""

from __future__ import annotations

import pytest

from credgate.domain.egress import check_address, match_host, parse_allowed_hosts
from credgate.domain.secret_refs import SecretRef, find_references, parse_reference, substitute
from credgate.errors import EgressDenied, InvalidRequest


def test_allowed_hosts_match_host_and_port_exactly() -> None:
    """A listed port must match; an entry without a port allows any; case and dot ignored."""
    rules = parse_allowed_hosts("api.github.com, 127.0.0.1:8080,[::1]:9000")
    assert match_host(rules, "API.GitHub.com.", 443) is not None
    assert match_host(rules, "127.0.0.1", 8080) is not None
    assert match_host(rules, "127.0.0.1", 8081) is None
    assert match_host(rules, "::1", 9000) is not None
    assert match_host(rules, "api.github.com.evil.test", 443) is None
    assert match_host(rules, "evilapi.github.com", 443) is None


def test_wildcard_matches_names_below_the_domain_only() -> None:
    """*.example.com allows a.example.com and a.b.example.com, never example.com or
    badexample.com."""
    rules = parse_allowed_hosts("*.example.com:443")
    assert match_host(rules, "a.example.com", 443) is not None
    assert match_host(rules, "a.b.example.com", 443) is not None
    assert match_host(rules, "example.com", 443) is None
    assert match_host(rules, "badexample.com", 443) is None
    assert match_host(rules, "a.example.com", 80) is None


@pytest.mark.parametrize("text", ["*", "*.com", "a:b", "a:0", "a:70000", "[::1", "x.*.com"])
def test_malformed_entries_refuse(text: str) -> None:
    """A misconfigured allowed_hosts refuses the call rather than guessing."""
    with pytest.raises(EgressDenied):
        parse_allowed_hosts(text)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_wildcard_refuses_non_public_addresses(address: str) -> None:
    """A name allowed through a wildcard cannot lead into the internal network."""
    (rule,) = parse_allowed_hosts("*.example.com")
    with pytest.raises(EgressDenied):
        check_address(address, rule)


def test_exact_host_may_be_private_but_never_unspecified_or_multicast() -> None:
    """An exactly listed host may be internal; 0.0.0.0, :: and multicast are always refused."""
    (rule,) = parse_allowed_hosts("svc.internal")
    check_address("10.0.0.5", rule)
    check_address("127.0.0.1", rule)
    check_address("93.184.216.34", rule)
    for bad in ("0.0.0.0", "::", "224.0.0.1", "ff02::1"):
        with pytest.raises(EgressDenied):
            check_address(bad, rule)


def test_references_parse_with_version_and_escaped_quotes() -> None:
    """Both quote styles parse; ?version=N pins a version; the escaped form is JSON-escaped."""
    text = 'a {{secret "secret/data/x?version=2#f"}} b {{ secret \\"kv/data/y#g\\" }}'
    found = find_references(text)
    assert [ph.ref for ph in found] == [
        SecretRef("secret/data/x", "f", 2),
        SecretRef("kv/data/y", "g", None),
    ]
    values = {found[0].ref: 'v"1', found[1].ref: 'v"2'}
    assert substitute(text, found, values) == 'a v"1 b v\\"2'


@pytest.mark.parametrize(
    "text",
    [
        '{{secret "secret/data/x"}}',
        '{{secret "secret/data/../x#f"}}',
        '{{secret "secret/data/x#f?version=1"}}',
        '{{secret "secret/data/x?version=0#f"}}',
        "{{secret secret/data/x#f}}",
        '{{secret "secret/data/x#f"}',
    ],
)
def test_malformed_references_are_errors(text: str) -> None:
    """Anything that starts like a reference and is not one is a 400, never sent as text."""
    with pytest.raises(InvalidRequest):
        find_references(text)


def test_plain_braces_are_not_references() -> None:
    """Templating text that does not start with {{secret is left alone."""
    assert find_references("{{ name }} and {{secretary}}") == []
    with pytest.raises(InvalidRequest):
        parse_reference("no-field")
