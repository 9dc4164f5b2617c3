"""Namespaces: the tenant boundary. A token lives in one; every path it sends resolves inside it.

A canonical namespace is ``""`` (the root) or lower-case segments each followed by a slash:
``"acme/"``, ``"acme/team-a/"``. Because the trailing slash is part of the name, "is within"
is a plain prefix test that cannot confuse ``acme/`` with ``acme-corp/``.

Segment names are deliberately narrow, ``[a-z0-9][a-z0-9_-]{0,62}``: lower-case ASCII only, so
``Acme`` and ``acme`` cannot be two tenants that look like one, and no Unicode look-alike
(a Cyrillic "a", full-width letters) can spell a name that reads like another tenant's. Names
that the API uses as route prefixes (``sys``, ``auth``...) are reserved at every depth so a
path can never be read as both a namespace and a route.

How a request picks its namespace (:func:`resolve_request_namespace`):

- without a namespace header, it acts in its token's namespace;
- an operator may send a header naming a namespace *relative to the token's own* (as Vault's
  ``X-Vault-Namespace``); it can only go down the tree, never up or sideways, because the
  relative name can contain neither ``..`` nor a leading escape of any kind;
- an agent has no way out: a header is accepted only when it resolves to the token's own
  namespace (that is, when it is empty or ``/``); anything else is :class:`Denied`.

Request paths are never parsed for a namespace prefix: ``acme/secret/data/x`` sent by a root
token means the mount ``acme`` in the root namespace, not the namespace ``acme/``.
"""

from __future__ import annotations

import re

from credgate.errors import Denied, InvalidPath

__all__ = [
    "MAX_NAMESPACE_DEPTH",
    "RESERVED_NAMESPACE_NAMES",
    "ROOT_NAMESPACE",
    "depth",
    "is_canonical_namespace",
    "is_within",
    "parent_of",
    "parse_namespace",
    "relative_to",
    "resolve_request_namespace",
]

ROOT_NAMESPACE = ""
MAX_NAMESPACE_DEPTH = 8
RESERVED_NAMESPACE_NAMES = frozenset({"sys", "root", "audit", "auth", "cubbyhole", "identity"})

_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
# Longest canonical namespace: 8 segments of 63 characters plus their slashes, plus a leading
# slash a user may add. Anything longer is refused before it is split.
_MAX_TEXT_LENGTH = MAX_NAMESPACE_DEPTH * 64 + 1
_HINT = (
    "a namespace is 1 to 8 lower-case names separated by '/', each [a-z0-9][a-z0-9_-]*, "
    "up to 63 characters, for example acme/team-a"
)


def parse_namespace(text: str) -> str:
    """The canonical form of ``text`` (``"acme"``, ``"/acme/team-a/"``...), or raise.

    ``""`` and ``"/"`` are the root. One leading and one trailing slash are accepted and
    dropped; anything else that is not a valid segment raises :class:`InvalidPath` with a
    message saying which segment is wrong and why.
    """
    if not isinstance(text, str):
        raise InvalidPath("a namespace must be text", hint=_HINT)
    if len(text) > _MAX_TEXT_LENGTH:
        raise InvalidPath("the namespace is too long", hint=_HINT)
    body = text[1:] if text.startswith("/") else text
    if body == "":
        return ROOT_NAMESPACE
    if body.endswith("/"):
        body = body[:-1]
    segments = body.split("/")
    if len(segments) > MAX_NAMESPACE_DEPTH:
        raise InvalidPath(
            f"a namespace is at most {MAX_NAMESPACE_DEPTH} levels deep, got {len(segments)}",
            hint=_HINT,
        )
    for segment in segments:
        _check_segment(segment)
    return "/".join(segments) + "/"


def _check_segment(segment: str) -> None:
    if _SEGMENT.fullmatch(segment):
        if segment in RESERVED_NAMESPACE_NAMES:
            raise InvalidPath(
                f"{segment!r} is a reserved name and cannot be a namespace",
                hint="reserved names: " + ", ".join(sorted(RESERVED_NAMESPACE_NAMES)),
            )
        return
    if segment == "":
        reason = "an empty segment ('//', or a slash at both ends of a path)"
    elif segment.strip(".") == "":
        reason = f"{segment!a}: a namespace cannot go up or stay in place"
    elif _SEGMENT.fullmatch(segment.lower()):
        reason = f"{segment!a}: namespace names are lower-case"
    elif len(segment) > 63:
        reason = "a segment longer than 63 characters"
    else:
        reason = f"{segment[:63]!a}: only a-z, 0-9, '_' and '-' are allowed"
    raise InvalidPath(f"invalid namespace: {reason}", hint=_HINT)


def is_canonical_namespace(namespace: str) -> bool:
    """True when ``namespace`` is already in canonical form (``""``, ``"acme/"``...)."""
    try:
        return parse_namespace(namespace) == namespace
    except InvalidPath:
        return False


def _require_canonical(namespace: str, role: str) -> None:
    # Callers pass namespaces from storage or from parse_namespace; a non-canonical one here is
    # a programming error, never user input, hence ValueError rather than an API error.
    if not is_canonical_namespace(namespace):
        raise ValueError(f"{role} is not a canonical namespace: {ascii(namespace)[:80]}")


def depth(namespace: str) -> int:
    """How many levels below the root: ``""`` is 0, ``"acme/team-a/"`` is 2."""
    _require_canonical(namespace, "namespace")
    return namespace.count("/")


def is_within(child: str, parent: str) -> bool:
    """True when ``child`` is ``parent`` or below it. Everything is within the root."""
    _require_canonical(child, "child")
    _require_canonical(parent, "parent")
    return child.startswith(parent)


def parent_of(namespace: str) -> str | None:
    """The namespace one level up; ``None`` for the root."""
    _require_canonical(namespace, "namespace")
    if namespace == ROOT_NAMESPACE:
        return None
    head, _, _ = namespace[:-1].rpartition("/")
    return head + "/" if head else ROOT_NAMESPACE


def relative_to(child: str, parent: str) -> str:
    """``child`` as seen from ``parent``: ``relative_to("acme/a/", "acme/") == "a/"``.

    The result is what an operator of ``parent`` sends in the namespace header to act in
    ``child``. Raises ``ValueError`` when ``child`` is not within ``parent``.
    """
    if not is_within(child, parent):
        raise ValueError(f"{child!a} is not within {parent!a}")
    return child[len(parent) :]


def resolve_request_namespace(token_namespace: str, principal_kind: str, header: str | None) -> str:
    """The canonical namespace a request acts in.

    ``token_namespace`` is the (canonical) namespace the token is bound to, ``principal_kind``
    is ``"operator"`` or ``"agent"``, ``header`` the namespace header as received (``None``
    when absent). The header is always relative to the token's namespace.

    Raises :class:`InvalidPath` for a malformed header or a result deeper than
    :data:`MAX_NAMESPACE_DEPTH`, :class:`Denied` when an agent names any namespace but its own.
    """
    _require_canonical(token_namespace, "token_namespace")
    if principal_kind not in ("operator", "agent"):
        raise ValueError(f"unknown principal kind {principal_kind!r}")
    if header is None:
        return token_namespace
    relative = parse_namespace(header)
    if principal_kind == "agent":
        if relative != ROOT_NAMESPACE:
            raise Denied(
                "an agent token acts only in its own namespace",
                hint="drop the namespace header; an agent token is bound to one namespace",
            )
        return token_namespace
    resolved = token_namespace + relative
    if resolved.count("/") > MAX_NAMESPACE_DEPTH:
        raise InvalidPath(
            f"the namespace would be more than {MAX_NAMESPACE_DEPTH} levels deep", hint=_HINT
        )
    return resolved
