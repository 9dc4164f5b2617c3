"""HCL v1 and JSON policy text to a syntax tree (ports of hashicorp/hcl v1 parsers).

Why hand-written: the domain layer is standard-library only, and the one maintained Python
HCL v1 reader (pyhcl 0.4.5) turns the text into plain dicts, so it loses what OpenBao's
decoder depends on: repeated ``path "x"`` blocks stay separate items, repeated keys append,
``path "a" "b" {}`` keeps both labels, values keep their token type (``09`` is a valid string
but not a valid integer), and it accepts or rejects a different set of texts than
hashicorp/hcl (which OpenBao uses, in HashiCorp's ``v1.0.1-vault`` fork). This module follows
that fork's parser token by token, including JSON mode: a text whose first non-blank
character is ``{`` is read as JSON, where trailing text after the root object is ignored,
trailing commas pass and nested objects are "flattened" into multi-key items.
"""

from __future__ import annotations

from credgate.domain.policy import hcl_ast as ast
from credgate.domain.policy.hcl_json import parse_json
from credgate.domain.policy.hcl_scan import Scanner
from credgate.errors import PolicyParseError

# Go's unicode.IsSpace (strings.TrimSpace), used to decide whether the text is JSON.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def parse_text(src: str) -> ast.ObjectList:
    """Parse policy text (HCL, or JSON when it starts with ``{``) into the root object list."""
    if src.strip(_GO_SPACE).startswith("{"):
        return parse_json(src)
    return _Parser(src).parse()


class _EofError(Exception):
    """``errEofToken``: the input ended where an item could start."""


class _Parser:
    def __init__(self, src: str) -> None:
        self.sc = Scanner(src)
        self.tok = ast.Token(ast.EOF, "", 1, 0)
        self.buffered = False

    def scan(self) -> ast.Token:
        if self.buffered:
            self.buffered = False
            return self.tok
        tok = self.sc.scan()
        while tok.type == ast.COMMENT:
            tok = self.sc.scan()
        self.tok = tok
        return tok

    def unscan(self) -> None:
        self.buffered = True

    def fail(self, msg: str, tok: ast.Token | None = None) -> PolicyParseError:
        tok = tok or self.tok
        return PolicyParseError(msg, line=tok.line, column=tok.column)

    def parse(self) -> ast.ObjectList:
        return self.object_list(in_object=False)

    def object_list(self, *, in_object: bool) -> ast.ObjectList:
        node = ast.ObjectList()
        while True:
            if in_object:
                tok = self.scan()
                self.unscan()
                if tok.type == ast.RBRACE:
                    break
            try:
                item = self.object_item()
            except _EofError:
                break
            node.items.append(item)
            if self.scan().type != ast.COMMA:
                self.unscan()
        return node

    def object_item(self) -> ast.Item:
        keys, at_eof = self.object_key()
        if at_eof and not keys:
            raise _EofError
        if self.tok.type == ast.ASSIGN:
            assign_line = self.tok.line
            val = self.object()
        elif self.tok.type == ast.LBRACE:
            assign_line = self.tok.line
            val = self.object_type()
        else:
            names = " ".join(k.text for k in keys)
            raise self.fail(f"key '{names}' expected start of object ('{{') or assignment ('=')")
        self.scan()
        self.unscan()
        return ast.Item(keys, val, assign_line)

    def object_key(self) -> tuple[list[ast.Token], bool]:
        keys: list[ast.Token] = []
        while True:
            tok = self.scan()
            if tok.type == ast.EOF:
                return keys, True
            if tok.type == ast.ASSIGN:
                if len(keys) > 1:
                    raise self.fail("nested object expected: LBRACE got: ASSIGN")
                if not keys:
                    raise self.fail("no object keys found!")
                return keys, False
            if tok.type == ast.LBRACE:
                if not keys:
                    raise self.fail("expected: IDENT | STRING got: LBRACE")
                return keys, False
            if tok.type in (ast.IDENT, ast.STRING):
                keys.append(tok)
                continue
            if keys and tok.type == ast.RBRACE:
                names = " ".join(k.text for k in keys)
                raise self.fail(
                    f"key '{names}' expected start of object ('{{') or assignment ('=')"
                )
            raise self.fail(f"expected: IDENT | STRING | ASSIGN | LBRACE got: {tok.type}")

    def object(self) -> ast.Node:
        tok = self.scan()
        if tok.type in (ast.NUMBER, ast.FLOAT, ast.BOOL, ast.STRING, ast.HEREDOC):
            return ast.Literal(tok)
        if tok.type == ast.LBRACE:
            return self.object_type()
        if tok.type == ast.LBRACK:
            return self.list_type()
        if tok.type == ast.EOF:
            # errEofToken: the enclosing list stops here, so a dangling top-level
            # ``key =`` at the very end is dropped (OpenBao accepts it).
            raise _EofError
        raise self.fail(f"Unknown token: {tok.type} {tok.text}")

    def object_type(self) -> ast.ObjectNode:
        lbrace = self.tok
        items = self.object_list(in_object=True)
        tok = self.scan()
        if tok.type != ast.RBRACE:
            raise self.fail(f"object expected closing RBRACE got: {tok.type}")
        items.line, items.column = lbrace.line, lbrace.column
        return ast.ObjectNode(items, lbrace.line, lbrace.column)

    def list_type(self) -> ast.ListNode:
        lbrack = self.tok
        node = ast.ListNode([], lbrack.line, lbrack.column)
        need_comma = False
        while True:
            tok = self.scan()
            if need_comma and tok.type not in (ast.COMMA, ast.RBRACK):
                raise self.fail(f"error parsing list, expected comma or list end, got: {tok.type}")
            if tok.type in (ast.BOOL, ast.NUMBER, ast.FLOAT, ast.STRING, ast.HEREDOC):
                node.items.append(ast.Literal(tok))
                need_comma = True
            elif tok.type == ast.COMMA:
                self.scan()
                self.unscan()
                need_comma = False
            elif tok.type == ast.LBRACE:
                node.items.append(self.object_type())
                need_comma = True
            elif tok.type == ast.LBRACK:
                node.items.append(self.list_type())
            elif tok.type == ast.RBRACK:
                return node
            else:
                raise self.fail(f"unexpected token while parsing list: {tok.type}")
