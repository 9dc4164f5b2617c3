"""Decode HCL syntax trees into values the way hashicorp/hcl v1's ``DecodeObject`` does.

OpenBao decodes each ``path`` block into a Go struct with reflection. What is accepted, and
what a value becomes, depends on the Go type of the target field, so this module mirrors the
decoder for the few types the policy structs use: ``string`` (numbers are kept as their
text), ``int`` (``strconv.ParseInt`` base 0), ``[]string``, ``map[string][]any`` and
``any`` (interface). Repeated keys append to slices and merge into maps, like the original.

Values of ``any`` fields become: ``int``, ``float``, ``bool``, ``str``, ``list`` (a Go
``[]interface{}``), ``dict`` (``map[string]interface{}``) or :class:`MapList`
(``[]map[string]interface{}``, what an object becomes when it is not directly in a list).
"""

from __future__ import annotations

from dataclasses import dataclass

from credgate.domain.policy import hcl_ast as ast
from credgate.domain.policy.goconv import parse_float, parse_int
from credgate.errors import PolicyParseError


class MapList(list):  # type: ignore[type-arg]
    """A Go ``[]map[string]interface{}``; never equal to anything a request can send."""


@dataclass(frozen=True)
class Kind:
    """A Go target type: string/int/float/bool/any, or slice/map of ``elem``."""

    name: str
    elem: Kind | None = None


STRING = Kind("string")
INT = Kind("int")
FLOAT = Kind("float")
BOOL = Kind("bool")
ANY = Kind("any")
STRINGS = Kind("slice", STRING)
ANYS = Kind("slice", ANY)
ANY_MAP = Kind("map", ANY)
PARAM_MAP = Kind("map", ANYS)
MAPS = Kind("slice", ANY_MAP)


def _fail(node: ast.Node, msg: str) -> PolicyParseError:
    line, column = node.pos
    return PolicyParseError(msg, line=line, column=column)


def _dynamic_kind(value: object) -> Kind:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, MapList):
        return MAPS
    if isinstance(value, list):
        return ANYS
    return ANY_MAP


class Decoder:
    """One decoding run; ``stack`` holds the kinds being decoded (as Go's decoder does)."""

    def __init__(self) -> None:
        self.stack: list[str] = ["struct"]

    def decode(self, name: str, node: ast.Node, kind: Kind, cur: object = None) -> object:
        k = kind
        if kind is ANY and cur is not None:
            k = _dynamic_kind(cur)
        if k is not ANY:
            self.stack.append(k.name)
        try:
            if k is ANY:
                return self._interface(name, node)
            if k.name == "string":
                return self._string(name, node)
            if k.name == "int":
                return self._int(name, node)
            if k.name == "float":
                return self._float(name, node)
            if k.name == "bool":
                return self._bool(name, node)
            if k.name == "slice":
                return self._slice(name, node, k, cur)
            return self._map(name, node, k, cur)
        finally:
            if k is not ANY:
                self.stack.pop()

    def _literal(self, node: ast.Node) -> ast.Token | None:
        return node.token if isinstance(node, ast.Literal) else None

    def _string(self, name: str, node: ast.Node) -> str:
        tok = self._literal(node)
        if tok is not None and tok.type == ast.NUMBER:
            return tok.text
        if tok is not None and tok.type in (ast.STRING, ast.HEREDOC):
            return tok.value
        raise _fail(node, f"{name}: expected a string")

    def _int(self, name: str, node: ast.Node) -> int:
        tok = self._literal(node)
        try:
            if tok is not None and tok.type == ast.NUMBER:
                return parse_int(tok.text, 0)
            if tok is not None and tok.type == ast.STRING:
                return parse_int(tok.value, 0)
        except ValueError as exc:
            raise _fail(node, f"{name}: not an integer ({exc})") from None
        raise _fail(node, f"{name}: expected an integer")

    def _float(self, name: str, node: ast.Node) -> float:
        tok = self._literal(node)
        if tok is not None and tok.type in (ast.FLOAT, ast.NUMBER):
            try:
                return parse_float(tok.text)
            except ValueError as exc:
                raise _fail(node, f"{name}: not a number ({exc})") from None
        raise _fail(node, f"{name}: expected a number")

    def _bool(self, name: str, node: ast.Node) -> bool:
        tok = self._literal(node)
        if tok is not None and tok.type == ast.BOOL:
            return tok.text == "true"
        raise _fail(node, f"{name}: expected true or false")

    def _interface(self, name: str, node: ast.Node) -> object:
        test: ast.Node = node.list if isinstance(node, ast.ObjectNode) else node
        if isinstance(test, ast.ObjectList):
            if self.stack[-1] == "slice":
                return self.decode(name, node, ANY_MAP, {})
            return self.decode(name, node, MAPS, MapList())
        if isinstance(test, ast.ListNode):
            return self.decode(name, node, ANYS, [])
        tok = self._literal(test)
        if tok is not None:
            zero = {ast.BOOL: False, ast.FLOAT: 0.0, ast.NUMBER: 0, ast.STRING: "", ast.HEREDOC: ""}
            if tok.type in zero:
                return self.decode(name, node, ANY, zero[tok.type])
        raise _fail(node, f"{name}: cannot decode into interface")

    def _slice(self, name: str, node: ast.Node, kind: Kind, cur: object) -> list[object]:
        items: list[ast.Node]
        if isinstance(node, ast.ObjectList):
            items = list(node.items)
        elif isinstance(node, ast.ObjectNode):
            items = [node]
        elif isinstance(node, ast.ListNode):
            items = node.items
        else:
            raise _fail(node, f"{name}: expected a list")
        result: list[object] = cur if isinstance(cur, list) else MapList() if kind is MAPS else []
        elem = kind.elem or ANY
        for i, item in enumerate(items):
            result.append(self.decode(f"{name}[{i}]", item, elem))
        return result

    def _map(self, name: str, node: ast.Node, kind: Kind, cur: object) -> dict[str, object]:
        if isinstance(node, ast.Item):
            node = ast.ObjectList([node], *node.pos)
        if isinstance(node, ast.ObjectNode):
            node = node.list
        if not isinstance(node, ast.ObjectList):
            raise _fail(node, f"{name}: expected an object")
        result: dict[str, object] = cur if isinstance(cur, dict) else {}
        done: set[str] = set()
        elem = kind.elem or ANY
        for item in node.items:
            if not item.keys:
                raise _fail(node, f"{name}: map must have string keys")
            key = item.keys[0].value
            if key in done:
                continue
            val: ast.Node = item.val
            if len(item.keys) > 1:
                val = node.filter(key)
                done.add(key)
            result[key] = self.decode(f"{name}.{key}", val, elem, result.get(key))
        return result


def decode_struct(
    node: ast.Node, fields: tuple[tuple[str, Kind], ...], what: str = "root"
) -> dict[str, object]:
    """Decode ``node`` into the named fields (in the struct's field order), like ``decodeStruct``.

    Returns only the fields that were present. Field names are matched against first keys;
    items with further keys decode as one object list, bare items one by one.
    """
    if isinstance(node, ast.ObjectNode):
        node = node.list
    if not isinstance(node, ast.ObjectList):
        raise _fail(node, f"{what}: not an object")
    decoder = Decoder()
    out: dict[str, object] = {}
    for field_name, kind in fields:
        matched = node.filter(field_name)
        with_keys = [i for i in matched.items if i.keys]
        bare = [i for i in matched.items if not i.keys]
        if not with_keys and not bare:
            continue
        cur: object = None
        label = f"{what}.{field_name}"
        if with_keys:
            cur = decoder.decode(label, ast.ObjectList(with_keys, *with_keys[0].pos), kind, cur)
        for item in bare:
            val: ast.Node = item.val
            if isinstance(val, ast.ObjectNode):
                val = ast.ObjectList(val.list.items, val.line, val.column)
            cur = decoder.decode(label, val, kind, cur)
        out[field_name] = cur
    return out
