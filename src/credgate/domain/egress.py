"""Egress rules: where a secret may be sent by a brokered call.

API::

    parse_allowed_hosts(text) -> tuple[HostRule, ...]    a secret's ``allowed_hosts`` metadata
    match_host(rules, host, port) -> HostRule | None     the rule that lets ``host:port`` through
    check_address(address, rule) -> None                 raises EgressDenied for a bad address

``allowed_hosts`` is a comma-separated list of entries:

- ``api.github.com`` — that host, any port;
- ``api.github.com:443`` — that host on that port only;
- ``127.0.0.1:8080``, ``[::1]:8080``, ``::1`` — IP literals, with or without a port;
- ``*.example.com`` (optionally ``:port``) — any name *below* example.com (not example.com
  itself), at any depth.

Host names compare case-insensitively, without a trailing dot; internationalised names must
be written in their ASCII (``xn--``) form.

Addresses: a host matched *exactly* (a name or an IP literal listed as such) may resolve to
any unicast address, private and loopback included (the operator named it). A host matched
only through a wildcard must resolve to public addresses only: no private, loopback,
link-local, shared, reserved or site-local address, so a wildcard cannot be turned into a way
into the internal network. Unspecified (``0.0.0.0``, ``::``) and multicast addresses are
refused for every host.

Pure: standard library only, no resolution here (the service resolves and passes addresses).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from credgate.errors import EgressDenied

__all__ = ["HostRule", "check_address", "match_host", "normalise_host", "parse_allowed_hosts"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class HostRule:
    """One ``allowed_hosts`` entry: a host (or ``*.suffix``) and an optional port."""

    host: str  # normalised: lower case, no brackets, no trailing dot
    port: int | None
    wildcard: bool = False  # host is the suffix after "*."

    def __str__(self) -> str:
        host = f"*.{self.host}" if self.wildcard else self.host
        if ":" in host:
            host = f"[{host}]"
        return host if self.port is None else f"{host}:{self.port}"


def normalise_host(host: str) -> str:
    """Lower case, no IPv6 brackets, no trailing dot; IP literals in their canonical form."""
    text = host.strip().lower().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def _port(text: str, entry: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise EgressDenied(
            f"the allowed_hosts entry {entry!r} has an invalid port",
            hint="write host or host:port, comma-separated",
        )
    return int(text)


def _parse_entry(entry: str) -> HostRule:
    port: int | None = None
    host = entry
    if entry.startswith("["):
        inner, sep, rest = entry[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise EgressDenied(f"the allowed_hosts entry {entry!r} is not [address]:port")
        host = inner
        if rest:
            port = _port(rest[1:], entry)
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
        port = _port(port_text, entry)
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    host = normalise_host(host)
    if not host or "*" in host or (wildcard and "." not in host):
        raise EgressDenied(
            f"the allowed_hosts entry {entry!r} is not a host",
            hint="wildcards are only *.domain.tld (a name below that domain)",
        )
    return HostRule(host, port, wildcard)


def parse_allowed_hosts(text: str | None) -> tuple[HostRule, ...]:
    """The rules of an ``allowed_hosts`` value (empty when the secret has none)."""
    if not text:
        return ()
    return tuple(_parse_entry(part.strip()) for part in text.split(",") if part.strip())


def match_host(rules: tuple[HostRule, ...], host: str, port: int) -> HostRule | None:
    """The rule that allows ``host:port`` (an exact rule before a wildcard), or None."""
    host = normalise_host(host)
    best: HostRule | None = None
    for rule in rules:
        if rule.port is not None and rule.port != port:
            continue
        if not rule.wildcard and rule.host == host:
            return rule
        if rule.wildcard and best is None and host.endswith("." + rule.host):
            best = rule
    return best


def _non_public(address: Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if not address.is_global:
        return "non-global"
    return None


def check_address(address: str, rule: HostRule) -> None:
    """Raise :class:`EgressDenied` if a brokered call must not connect to ``address`` for a
    host that ``rule`` allowed (see the module docstring)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        raise EgressDenied(
            f"the host resolved to something that is not an address: {address!r}"
        ) from None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    target = mapped if mapped is not None else ip
    if target.is_unspecified or target.is_multicast:
        kind = "unspecified" if target.is_unspecified else "multicast"
        raise EgressDenied(f"refusing to send a secret to the {kind} address {address}")
    if not rule.wildcard:
        return
    reason = _non_public(ip)
    if reason is not None:
        raise EgressDenied(
            f"the host resolved to the {reason} address {address}, and it is only allowed through "
            f"the wildcard {rule}",
            hint="list the host itself in allowed_hosts to allow a non-public address",
        )
