"""The compiled ACL: OpenBao's rule tables, lookup order and priority, built once.

Rules from every policy go into three tables and merge only with rules of the same table
and key (``deny`` sticks, otherwise capabilities are ORed; parameter maps merge as in §3):

* exact rules: a dict keyed by the full path;
* prefix rules (``K*``): buckets keyed by the part of ``K`` up to its last ``/``, each holding
  the remaining partial segment; a lookup walks the path's directories from the deepest, so
  it costs one dict probe per path segment whatever the number of rules;
* segment-wildcard rules (``+``): a trie over path segments with a ``+`` child.

Lookup for a full path (namespace + path, leading slashes removed): the exact rule if any;
for list/scan the exact rule for the path minus one trailing ``/``; else the best non-exact
match, where the candidates are the single longest prefix rule and every matching segment
rule, ranked by (position of the first ``+`` or of the glob, non-prefix before prefix, fewer
``+`` segments, longer pattern, larger bytes); for list/scan with a trailing ``/`` and no
match, the best non-exact match for the path minus that ``/``. Nothing matched: deny.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from credgate.domain.policy.params import check_parameters, page_limit
from credgate.domain.policy.rules import (
    CAPABILITY_BITS,
    DENY,
    SUDO,
    UPDATE,
    ControlGroup,
    Policy,
    Rule,
    RuleKind,
    bits_to_names,
)
from credgate.errors import Denied

OPERATIONS = frozenset(
    {"read", "list", "scan", "create", "update", "delete", "patch", "revoke", "renew", "rollback"}
)
_OP_BITS = {op: CAPABILITY_BITS.get(op, UPDATE) for op in OPERATIONS}


@dataclass(frozen=True, slots=True)
class Grant:
    """What allowed a request: the winning rule and the policies that granted the operation.

    ``limit`` is the page size a list/scan must use (``None``: as sent; ``0``: unlimited).
    """

    capabilities: frozenset[str]
    rule: str
    policies: tuple[str, ...]
    limit: int | None = None
    list_filter_path: str = ""
    mfa_methods: tuple[str, ...] = ()
    control_group: ControlGroup | None = None


def _blen(s: str) -> int:
    return len(s.encode("utf-8", "surrogateescape"))


class _Entry:
    """The merged permissions of every rule with one table key."""

    __slots__ = (
        "allowed",
        "bits",
        "control_group",
        "denied",
        "filter_path",
        "granting",
        "max_ttl",
        "mfa",
        "min_ttl",
        "pagination",
        "pattern",
        "rank",
        "required",
    )

    def __init__(self, rule: Rule, policy_name: str) -> None:
        self.pattern = rule.pattern
        self.bits = rule.bits
        self.allowed = (
            {k: list(v) for k, v in rule.allowed_parameters.items()}
            if rule.allowed_parameters is not None
            else None
        )
        self.denied = (
            {k: list(v) for k, v in rule.denied_parameters.items()}
            if rule.denied_parameters is not None
            else None
        )
        self.required = list(rule.required_parameters)
        self.min_ttl = rule.min_wrapping_ttl_ns
        self.max_ttl = rule.max_wrapping_ttl_ns
        self.mfa = list(rule.mfa_methods) if rule.mfa_methods is not None else None
        self.pagination = rule.pagination_limit
        self.filter_path = rule.list_filter_path
        self.control_group = rule.control_group
        self.granting: dict[int, list[str]] = {}
        self._grant(rule.bits, policy_name)
        self.rank: tuple[int, int, int, int, bytes] = (0, 0, 0, 0, b"")

    def _grant(self, bits: int, policy_name: str) -> None:
        for bit in CAPABILITY_BITS.values():
            if bits & bit:
                self.granting.setdefault(bit, []).append(policy_name)

    def merge(self, rule: Rule, policy_name: str) -> None:
        if self.bits & DENY:
            return
        if rule.bits & DENY:
            self.bits, self.allowed, self.denied = DENY, None, None
            return
        self.bits |= rule.bits
        self._grant(rule.bits, policy_name)
        if rule.max_wrapping_ttl_ns > 0 and (
            not self.max_ttl or rule.max_wrapping_ttl_ns < self.max_ttl
        ):
            self.max_ttl = rule.max_wrapping_ttl_ns
        if rule.min_wrapping_ttl_ns > 0 and (
            not self.min_ttl or rule.min_wrapping_ttl_ns < self.min_ttl
        ):
            self.min_ttl = rule.min_wrapping_ttl_ns
        self.allowed = _merge_params(self.allowed, rule.allowed_parameters)
        self.denied = _merge_params(self.denied, rule.denied_parameters)
        if rule.required_parameters:
            if not self.required:
                self.required = list(rule.required_parameters)
            else:
                self.required += [p for p in rule.required_parameters if p not in self.required]
        if rule.mfa_methods:
            self.mfa = sorted(set((self.mfa or []) + list(rule.mfa_methods)))
        if rule.pagination_limit > 0 and (
            self.pagination <= 0 or rule.pagination_limit < self.pagination
        ):
            self.pagination = rule.pagination_limit
        if rule.list_filter_path and not self.filter_path:
            self.filter_path = rule.list_filter_path


def _merge_params(
    existing: dict[str, list[object]] | None, new: Mapping[str, tuple[object, ...]] | None
) -> dict[str, list[object]] | None:
    if not new:
        return existing
    if existing is None:
        return {k: list(v) for k, v in new.items()}
    for key, values in new.items():
        if not values or (key in existing and not existing[key]):
            existing[key] = []
        else:
            existing[key] = list(values) + existing.get(key, [])
    return existing


class _SegNode:
    __slots__ = ("children", "end", "plus", "prefix_ends")

    def __init__(self) -> None:
        self.children: dict[str, _SegNode] = {}
        self.plus: _SegNode | None = None
        self.end: _Entry | None = None
        self.prefix_ends: list[tuple[str, _Entry]] = []

    def child(self, segment: str) -> _SegNode:
        if segment == "+":
            if self.plus is None:
                self.plus = _SegNode()
            return self.plus
        node = self.children.get(segment)
        if node is None:
            node = self.children[segment] = _SegNode()
        return node


def _segment_matches(node: _SegNode, segs: list[str], i: int, out: list[_Entry]) -> None:
    n = len(segs)
    if i < n:
        seg = segs[i]
        for last, entry in node.prefix_ends:
            if last == "+" or seg.startswith(last):
                out.append(entry)
        child = node.children.get(seg)
        if child is not None:
            _segment_matches(child, segs, i + 1, out)
        if node.plus is not None:
            _segment_matches(node.plus, segs, i + 1, out)
    elif node.end is not None:
        out.append(node.end)


def _deny(reason: str) -> Denied:
    exc = Denied("permission denied")
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def _under(namespace: str, parent: str) -> bool:
    return parent == "" or namespace.startswith(parent)


def _canonical(namespace: str) -> str:
    namespace = namespace.strip("/")
    return f"{namespace}/" if namespace else ""


class ACL:
    """The policies of one token, compiled once; answers ``capabilities`` and ``authorize``.

    ``now`` (Unix seconds) drops rules whose ``expiration`` has passed; without it expiration
    is ignored. ``root_namespace`` makes this a root token's ACL: everything is allowed at and
    below that namespace (``""`` = everywhere) and the policies are ignored, as OpenBao keeps
    only ``root`` on such a token. Templated rules (``{{identity...}}``) never match: credgate
    tokens carry no identity entity.
    """

    def __init__(
        self,
        policies: Iterable[Policy],
        *,
        now: float | None = None,
        root_namespace: str | None = None,
    ) -> None:
        self._root = None if root_namespace is None else _canonical(root_namespace)
        self._exact: dict[str, _Entry] = {}
        prefix: dict[str, _Entry] = {}
        segment: dict[str, _Entry] = {}
        now_ns = None if now is None else int(now * 1_000_000_000)
        if self._root is None:
            for policy in policies:
                for rule in policy.rules:
                    if rule.templated:
                        continue
                    if (
                        now_ns is not None
                        and rule.expiration_ns is not None
                        and now_ns > rule.expiration_ns
                    ):
                        continue
                    table = (
                        self._exact
                        if rule.kind is RuleKind.EXACT
                        else prefix
                        if rule.kind is RuleKind.PREFIX
                        else segment
                    )
                    entry = table.get(rule.key)
                    if entry is None:
                        table[rule.key] = _Entry(rule, policy.name)
                    else:
                        entry.merge(rule, policy.name)
        # Prefix rules: bucket by the directory part of the prefix.
        self._dirs: dict[str, tuple[dict[str, _Entry], tuple[int, ...]]] = {}
        buckets: dict[str, dict[str, _Entry]] = {}
        for key, entry in prefix.items():
            cut = key.rfind("/") + 1
            buckets.setdefault(key[:cut], {})[key[cut:]] = entry
            n = _blen(key)
            entry.rank = (n, 0, 0, n, key.encode("utf-8", "surrogateescape"))
        for directory, rests in buckets.items():
            lengths = tuple(sorted({len(r) for r in rests}, reverse=True))
            self._dirs[directory] = (rests, lengths)
        root = _SegNode()
        self._segments: _SegNode | None = root if segment else None
        for pattern, entry in segment.items():
            is_prefix = pattern.endswith("*")
            body = pattern[:-1] if is_prefix else pattern
            segs = body.split("/")
            raw = pattern.encode("utf-8", "surrogateescape")
            entry.rank = (
                raw.index(b"+"),
                0 if is_prefix else 1,
                -segs.count("+"),
                _blen(body),
                body.encode("utf-8", "surrogateescape"),
            )
            node = root
            for seg in segs[:-1] if is_prefix else segs:
                node = node.child(seg)
            if is_prefix:
                node.prefix_ends.append((segs[-1], entry))
            else:
                node.end = entry

    # -- lookup -------------------------------------------------------------------------------

    def _longest_prefix(self, path: str) -> _Entry | None:
        dirs = self._dirs
        pos = path.rfind("/")
        while True:
            start = pos + 1
            bucket = dirs.get(path[:start])
            if bucket is not None:
                rests, lengths = bucket
                for length in lengths:
                    entry = rests.get(path[start : start + length])
                    if entry is not None and start + length <= len(path):
                        return entry
            if pos < 0:
                return None
            pos = path.rfind("/", 0, pos)

    def _non_exact(self, path: str) -> _Entry | None:
        best = self._longest_prefix(path) if self._dirs else None
        if self._segments is not None:
            found: list[_Entry] = []
            _segment_matches(self._segments, path.split("/"), 0, found)
            for entry in found:
                if best is None or entry.rank > best.rank:
                    best = entry
        return best

    def _lookup(self, path: str, listing: bool) -> _Entry | None:
        entry = self._exact.get(path)
        if entry is not None:
            return entry
        trailing = path.endswith("/")
        if listing and trailing:
            entry = self._exact.get(path[:-1])
            if entry is not None:
                return entry
        entry = self._non_exact(path)
        if entry is None and listing and trailing:
            entry = self._non_exact(path[:-1])
        return entry

    @staticmethod
    def _full(path: str, namespace: str) -> str:
        if namespace:
            path = _canonical(namespace) + path
        return path.lstrip("/")

    # -- public ---------------------------------------------------------------------------------

    def capabilities(self, path: str, *, namespace: str = "") -> list[str]:
        """Exactly what OpenBao's ``sys/capabilities`` answers for this path (sorted names)."""
        if self._root is not None:
            return ["root"] if _under(_canonical(namespace), self._root) else ["deny"]
        entry = self._lookup(
            self._full(path, namespace) if namespace or path[:1] == "/" else path, True
        )
        return bits_to_names(entry.bits if entry is not None else 0)

    def authorize(
        self,
        operation: str,
        path: str,
        *,
        namespace: str = "",
        data: Mapping[str, object] | None = None,
        sudo_required: bool = False,
        wrap_ttl: float | None = None,
    ) -> Grant:
        """Check a real request; return the :class:`Grant` or raise :class:`Denied`.

        ``operation`` is one of read, list, scan, create, update, delete, patch (revoke, renew
        and rollback need ``update``). List and scan get a trailing ``/`` and the list
        fallbacks. ``sudo_required`` marks a root-protected path. ``wrap_ttl`` is the response
        wrapping TTL in seconds, if the request is wrapped.
        """
        if operation not in OPERATIONS:
            raise _deny("unknown operation")
        listing = operation in ("list", "scan")
        if listing and not path.endswith("/"):
            path += "/"
        if self._root is not None:
            if not _under(_canonical(namespace), self._root):
                raise _deny("root token outside its namespace")
            return Grant(frozenset({"root"}), "", ("root",))
        entry = self._lookup(self._full(path, namespace), listing)
        if entry is None:
            raise _deny("no policy rule matches the path")
        bits = entry.bits
        if bits & DENY:
            raise _deny("a deny rule matches the path")
        if sudo_required and not bits & SUDO:
            raise _deny("the path needs sudo")
        bit = _OP_BITS[operation]
        if not bits & bit:
            raise _deny(f"no {operation} capability on the path")
        wrap_ns = None if wrap_ttl is None else int(wrap_ttl * 1_000_000_000)
        if entry.max_ttl > 0 and (wrap_ns is None or wrap_ns > entry.max_ttl):
            raise _deny("the response must be wrapped within max_wrapping_ttl")
        if entry.min_ttl > 0 and (wrap_ns is None or wrap_ns < entry.min_ttl):
            raise _deny("the response must be wrapped for at least min_wrapping_ttl")
        if entry.min_ttl and entry.max_ttl and entry.max_ttl < entry.min_ttl:
            raise _deny("merged wrapping TTLs conflict")
        limit = None
        if operation in ("read", "create", "update", "patch"):
            reason = check_parameters(entry.required, entry.denied, entry.allowed, data)
            if reason is not None:
                raise _deny(reason)
        elif listing:
            limit, reason = page_limit(entry.pagination, entry.required, data)
            if reason is not None:
                raise _deny(reason)
        return Grant(
            capabilities=frozenset(bits_to_names(bits)),
            rule=entry.pattern,
            policies=tuple(sorted(set(entry.granting.get(bit, ())))),
            limit=limit,
            list_filter_path=entry.filter_path if listing else "",
            mfa_methods=tuple(entry.mfa or ()),
            control_group=entry.control_group,
        )
