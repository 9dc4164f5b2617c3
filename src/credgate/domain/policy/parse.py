"""Policy text to :class:`Policy`, applying OpenBao 2.7's acceptance rules in its order.

The steps, for the whole text: an empty text is refused; a text that is valid standard
base64 is replaced by what it decodes to; it is read as HCL v1 (or JSON when it starts with
``{``); only ``path`` and ``name`` may appear at the top (``name`` must be a string or number
and is otherwise ignored). Then for each ``path`` block, in file order:

1. ``{{...}}`` templating must be balanced; such a block is *templated* (kept, but it never
   matches anything for credgate tokens, which have no identity entity);
2. only the documented keys may appear (``capabilities``, ``policy``, the parameter maps,
   wrapping TTLs, ``mfa_methods``, ``pagination_limit``, ``expiration``,
   ``list_scan_response_keys_filter_path``, ``control_group``, ``comment``), then the block is
   decoded with hcl's typing rules (``capabilities`` must be a list of strings...);
3. ``expiration`` must be a time; given ``now``, an expired block is dropped before the
   remaining checks, exactly as OpenBao does when the policy is written;
4. one leading ``/`` is removed, the namespace is prepended, and ``+*`` is refused;
5. old-style ``policy`` expands (``deny`` replaces ``capabilities``); the capability list is
   read left to right and the first ``deny`` ends all further checks of the block;
6. wrapping TTLs must parse and ``max >= min``; ``list_scan_response_keys_filter_path``
   needs ``list`` and must use the key.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from credgate.domain.policy import hcl_ast as ast
from credgate.domain.policy.goconv import (
    go_lower,
    parse_absolute_time,
    parse_duration_second,
)
from credgate.domain.policy.hcl_decode import (
    ANY,
    BOOL,
    INT,
    PARAM_MAP,
    STRING,
    STRINGS,
    Kind,
    decode_struct,
)
from credgate.domain.policy.hcl_parse import parse_text
from credgate.domain.policy.rules import (
    CAPABILITY_BITS,
    DENY,
    LIST,
    OLD_STYLE,
    ControlGroup,
    ControlGroupFactor,
    Policy,
    Rule,
    RuleKind,
)
from credgate.errors import PolicyParseError

_PATH_KEYS = frozenset(
    {
        "comment",
        "policy",
        "capabilities",
        "allowed_parameters",
        "denied_parameters",
        "required_parameters",
        "min_wrapping_ttl",
        "max_wrapping_ttl",
        "mfa_methods",
        "pagination_limit",
        "expiration",
        "list_scan_response_keys_filter_path",
        "control_group",
    }
)
# PathRules' decodable fields, in the Go struct's order.
_PATH_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("policy", STRING),
    ("capabilities", STRINGS),
    ("expiration", STRING),
    ("min_wrapping_ttl", ANY),
    ("max_wrapping_ttl", ANY),
    ("allowed_parameters", PARAM_MAP),
    ("denied_parameters", PARAM_MAP),
    ("required_parameters", STRINGS),
    ("mfa_methods", STRINGS),
    ("pagination_limit", INT),
    ("list_scan_response_keys_filter_path", STRING),
)
_OPERATIONS = frozenset(
    {
        "create",
        "read",
        "update",
        "patch",
        "delete",
        "list",
        "scan",
        "help",
        "alias-lookahead",
        "resolve-role",
        "header",
        "revoke",
        "renew",
        "rollback",
    }
)
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_NS = 1_000_000_000


def canonical_namespace(namespace: str) -> str:
    """``""`` for the root namespace, else ``a/b/`` (no leading slash, one trailing slash)."""
    namespace = namespace.strip("/")
    return f"{namespace}/" if namespace else ""


def parse_policy(
    text: str,
    *,
    name: str = "",
    namespace: str = "",
    source: str | None = None,
    now: float | None = None,
) -> Policy:
    """Parse an ACL policy; raises :class:`PolicyParseError` for anything OpenBao refuses.

    ``namespace`` is the namespace the policy lives in; its rule paths are prefixed with it.
    ``now`` (Unix seconds) drops blocks whose ``expiration`` has passed before validating
    them further, as OpenBao does; without it every block is validated and kept.
    """
    try:
        return _parse(text, name, canonical_namespace(namespace), now)
    except PolicyParseError as exc:
        exc.source = source
        raise
    except RecursionError:
        # OpenBao's Go parser has no such limit, but nothing legitimate nests this deep.
        raise PolicyParseError(
            "the policy nests too deeply", source=source, hint="flatten nested lists and objects"
        ) from None


def _decode_base64(text: str) -> str | None:
    compact = text.replace("\r", "").replace("\n", "")
    if not _BASE64.fullmatch(compact):
        return None
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("utf-8", "surrogateescape")


def _parse(text: str, name: str, namespace: str, now: float | None) -> Policy:
    if text == "":
        raise PolicyParseError("the policy is empty", line=1, column=1)
    decoded = _decode_base64(text)
    if decoded is not None:
        text = decoded
    if any("\udc80" <= c <= "\udcff" for c in text):
        raise PolicyParseError("illegal UTF-8 encoding")
    root = parse_text(text)
    _check_keys(root, frozenset({"name", "path"}), "the top level")
    decode_struct(root, (("name", STRING),))
    rules: list[Rule] = []
    templated = False
    for item in root.filter("path").items:
        key = item.keys[0].value if item.keys else "path"
        rule = _parse_block(key, item, namespace, now)
        if rule is not None:
            templated = templated or rule.templated
            rules.append(rule)
    return Policy(
        name=name.strip().lower(),
        namespace=namespace,
        rules=tuple(rules),
        templated=templated,
        raw=text,
    )


def _fail(node: ast.Node, key: str, msg: str) -> PolicyParseError:
    line, column = node.pos
    return PolicyParseError(f'path "{key}": {msg}', line=line, column=column)


def _value_node(block: ast.Node, field_name: str, value: str) -> ast.Node | None:
    """The literal holding ``value`` under ``field_name`` in a block, to point errors at it."""
    lst = block.list if isinstance(block, ast.ObjectNode) else block
    if not isinstance(lst, ast.ObjectList):
        return None
    for item in lst.filter(field_name).items:
        nodes = item.val.items if isinstance(item.val, ast.ListNode) else [item.val]
        for node in nodes:
            if isinstance(node, ast.Literal) and value in (node.token.value, node.token.text):
                return node
    return None


def _object_list(node: ast.Node) -> ast.ObjectList:
    lst = node.list if isinstance(node, ast.ObjectNode) else node
    if not isinstance(lst, ast.ObjectList):
        line, column = node.pos
        raise PolicyParseError("a block { ... } was expected", line=line, column=column)
    return lst


def _check_keys(node: ast.Node, valid: frozenset[str], where: str) -> None:
    lst = node.list if isinstance(node, ast.ObjectNode) else node
    if not isinstance(lst, ast.ObjectList):
        line, column = node.pos
        raise PolicyParseError(f"{where} must be a block {{ ... }}", line=line, column=column)
    for item in lst.items:
        if item.keys and item.keys[0].value not in valid:
            k = item.keys[0]
            raise PolicyParseError(
                f"invalid key {k.value!r} in {where}", line=k.line, column=k.column
            )


def is_templated(path: str) -> bool:
    """Whether ``path`` uses ``{{...}}`` templating; raises ValueError when unbalanced."""
    pieces = path.split("{{")
    if "}}" in pieces[0]:
        raise ValueError("unbalanced templating characters")
    for piece in pieces[1:]:
        if len(piece.split("}}")) != 2:
            raise ValueError("unbalanced templating characters")
    return len(pieces) > 1


def _parse_block(key: str, item: ast.Item, namespace: str, now: float | None) -> Rule | None:
    try:
        templated = is_templated(key)
    except ValueError as exc:
        raise _fail(item, key, f"invalid templating: {exc}") from None
    _check_keys(item.val, _PATH_KEYS, f'path "{key}"')
    control_group = _control_group(key, item.val)
    fields = decode_struct(item.val, _PATH_FIELDS, f'path "{key}"')

    expiration_ns: int | None = None
    expiration = fields.get("expiration")
    if isinstance(expiration, str) and expiration:
        try:
            expiration_ns = parse_absolute_time(expiration)
        except ValueError:
            raise _fail(item, key, f"invalid expiration time {expiration!r}") from None
        if now is not None and int(now * _NS) > expiration_ns:
            return None

    pattern = key[1:] if key.startswith("/") else key
    pattern = namespace + pattern
    if "+*" in pattern:
        raise _fail(item, key, "invalid use of wildcards ('+*' is forbidden)")
    segment = pattern == "+" or "/+" in pattern or pattern.startswith("+/")
    if segment:
        kind, table_key = RuleKind.SEGMENT, pattern
    elif pattern.endswith("*"):
        kind, table_key = RuleKind.PREFIX, pattern[:-1]
    else:
        kind, table_key = RuleKind.EXACT, pattern

    names = [str(c) for c in _as_list(fields.get("capabilities"))]
    old = fields.get("policy")
    if isinstance(old, str) and old:
        if old == "deny":
            names = ["deny"]
        elif old in OLD_STYLE:
            names += OLD_STYLE[old]
        else:
            where = _value_node(item.val, "policy", old) or item
            raise _fail(where, key, f"invalid policy {old!r}")
    bits = 0
    for cap in names:
        if cap == "deny":
            return Rule(
                key,
                pattern,
                kind,
                table_key,
                DENY,
                expiration_ns=expiration_ns,
                templated=templated,
                line=item.pos[0],
            )
        if cap not in CAPABILITY_BITS:
            where = _value_node(item.val, "capabilities", cap) or item
            raise _fail(where, key, f"invalid capability {cap!r}")
        bits |= CAPABILITY_BITS[cap]

    ttls = []
    for field_name in ("min_wrapping_ttl", "max_wrapping_ttl"):
        try:
            ttls.append(parse_duration_second(fields.get(field_name)))
        except ValueError as exc:
            raise _fail(item, key, f"error parsing {field_name}: {exc}") from None
    min_ttl, max_ttl = ttls
    if min_ttl and max_ttl and max_ttl < min_ttl:
        raise _fail(item, key, "max_wrapping_ttl cannot be less than min_wrapping_ttl")
    filter_path = fields.get("list_scan_response_keys_filter_path")
    filter_path = filter_path if isinstance(filter_path, str) else ""
    if filter_path:
        if not bits & LIST:
            raise _fail(item, key, "list_scan_response_keys_filter_path needs the list capability")
        if not re.search(r"\{\{[^}]*\.key\b[^}]*\}\}", filter_path):
            raise _fail(item, key, "list_scan_response_keys_filter_path must use {{ .key }}")
    mfa = fields.get("mfa_methods")
    limit = fields.get("pagination_limit")
    return Rule(
        path=key,
        pattern=pattern,
        kind=kind,
        key=table_key,
        bits=bits,
        allowed_parameters=_params(fields.get("allowed_parameters")),
        denied_parameters=_params(fields.get("denied_parameters")),
        required_parameters=tuple(str(p) for p in _as_list(fields.get("required_parameters"))),
        min_wrapping_ttl_ns=min_ttl,
        max_wrapping_ttl_ns=max_ttl,
        mfa_methods=tuple(str(m) for m in mfa) if isinstance(mfa, list) else None,
        pagination_limit=limit if isinstance(limit, int) else 0,
        list_filter_path=filter_path,
        control_group=control_group,
        expiration_ns=expiration_ns,
        templated=templated,
        line=item.pos[0],
    )


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _params(value: object) -> Mapping[str, tuple[object, ...]] | None:
    if not isinstance(value, dict):
        return None
    out: dict[str, tuple[object, ...]] = {}
    for k, v in value.items():
        out[go_lower(k)] = tuple(_as_list(v))
    return out


_CG_FIELDS: tuple[tuple[str, Kind], ...] = (("ttl", ANY), ("self_auth_allowed", BOOL))
_FACTOR_FIELDS: tuple[tuple[str, Kind], ...] = (("controlled_capabilities", STRINGS),)
_IDENTITY_FIELDS: tuple[tuple[str, Kind], ...] = (("group_names", STRINGS), ("approvals", INT))


def _control_group(key: str, block: ast.Node) -> ControlGroup | None:
    """``control_group`` as OpenBao validates it (only the first ``factor`` block counts)."""
    found = _object_list(block).filter("control_group").items
    if not found:
        return None
    node = found[0].val
    _check_keys(node, frozenset({"ttl", "self_auth_allowed", "factor"}), "control_group")
    fields = decode_struct(node, _CG_FIELDS, "control_group")
    try:
        ttl = parse_duration_second(fields.get("ttl"))
    except ValueError as exc:
        raise _fail(node, key, f"control_group: invalid ttl: {exc}") from None
    cg_list = _object_list(node)
    factors: list[ControlGroupFactor] = []
    factor_items = cg_list.filter("factor").items
    if factor_items:
        item = factor_items[0]
        _check_keys(item.val, frozenset({"controlled_capabilities", "identity"}), "factor")
        if not item.keys:
            raise _fail(item, key, "control_group factor: require name key")
        caps = decode_struct(item.val, _FACTOR_FIELDS, "factor").get("controlled_capabilities")
        identity: dict[str, object] = {}
        for ident in _object_list(item.val).filter("identity").items:
            val: ast.Node = ident.val
            if ident.keys:
                val = ast.ObjectList([ident], *ident.pos)
            identity.update(decode_struct(val, _IDENTITY_FIELDS, "identity"))
        cap_names = tuple(str(c) for c in _as_list(caps))
        bad = [c for c in cap_names if c not in _OPERATIONS]
        if bad:
            raise _fail(item, key, f"control_group operation(s) not valid: {', '.join(bad)}")
        groups = tuple(str(g) for g in _as_list(identity.get("group_names")))
        approvals = identity.get("approvals")
        approvals = approvals if isinstance(approvals, int) else 0
        if not cap_names:
            raise _fail(item, key, "factor 0: missing controlled capabilities")
        if approvals <= 0:
            raise _fail(item, key, "factor 0: missing required approvals")
        if not groups:
            raise _fail(item, key, "factor 0: missing approving groups")
        factors.append(ControlGroupFactor(item.keys[0].value, cap_names, groups, approvals))
    if not factors:
        raise _fail(node, key, "control_group requires at least one factor")
    self_auth = fields.get("self_auth_allowed")
    return ControlGroup(ttl, self_auth is True, tuple(factors))
