"""The HCL v1 scanner, ported from hashicorp/hcl ``hcl/scanner`` and ``hcl/strconv``.

It is a faithful port rather than a fresh design: OpenBao accepts exactly what this scanner
accepts (numbers such as ``09`` or ``0x1F``, ``#``/``//``/``/* */`` comments, heredocs whose
end marker must be followed by a newline, ``${...}`` sections inside strings where quotes need
no escaping, octal/hex/unicode escapes), so the quirks are kept on purpose. Any scanner error
rejects the whole policy in OpenBao, so this port raises at the first one.
"""

from __future__ import annotations

import re

from credgate.domain.policy import hcl_ast as ast
from credgate.errors import PolicyParseError

_EOF = ""


def go_is_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_" or (ch >= "\x80" and ch.isalpha())


def go_is_digit(ch: str) -> bool:
    return ("0" <= ch <= "9") or (ch >= "\x80" and ch.isdecimal())


def _is_decimal(ch: str) -> bool:
    return "0" <= ch <= "9"


def _digit_val(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "a" <= ch <= "f":
        return ord(ch) - 87
    if "A" <= ch <= "F":
        return ord(ch) - 55
    return 16


class Scanner:
    """Turns policy text into tokens; positions are 1-based lines and character columns."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.i = 0
        self.line = 1
        self.col = 0
        self.prev = (1, 0, 0)
        self.last_char_len = 0
        self.last_line_len = 0

    # -- low level ---------------------------------------------------------------------------

    def error(self, msg: str) -> PolicyParseError:
        if self.col > 0:
            line, col = self.line, self.col
        elif self.last_line_len > 0:
            line, col = self.line - 1, self.last_line_len
        else:
            line, col = 1, 1
        return PolicyParseError(msg, line=line, column=col)

    def next(self) -> str:
        if self.i >= len(self.src):
            self.col += 1
            self.last_char_len = 0
            return _EOF
        ch = self.src[self.i]
        self.prev = (self.line, self.col, self.i)
        self.col += 1
        self.last_char_len = 1
        self.i += 1
        if ch == "\n":
            self.line += 1
            self.last_line_len = self.col
            self.col = 0
        elif ch == "\x00":
            raise self.error("unexpected null character (0x00)")
        elif ch == "\ue123":
            raise self.error("unicode code point U+E123 reserved for internal use")
        return ch

    def unread(self) -> None:
        self.line, self.col, self.i = self.prev

    def peek(self) -> str:
        return self.src[self.i] if self.i < len(self.src) else _EOF

    # -- tokens ------------------------------------------------------------------------------

    def scan(self) -> ast.Token:
        ch = self.next()
        while ch in (" ", "\t", "\n", "\r"):
            ch = self.next()
        start = self.i - self.last_char_len
        if self.col > 0:
            line, col = self.line, self.col
        else:
            line, col = self.line - 1, self.last_line_len
        kind = ast.ILLEGAL
        if go_is_letter(ch):
            kind = ast.IDENT
            self._scan_identifier()
            if self.src[start : self.i] in ("true", "false"):
                kind = ast.BOOL
        elif _is_decimal(ch):
            kind = self._scan_number(ch)
        elif ch == _EOF:
            kind = ast.EOF
        elif ch == '"':
            kind = ast.STRING
            self._scan_string()
        elif ch in ("#", "/"):
            kind = ast.COMMENT
            self._scan_comment(ch)
        elif ch == ".":
            kind = ast.PERIOD
            ch = self.peek()
            if _is_decimal(ch):
                kind = ast.FLOAT
                ch = self._scan_mantissa(ch)
                self._scan_exponent(ch)
        elif ch == "<":
            kind = ast.HEREDOC
            self._scan_heredoc()
        elif ch in _PUNCT:
            kind = _PUNCT[ch]
        elif ch == "+":
            kind = ast.ADD
        elif ch == "-":
            kind = self._scan_number(self.next()) if _is_decimal(self.peek()) else ast.SUB
        else:
            raise self.error("illegal char")
        text = self.src[start : self.i]
        tok = ast.Token(kind, text, line, col)
        if kind == ast.IDENT:
            tok.value = text
        elif kind == ast.STRING:
            tok.value = unquote(text, line=line, column=col)
        elif kind == ast.HEREDOC:
            tok.value = unindent_heredoc(text)
        return tok

    def _scan_identifier(self) -> None:
        ch = self.next()
        while go_is_letter(ch) or go_is_digit(ch) or ch in ("-", "."):
            ch = self.next()
        if ch != _EOF:
            self.unread()

    def _scan_comment(self, ch: str) -> None:
        if ch == "#" or (ch == "/" and self.peek() != "*"):
            if ch == "/" and self.peek() != "/":
                raise self.error("expected '/' for comment")
            ch = self.next()
            while ch not in ("\n", _EOF):
                ch = self.next()
            if ch != _EOF:
                self.unread()
            return
        if ch == "/":
            self.next()
            ch = self.next()
        while True:
            if ch == _EOF:
                raise self.error("comment not terminated")
            ch0 = ch
            ch = self.next()
            if ch0 == "*" and ch == "/":
                return

    def _scan_number(self, ch: str) -> str:
        if ch == "0":
            ch = self.next()
            if ch in ("x", "X"):
                ch = self.next()
                found = False
                while _digit_val(ch) < 16:
                    ch = self.next()
                    found = True
                if not found:
                    raise self.error("illegal hexadecimal number")
                if ch != _EOF:
                    self.unread()
                return ast.NUMBER
            illegal_octal = False
            while _is_decimal(ch):
                ch = self.next()
                if ch in ("8", "9"):
                    illegal_octal = True
            if ch in ("e", "E"):
                self._scan_exponent(ch)
                return ast.FLOAT
            if ch == ".":
                ch = self._scan_fraction(ch)
                if ch in ("e", "E"):
                    self._scan_exponent(self.next())
                return ast.FLOAT
            if illegal_octal:
                raise self.error("illegal octal number")
            if ch != _EOF:
                self.unread()
            return ast.NUMBER
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
        return ast.NUMBER

    def _scan_mantissa(self, ch: str) -> str:
        scanned = False
        while _is_decimal(ch):
            ch = self.next()
            scanned = True
        if scanned and ch != _EOF:
            self.unread()
        return ch

    def _scan_fraction(self, ch: str) -> str:
        if ch == ".":
            ch = self._scan_mantissa(self.peek())
        return ch

    def _scan_exponent(self, ch: str) -> str:
        if ch in ("e", "E"):
            ch = self.next()
            if ch in ("-", "+"):
                ch = self.next()
            ch = self._scan_mantissa(ch)
        return ch

    def _scan_heredoc(self) -> None:
        if self.next() != "<":
            raise self.error("heredoc expected second '<', didn't see it")
        offs = self.i
        ch = self.next()
        if ch == "-":
            ch = self.next()
        while go_is_letter(ch) or go_is_digit(ch):
            ch = self.next()
        if ch == _EOF:
            raise self.error("heredoc not terminated")
        if ch == "\r" and self.peek() == "\n":
            ch = self.next()
        if ch != "\n":
            raise self.error("invalid characters in heredoc anchor")
        ident = self.src[offs : self.i - self.last_char_len]
        if not ident:
            raise self.error("zero-length heredoc anchor")
        anchor = ident[1:] if ident[0] == "-" else ident
        ident_len = len(ident.encode("utf-8"))
        terminator = re.compile(r"[\t\n\v\f\r ]*" + re.escape(anchor) + r"\r*")
        line_start = self.i
        while True:
            ch = self.next()
            if ch == "\n":
                line = self.src[line_start : self.i - 1]
                if len(line.encode("utf-8")) >= ident_len and terminator.fullmatch(line):
                    return
                line_start = self.i
            if ch == _EOF:
                raise self.error("heredoc not terminated")

    def _scan_string(self) -> None:
        braces = 0
        while True:
            ch = self.next()
            if (ch == "\n" and braces == 0) or ch == _EOF:
                raise self.error("literal not terminated")
            if ch == '"' and braces == 0:
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

    def _scan_escape(self) -> None:
        ch = self.next()
        if ch in ("a", "b", "f", "n", "r", "t", "v", "\\", '"'):
            return
        if ch in "01234567" and ch != _EOF:
            self._scan_digits(ch, 8, 3)
        elif ch == "x":
            self._scan_digits(self.next(), 16, 2)
        elif ch == "u":
            self._scan_digits(self.next(), 16, 4)
        elif ch == "U":
            self._scan_digits(self.next(), 16, 8)
        else:
            raise self.error("illegal char escape")

    def _scan_digits(self, ch: str, base: int, n: int) -> None:
        start = n
        while n > 0 and _digit_val(ch) < base:
            ch = self.next()
            if ch == _EOF:
                break
            n -= 1
        if n > 0:
            raise self.error("illegal char escape")
        if n != start and ch != _EOF:
            self.unread()


_PUNCT = {
    "[": ast.LBRACK,
    "]": ast.RBRACK,
    "{": ast.LBRACE,
    "}": ast.RBRACE,
    ",": ast.COMMA,
    "=": ast.ASSIGN,
}

_SIMPLE_ESCAPES = {
    "a": 7,
    "b": 8,
    "f": 12,
    "n": 10,
    "r": 13,
    "t": 9,
    "v": 11,
    "\\": 92,
    '"': 34,
}


def unquote(text: str, *, line: int, column: int, json: bool = False) -> str:
    """Decode a quoted string token (hcl ``strconv.Unquote``, or Go's for JSON tokens).

    ``\\x`` escapes give raw bytes; bytes that do not form UTF-8 are kept as surrogate
    escapes. OpenBao crashes the request on escapes it cannot decode (``\\400``); we reject.
    """

    def fail() -> PolicyParseError:
        return PolicyParseError("invalid escape in string", line=line, column=column)

    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise fail()
    s = text[1:-1]
    if "\\" not in s and '"' not in s and "$" not in s:
        return s
    buf = bytearray()
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if not json and c == "$" and i + 1 < n and s[i + 1] == "{":
            j, braces = i + 2, 1
            while j < n and braces > 0:
                if s[j] == "{":
                    braces += 1
                elif s[j] == "}":
                    braces -= 1
                j += 1
            if braces != 0:
                raise fail()
            buf += s[i:j].encode("utf-8", "surrogateescape")
            i = j
            continue
        if c in ('"', "\n"):
            raise fail()
        if c != "\\":
            buf += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        if i + 1 >= n:
            raise fail()
        e = s[i + 1]
        i += 2
        if e in _SIMPLE_ESCAPES:
            buf.append(_SIMPLE_ESCAPES[e])
        elif e in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = s[i : i + width]
            if len(digits) < width or any(_digit_val(d) >= 16 for d in digits):
                raise fail()
            v = int(digits, 16)
            i += width
            if e == "x":
                buf.append(v)
            elif v > 0x10FFFF or (json and 0xD800 <= v <= 0xDFFF):
                raise fail()
            else:
                buf += ("\ufffd" if 0xD800 <= v <= 0xDFFF else chr(v)).encode("utf-8")
        elif e in "01234567":
            digits = s[i : i + 2]
            if len(digits) < 2 or any(d not in "01234567" for d in digits):
                raise fail()
            v = int(e + digits, 8)
            i += 2
            if v > 255:
                raise fail()
            buf.append(v)
        else:
            raise fail()
    return buf.decode("utf-8", "surrogateescape")


def unindent_heredoc(text: str) -> str:
    """The value of a heredoc token (hcl ``unindentHeredoc``), computed on UTF-8 bytes."""
    raw = text.encode("utf-8", "surrogateescape")
    idx = raw.index(b"\n")
    if raw[2:3] != b"-":
        return raw[idx + 1 : len(raw) - idx + 1].decode("utf-8", "surrogateescape")
    lines = raw[idx + 1 : len(raw) - idx + 2].split(b"\n")
    prefix = lines[-1]
    if not all(line.startswith(prefix) for line in lines):
        return raw[idx + 1 : len(raw) - idx + 1].rstrip(b" \t").decode("utf-8", "surrogateescape")
    out = [line[len(prefix) :] for line in lines[:-1]] + [b""]
    return b"\n".join(out).decode("utf-8", "surrogateescape")
