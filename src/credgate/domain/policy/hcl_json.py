"""JSON policies, read the way hashicorp/hcl v1's ``json/parser`` reads them.

Ported quirks (all observed on OpenBao 2.7): only the root object is read and anything after
it is ignored; commas between items and list elements are optional and trailing commas
pass; an error that stops on a ``}`` is swallowed (``{"a": }`` is an empty object);
``true``/``false`` inside lists are dropped; ``null`` is an empty string; numbers cannot
start with ``0``; nested objects whose members are all objects are flattened into items
with several keys, exactly like HCL's ``path "x" { ... }`` blocks.
"""

from __future__ import annotations

from credgate.domain.policy import hcl_ast as ast
from credgate.domain.policy.hcl_scan import Scanner, go_is_digit, go_is_letter, unquote
from credgate.errors import PolicyParseError

_EOF = ""


class _JsonScanner(Scanner):
    def scan(self) -> ast.Token:
        ch = self.next()
        while ch in (" ", "\t", "\n", "\r"):
            ch = self.next()
        start = self.i - self.last_char_len
        if self.col > 0:
            line, col = self.line, self.col
        else:
            line, col = self.line - 1, self.last_line_len
        if go_is_letter(ch):
            c = self.next()
            while go_is_letter(c) or go_is_digit(c) or c == "-":
                c = self.next()
            if c != _EOF:
                self.unread()
            word = self.src[start : self.i]
            if word in ("true", "false"):
                kind = ast.BOOL
            elif word == "null":
                kind = ast.NULL
            else:
                raise self.error("illegal char")
        elif "0" <= ch <= "9":
            kind = self._scan_json_number(ch)
        elif ch == _EOF:
            kind = ast.EOF
        elif ch == '"':
            kind = ast.STRING
            self._scan_json_string()
        elif ch == ".":
            kind = ast.PERIOD
            nxt = self.peek()
            if "0" <= nxt <= "9":
                kind = ast.FLOAT
                self._scan_exponent(self._scan_mantissa(nxt))
        elif ch in _PUNCT:
            kind = _PUNCT[ch]
        elif ch == "-" and "0" <= self.peek() <= "9":
            kind = self._scan_json_number(self.next())
        else:
            raise self.error("illegal char" if ch == "-" else f"illegal char: {ch}")
        text = self.src[start : self.i]
        tok = ast.Token(kind, text, line, col)
        if kind == ast.STRING:
            tok.value = unquote(text, line=line, column=col, json=True)
        elif kind == ast.NULL:
            tok.type, tok.text, tok.value = ast.STRING, "", ""
        return tok

    def _scan_json_number(self, ch: str) -> str:
        zero = ch == "0"
        pos = (self.line, self.col, self.i)
        self._scan_mantissa(ch)
        ch = self.next()
        if ch in ("e", "E"):
            self._scan_exponent(ch)
            return ast.FLOAT
        if ch == ".":
            ch = self._scan_fraction(ch)
            if ch in ("e", "E"):
                self._scan_exponent(self.next())
            return ast.FLOAT
        if ch != _EOF:
            self.unread()
        if zero and pos != (self.line, self.col, self.i):
            raise self.error("numbers cannot start with 0")
        return ast.NUMBER

    def _scan_json_string(self) -> None:
        braces = 0
        while True:
            ch = self.next()
            if ch in ("\n", _EOF):
                raise self.error("literal not terminated")
            if ch == '"':
                return
            if braces == 0 and ch == "$" and self.peek() == "{":
                braces += 1
                self.next()
            elif braces > 0 and ch == "{":
                braces += 1
            if braces > 0 and ch == "}":
                braces -= 1
            if ch == "\\":
                self._scan_escape()


_PUNCT = {
    "[": ast.LBRACK,
    "]": ast.RBRACK,
    "{": ast.LBRACE,
    "}": ast.RBRACE,
    ",": ast.COMMA,
    ":": ast.COLON,
}


class _Eof(Exception):
    """``errEofToken``."""


class _SyntaxError(PolicyParseError):
    """A parser (not scanner) error: these are the ones an enclosing object may swallow."""


class _JsonParser:
    def __init__(self, src: str) -> None:
        self.sc = _JsonScanner(src)
        self.tok = ast.Token(ast.EOF, "", 1, 0)

    def scan(self) -> ast.Token:
        self.tok = self.sc.scan()
        return self.tok

    def fail(self, msg: str) -> _SyntaxError:
        return _SyntaxError(msg, line=self.tok.line, column=self.tok.column)

    def parse(self) -> ast.ObjectList:
        tok = self.scan()
        if tok.type != ast.LBRACE:
            raise self.fail(f"Expected object, got unknown token: {tok.type}")
        return self.object_type().list

    def object_list(self) -> tuple[ast.ObjectList, _SyntaxError | None]:
        """The items read, and the syntax error that stopped the list (if any)."""
        node = ast.ObjectList(line=self.tok.line, column=self.tok.column)
        while True:
            try:
                item = self.object_item()
            except _Eof:
                break
            except _SyntaxError as exc:
                return node, exc
            node.items.append(item)
            if self.scan().type != ast.COMMA:
                break
        return node, None

    def object_item(self) -> ast.Item:
        keys: list[ast.Token] = []
        while True:
            tok = self.scan()
            if tok.type == ast.EOF:
                raise _Eof
            if tok.type == ast.STRING:
                keys.append(tok)
            elif tok.type == ast.COLON and keys:
                break
            else:
                raise self.fail(f"expected: STRING got: {tok.type}")
        colon_line = self.tok.line
        return ast.Item(keys, self.object_value(), colon_line)

    def object_value(self) -> ast.Node:
        tok = self.scan()
        if tok.type in (ast.NUMBER, ast.FLOAT, ast.BOOL, ast.STRING):
            return ast.Literal(tok)
        if tok.type == ast.LBRACE:
            return self.object_type()
        if tok.type == ast.LBRACK:
            return self.list_type()
        if tok.type == ast.EOF:
            raise _Eof
        raise self.fail(f"Expected object value, got unknown token: {tok.type}")

    def object_type(self) -> ast.ObjectNode:
        line, column = self.tok.line, self.tok.column
        items, err = self.object_list()
        # The v1 JSON parser only reports an error that did not stop on a '}', and does
        # not check that the object was closed at all.
        if err is not None and self.tok.type != ast.RBRACE:
            raise err
        return ast.ObjectNode(items, line, column)

    def list_type(self) -> ast.ListNode:
        node = ast.ListNode([], self.tok.line, self.tok.column)
        while True:
            tok = self.scan()
            if tok.type in (ast.NUMBER, ast.FLOAT, ast.STRING):
                node.items.append(ast.Literal(tok))
            elif tok.type == ast.LBRACE:
                node.items.append(self.object_type())
            elif tok.type in (ast.COMMA, ast.BOOL, ast.LBRACK):
                continue
            elif tok.type == ast.RBRACK:
                return node
            else:
                raise self.fail(f"unexpected token while parsing list: {tok.type}")


def parse_json(src: str) -> ast.ObjectList:
    root = _JsonParser(src).parse()
    _walk(root)
    return root


def _walk(node: ast.Node) -> None:
    """``ast.Walk`` with ``flattenObjects`` before and after visiting the children."""
    if isinstance(node, ast.ObjectList):
        _flatten(node)
        for item in node.items:
            _walk(item.val)
        _flatten(node)
    elif isinstance(node, ast.ObjectNode):
        _walk(node.list)
    elif isinstance(node, ast.ListNode):
        for elem in node.items:
            _walk(elem)


def _flatten(lst: ast.ObjectList) -> None:
    items: list[ast.Item] = []
    frontier = list(lst.items)
    while frontier:
        item = frontier.pop()
        val = item.val
        if isinstance(val, ast.ObjectNode):
            subs = val.list.items
            if not subs or not all(isinstance(s.val, ast.ObjectNode) for s in subs):
                items.append(item)
                continue
            for sub in subs:
                frontier.append(ast.Item(item.keys + sub.keys, sub.val, item.assign_line))
        elif isinstance(val, ast.ListNode):
            elems = val.items
            if not elems or not all(isinstance(e, ast.ObjectNode) for e in elems):
                items.append(item)
                continue
            for elem in elems:
                frontier.append(ast.Item(item.keys, elem, item.assign_line))
        else:
            items.append(item)
    items.reverse()
    lst.items = items
