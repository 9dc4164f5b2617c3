"""The assignment rule: a value assigned to a credential-named key.

Code, YAML, JSON, ``.env``, INI, XML, Terraform, Kubernetes ``env`` lists, CLI flags and prose
(``my password is ...``). The key decides what the value must look like: a password may be any
literal that is not a stand-in, an API key, token or secret must look like key material. The
fast path starts from Hyperscan's start of the identifier around a keyword; the exhaustive
engine searches the whole pattern (the two are tested to agree).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from credgate.guard.findings import Finding
from credgate.guard.key_names import KeyKind, classify_key
from credgate.guard.rule import Rule
from credgate.guard.value_checks import (
    character_classes,
    is_code_identifier,
    is_concatenation,
    is_documented_example,
    is_file_path,
    is_placeholder,
    is_reference,
    is_uuid,
    looks_random,
    shannon_entropy,
)

__all__ = ["ASSIGNMENT_RULE", "password_like"]

_KEYWORDS = r"pass|pwd|secret|token|key|auth|credential|bearer"
_KEY = (
    r"(?<![A-Za-z0-9_.\-])(?P<open>[\"'`]?)"
    rf"(?P<key>[A-Za-z0-9_.\-]{{0,60}}?(?i:{_KEYWORDS})[A-Za-z0-9_.\-]{{0,60}})"
    r"(?(open)(?P=open))\]?"
)


def _separator(call_style: str) -> str:
    return (
        r"(?P<sep>"
        r"[ \t]*\r?\n[ \t]*(?:-[ \t]*)?value[ \t]*:[ \t]*"  # Kubernetes env: name: X / value: Y
        r"|[ \t]*,[ \t]*[\"']value[\"'][ \t]*:[ \t]*"  # ECS/JSON: "name": "X", "value": "Y"
        r"|[ \t]+value[ \t]*=[ \t]*"  # .NET appSettings: key="X" value="Y"
        r"|[ \t]*\{[^{}]{0,200}?\bdefault[ \t]*=[ \t]*"  # Terraform variable default
        r"|[ \t]*:[ \t]*[&*]?(?:'static[ \t]+)?[A-Za-z_][\w.:]*(?:[<\[][\w., |]*[>\]])?"
        r"(?:[ \t]*\|[ \t]*None)?[ \t]+=[ \t]*"  # typed: x: str = / API_KEY: &str =
        r"|[ \t]+(?:string|String|str)[ \t]*=[ \t]*"  # Go: var password string = "..."
        r"|[ \t]*(?::=|\?=|\+=|=>|==|!=|=|:|->)[ \t]*"
        rf"|{call_style}"  # after a quoted key: f("PASSWORD", "...")
        r"|[ \t]+(?:for[ \t]+[\w .\-]{1,40}?[ \t]+)?(?:is|was|are)[ \t]*:?[ \t]+"
        r"|>"  # XML element: <password>...</password>
        r"|[ \t]+"
        r")"
    )


_VALUE = (
    r"(?:\"(?P<dq>(?:[^\"\\\r\n]|\\.){1,400})\"|'(?P<sq>[^'\r\n]{1,400})'|`(?P<bq>[^`\r\n]{1,400})`"
    r"|(?P<uv>[^\s\"'`,;<>(){}\[\]]{1,400}))"
)
# The whole assignment, searched by the exhaustive engine (the reference in tests)...
_ASSIGNMENT = _KEY + _separator(r"(?(open)[ \t]*,[ \t]*|(?!))") + _VALUE
# ...and what follows a key already located from a Hyperscan hit (the fast path).
_AFTER_KEY = re.compile(_separator(r"(?!)") + _VALUE)
_AFTER_QUOTED_KEY = re.compile(_separator(r"[ \t]*,[ \t]*") + _VALUE)
_IDENTIFIER_CHARS = re.compile(r"[A-Za-z0-9_.\-]+")
_IDENTIFIER_CHAR = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_QUOTES = ('"', "'", "`")


class _Assignment(NamedTuple):
    """A ``key <separator> value`` candidate, however it was matched."""

    text: str
    key_start: int
    key: str
    sep: str
    value_start: int
    value_end: int
    quoted: bool
    end: int  # end of the matched value, quotes included


def _assignment(match: re.Match[str], key: str, key_start: int) -> _Assignment:
    """The candidate described by a match of the separator-and-value part. An unquoted value
    ends at ``&`` only in a query string (``?user=x&password=y``): elsewhere ``&`` belongs to
    the password."""
    text = match.string
    for group in ("dq", "sq", "bq"):
        if match.group(group) is not None:
            start, end = match.span(group)
            return _Assignment(
                text, key_start, key, match.group("sep"), start, end, True, match.end()
            )
    start, end = match.span("uv")
    if text[key_start - 1 : key_start] in ("?", "&"):
        amp = text.find("&", start, end)
        if amp != -1:
            end = amp
    return _Assignment(text, key_start, key, match.group("sep"), start, end, False, match.end())


def _from_full_match(match: re.Match[str]) -> _Assignment:
    return _assignment(match, match.group("key"), match.start("key"))


def _judge(a: _Assignment, kind: KeyKind | None) -> str | None:
    """The finding type when ``a`` assigns a credential of ``kind`` (from its key), else None."""
    if kind is None:
        return None
    value, quoted, text = a.text[a.value_start : a.value_end], a.quoted, a.text
    if len(value) > 256:
        return None  # longer credentials have a format of their own (PEM, JWT, provider)
    sep = a.sep.strip()
    if sep in ("==", "!=") and not quoted:
        return None
    # Cheap shape checks first: most candidates fail here.
    prose = a.sep != ">" and sep in ("", "is", "was", "are", "is:", "was:", "are:")
    if kind == "password":
        if not password_like(value, quoted=quoted, prose=prose):
            return None
    elif not (is_uuid(value) or looks_random(value, min_length=16)):
        return None
    if sep == ">" and not (
        text[a.key_start - 1 : a.key_start] == "<" and text.startswith("</", a.end)
    ):
        return None  # ">" separates only an XML element name from its text
    if is_placeholder(value) or is_documented_example(value) or is_reference(value, quoted=quoted):
        return None
    if is_concatenation(value):
        return None  # "password=" + pw + "...": the value is a variable
    if value.lower() == a.key.lower() or "://" in value:
        return None
    if is_file_path(value):
        return None  # where the secret is kept, not the secret
    if not quoted:
        if text[a.end : a.end + 1] in ("(", "["):
            return None  # a call or a subscript
        if _ARGUMENT_FOLLOWS.match(text, a.end):
            return None  # a command with arguments: $password = ConvertTo-SecureString "..."
        if is_code_identifier(value) and (
            _CREDENTIAL_WORD.search(value) is not None or value.isupper()
        ):
            return None  # a variable named like a credential holds it, it is not it
    return kind


def _accept_assignment(match: re.Match[str]) -> bool:
    candidate = _from_full_match(match)
    return _judge(candidate, classify_key(candidate.key)) is not None


_CREDENTIAL_WORD = re.compile(r"(?i)pass|pwd|secret|token|key|auth|cred")
_ARGUMENT_FOLLOWS = re.compile(r"[ \t]+[\"'(\-$]")
_WHITESPACE = re.compile(r"\s")
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LETTER = re.compile(r"[\W\d_]")


def _mixed_case_random(value: str) -> bool:
    upper = sum(c.isupper() for c in value)
    return value.isalpha() and 3 <= upper <= len(value) - 3 and shannon_entropy(value) >= 3.3


def password_like(value: str, *, quoted: bool, prose: bool) -> bool:
    if len(value) < 6 or len(value) > 200:
        return False
    if _WHITESPACE.search(value):
        return False  # a sentence, not a password
    has_letter = _LETTER.search(value) is not None
    has_other = _NOT_LETTER.search(value) is not None
    if prose or not quoted:
        if has_letter and has_other and character_classes(value) >= 2:
            return True
        # Letters only, both cases, long and varied: base64 of a password (Kubernetes data).
        return not prose and len(value) >= 12 and _mixed_case_random(value)
    return has_letter or looks_random(value, min_length=8) or value.isdigit()


def _assignment_span(match: re.Match[str]) -> tuple[int, int]:
    a = _from_full_match(match)
    return a.value_start, a.value_end


def _assignment_type(match: re.Match[str]) -> str:
    return classify_key(match.group("key")) or "secret"


class _AssignmentRule(Rule):
    """Matched where a key starts rather than searched: Hyperscan reports the leftmost start
    of the identifier around a keyword; the key is classified first (cached, cheap) and only a
    credential-named key has its separator and value matched."""

    def find_hits(self, text: str, hits: list[tuple[int, int]]) -> Iterator[Finding]:
        tried: set[int] = set()
        for start, _ in hits:
            if start in tried or (start > 0 and text[start - 1] in _IDENTIFIER_CHAR):
                continue  # seen, or the middle of an identifier longer than the anchor
            tried.add(start)
            ident = _IDENTIFIER_CHARS.match(text, start)
            if ident is None or ident.end() - start > 130:
                continue
            key = ident.group()
            kind = classify_key(key)
            if kind is None:
                continue
            pos = ident.end()
            quote = text[start - 1] if start > 0 and text[start - 1] in _QUOTES else ""
            if quote and text.startswith(quote, pos):
                pos += 1
            else:
                quote = ""
            if text.startswith("]", pos):
                pos += 1
            match = (_AFTER_QUOTED_KEY if quote else _AFTER_KEY).match(text, pos)
            if match is None:
                continue
            candidate = _assignment(match, key, start)
            found = _judge(candidate, kind)
            if found is not None:
                yield Finding(
                    candidate.value_start, candidate.value_end, found, self.name, self.priority
                )


ASSIGNMENT_RULE = _AssignmentRule(
    name="generic.assignment",
    type="secret",
    pattern=re.compile(_ASSIGNMENT),
    anchors=(rf"[A-Za-z0-9_.\-]{{0,60}}(?:{_KEYWORDS})",),
    before=72,
    after=700,
    priority=40,
    caseless_anchors=True,
    anchor_start=True,
    accept=_accept_assignment,
    type_of=_assignment_type,
    span_of=_assignment_span,
)
