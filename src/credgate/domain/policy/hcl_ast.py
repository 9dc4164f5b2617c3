"""The syntax tree shared by the HCL and JSON readers (a mirror of hashicorp/hcl v1's ``ast``).

Only what the policy decoder needs: object lists of items with one or more keys, object
values, lists and literals, each with the line and column where it starts (1-based; the
column counts characters, like the Go scanner).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Token types (names as in hcl/token so that error messages read the same).
EOF = "EOF"
ILLEGAL = "ILLEGAL"
COMMENT = "COMMENT"
IDENT = "IDENT"
NUMBER = "NUMBER"
FLOAT = "FLOAT"
BOOL = "BOOL"
STRING = "STRING"
HEREDOC = "HEREDOC"
NULL = "NULL"
LBRACK = "LBRACK"
LBRACE = "LBRACE"
COMMA = "COMMA"
PERIOD = "PERIOD"
COLON = "COLON"
RBRACK = "RBRACK"
RBRACE = "RBRACE"
ASSIGN = "ASSIGN"
ADD = "ADD"
SUB = "SUB"


@dataclass(slots=True)
class Token:
    """One lexical token; ``value`` is the decoded string for STRING/HEREDOC/IDENT."""

    type: str
    text: str
    line: int
    column: int
    value: str = ""


@dataclass(slots=True)
class Literal:
    token: Token

    @property
    def pos(self) -> tuple[int, int]:
        return (self.token.line, self.token.column)


@dataclass(slots=True)
class ListNode:
    items: list[Node]
    line: int
    column: int

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.column)


@dataclass(slots=True)
class Item:
    """``key key ... = value`` or ``key key ... { ... }``; ``keys`` are STRING or IDENT tokens."""

    keys: list[Token]
    val: Node
    assign_line: int = 0

    @property
    def pos(self) -> tuple[int, int]:
        if self.keys:
            return (self.keys[0].line, self.keys[0].column)
        return self.val.pos


@dataclass(slots=True)
class ObjectList:
    items: list[Item] = field(default_factory=list)
    line: int = 1
    column: int = 1

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.column)

    def filter(self, key: str) -> ObjectList:
        """Items whose first key is ``key``, with that key removed (``ObjectList.Filter``)."""
        out = ObjectList(line=self.line, column=self.column)
        for item in self.items:
            if item.keys and _equal_fold(item.keys[0].value, key):
                out.items.append(Item(item.keys[1:], item.val, item.assign_line))
        return out


def _equal_fold(a: str, b: str) -> bool:
    return a == b or a.casefold() == b.casefold()


@dataclass(slots=True)
class ObjectNode:
    list: ObjectList
    line: int
    column: int

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.column)


Node = Literal | ListNode | ObjectNode | ObjectList | Item
