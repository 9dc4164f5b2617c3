"""Format-free detectors: assignments to credential-named keys, credentials in URLs and
``Authorization`` headers, PEM private keys, JWTs.

Provider formats say what a string *is*; these rules rely on what surrounds it: a key named
``password`` or ``api_key`` (in code, YAML, JSON, env files, XML, CLI flags, chat), a URL's
``user:password@``, an ``Authorization: Bearer`` header. The value is then judged: a password
may be any non-placeholder literal, a key or token must look random.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import NamedTuple

from credgate.guard.engine import literal_anchor
from credgate.guard.findings import Finding
from credgate.guard.key_names import KeyKind, classify_key
from credgate.guard.rule import Rule, rule
from credgate.guard.value_checks import (
    character_classes,
    has_placeholder_marker,
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

__all__ = ["GENERIC_RULES"]

# --- key = value -------------------------------------------------------------------------

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
        if not _password_like(value, quoted=quoted, prose=prose):
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


def _password_like(value: str, *, quoted: bool, prose: bool) -> bool:
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


_ASSIGNMENT_RULE = _AssignmentRule(
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

# --- credentials in URLs -------------------------------------------------------------------

_DB_SCHEMES = frozenset(
    [
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "mongodb",
        "mongodb+srv",
        "redis",
        "rediss",
        "amqp",
        "amqps",
        "mssql",
        "sqlserver",
        "oracle",
        "cockroachdb",
        "clickhouse",
        "cassandra",
        "couchdb",
        "neo4j",
        "nats",
        "kafka",
        "memcached",
        "elasticsearch",
        "opensearch",
        "influxdb",
        "ldap",
        "ldaps",
    ]
)
_URL_CREDENTIALS = (
    r"(?<![A-Za-z0-9+.\-])(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{1,30})://"
    r"(?P<user>[^\s:/?#@;'\"<>\\{}$]{0,128}):(?P<secret>[^\s/?#;'\"<>\\]{1,256})"
    r"@(?P<host>[A-Za-z0-9\[_][^\s/?#@'\"<>\\]{0,253})"
)


def _accept_url(match: re.Match[str]) -> bool:
    password, user = match.group("secret"), match.group("user")
    if len(password) < 4 or password == user:
        return False
    if is_placeholder(password) or is_reference(password, quoted=True):
        return False
    return not re.fullmatch(r"\d{1,5}", password)  # host:port@ typo, not a password


def _url_type(match: re.Match[str]) -> str:
    """A database connection string, or a password in any other URL."""
    scheme = match.group("scheme").lower().removeprefix("jdbc:")
    return "connection_string" if scheme in _DB_SCHEMES else "url_password"


# --- Authorization headers and CLI flags ---------------------------------------------------


def _accept_bearer(match: re.Match[str]) -> bool:
    value = match.group("secret")
    if is_placeholder(value) or is_reference(value, quoted=True) or is_documented_example(value):
        return False
    return looks_random(value, min_length=12) or value.count(".") == 2


def _accept_basic(match: re.Match[str]) -> bool:
    value = match.group("secret")
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    return (
        bool(sep)
        and decoded.isprintable()
        and len(password) >= 4
        and not is_placeholder(password)
        and password != user
    )


def _accept_credential_pair(match: re.Match[str]) -> bool:
    """``auth=("user", "password")``: the second literal, unless it is a stand-in."""
    value = match.group("secret")
    if value == match.group("user") or is_placeholder(value) or is_reference(value, quoted=True):
        return False
    return _password_like(value, quoted=True, prose=False)


def _accept_flag_password(match: re.Match[str]) -> bool:
    value = match.group("secret")
    return len(value) >= 4 and not is_placeholder(value) and not is_reference(value, quoted=True)


# --- PEM private keys and JWTs -------------------------------------------------------------

_PEM_LABEL = r"[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?"
_PEM = (
    rf"-----BEGIN {_PEM_LABEL}-----(?:[\s\S]{{0,20000}}?-----END {_PEM_LABEL}-----"
    r"|(?:(?:\\[rn]|[ \t\r\n\"'+,])+"  # an unterminated block: base64 lines, PEM headers
    r"(?:[A-Za-z0-9+/=]{16,}|(?:Proc-Type|DEK-Info|Comment|Version):[^\r\n\\]*))+)"
)


def _accept_pem(match: re.Match[str]) -> bool:
    body = match.group(0).replace("\\n", "\n").replace("\\r", "\n")
    body = re.sub(r"-----(?:BEGIN|END) [^-]*-----", "", body)
    material = len(body) - len(body.translate(_BASE64_CHARS_REMOVED))
    return material >= 64 and not has_placeholder_marker(body)


_BASE64_CHARS_REMOVED = dict.fromkeys(
    map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
)


def _b64url_json(segment: str) -> object:
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return json.loads(raw)


def _accept_jwt(match: re.Match[str]) -> bool:
    token = match.group("secret")
    if is_documented_example(token):
        return False
    header, _, rest = token.partition(".")
    signature = rest.partition(".")[2]
    try:
        parsed = _b64url_json(header)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(parsed, dict) or not ({"alg", "typ", "kid", "enc"} & parsed.keys()):
        return False
    return len(signature) >= 16 or str(parsed.get("alg", "")).lower() == "none"


# "password" in other languages (the ASCII-only key pattern above cannot see them).
_PASSWORD_WORDS = (
    "パスワード",
    "暗証番号",
    "密码",
    "密碼",
    "口令",
    "비밀번호",
    "암호",
    "пароль",
    "contraseña",
    "mot de passe",
    "passwort",
    "kennwort",
    "senha",
    "palavra-passe",
    "wachtwoord",
    "hasło",
    "heslo",
    "jelszó",
    "şifre",
    "parola",
    "lösenord",
    "passord",
    "adgangskode",
    "salasana",
    "κωδικός",
    "סיסמה",
    "كلمة المرور",
    "كلمة السر",
    "पासवर्ड",
    "รหัสผ่าน",
    "mật khẩu",
    "kata sandi",
)
_MULTILINGUAL = (
    r"(?<![A-Za-z0-9_])(?i:"
    + "|".join(re.escape(w) for w in _PASSWORD_WORDS)
    + r")(?![A-Za-z0-9_])"
    r"(?:[^\r\n:：=＝]{0,40}?)"  # a few words: "del servidor", "für das Dashboard"
    r"[ \t]*(?:[:：=＝]|は|是|为|為|는|은|이|[ \t](?:est|ist|es|é|is|är|er|on|jest|je|adalah|là)"
    r"[ \t]*[:：]?)[ \t]*(?P<secret>[^\s\"'`「」『』（）()、。，,]{4,128})"
)


def _multilingual_anchors() -> tuple[str, ...]:
    variants = {v for w in _PASSWORD_WORDS for v in (w, w.capitalize(), w.upper())}
    return tuple(sorted(w if w.isascii() else literal_anchor(w) for w in variants))


def _accept_multilingual(match: re.Match[str]) -> bool:
    value = match.group("secret")
    return (
        not is_placeholder(value)
        and not is_reference(value, quoted=False)
        and _password_like(value, quoted=False, prose=True)
    )


def _accept_decoded_output(match: re.Match[str]) -> bool:
    """The line a ``kubectl get secret ... | base64 -d`` printed: the secret itself."""
    value = match.group("secret")
    return not is_placeholder(value) and _password_like(value, quoted=True, prose=False)


def _accept_login_pair(match: re.Match[str]) -> bool:
    """```admin` / `s3cret``` after "login": a user name and its password."""
    value = match.group("secret")
    if value == match.group("user") or is_placeholder(value) or is_reference(value, quoted=True):
        return False
    return _password_like(value, quoted=False, prose=True)


GENERIC_RULES: tuple[Rule, ...] = (
    rule(
        "pem.private_key",
        "private_key",
        _PEM,
        r"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY",
        before=48,
        after=8192,
        priority=85,
        accept=_accept_pem,
    ),
    rule(
        "jwt",
        "jwt",
        r"(?<![A-Za-z0-9_\-])(?P<secret>eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*)",
        r"eyJ[A-Za-z0-9_\-]{5,}\.eyJ",
        before=1200,
        after=4096,
        priority=70,
        accept=_accept_jwt,
    ),
    rule(
        "http.basic_auth",
        "basic_auth",
        r"(?i:\bbasic)\s+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
        r"basic\s+[A-Za-z0-9+/]{8}",
        before=24,
        after=400,
        priority=55,
        caseless_anchors=True,
        accept=_accept_basic,
    ),
    rule(
        "http.bearer_token",
        "bearer_token",
        r"(?i:\b(?:bearer|authorization[\"']?\s*[:=]\s*[\"']?(?:token|bot|apikey|sso-key)))\s+"
        r"(?P<secret>[A-Za-z0-9._~+/\-]{12,}=*)",
        (r"bearer\s+[A-Za-z0-9._~+/\-]{12}", r"authorization"),
        before=48,
        after=160,
        priority=55,
        caseless_anchors=True,
        accept=_accept_bearer,
    ),
    rule(
        "cli.user_password_flag",
        "password",
        r"(?<!\S)(?:-u|--user)[ =][\"']?[^\s:\"']{1,64}:(?P<secret>[^\s\"']{1,128})",
        r"(?:-u|--user)[ =]",
        before=8,
        after=200,
        priority=55,
        accept=_accept_flag_password,
    ),
    rule(
        "cli.mysql_password_flag",
        "password",
        r"\b(?:mysql|mysqldump|mariadb|mysqladmin)\b[^\r\n]{0,200}?\s-p(?P<secret>[^\s'\"\-][^\s'\"]{3,})",
        r"mysql|mariadb",
        before=8,
        after=260,
        priority=55,
        accept=_accept_flag_password,
    ),
    rule(
        "url.credentials",
        "url_password",
        _URL_CREDENTIALS,
        r"://[^\s/@]{1,300}@",
        before=440,
        after=300,
        priority=60,
        accept=_accept_url,
        type_of=_url_type,
        at_start=False,
    ),
    rule(
        "generic.password_multilingual",
        "password",
        _MULTILINGUAL,
        _multilingual_anchors(),
        before=24,
        after=260,
        priority=40,
        caseless_anchors=True,
        accept=_accept_multilingual,
    ),
    rule(
        "cli.decoded_secret_output",
        "password",
        r"(?i:\bget\s+secrets?\b)[^\r\n]{0,200}?\|\s*base64\s+(?:-d|--decode|-D)\b[^\r\n]*\r?\n"
        r"(?P<secret>[^\s]{4,200})(?=\r?\n|$)",
        r"base64\s+(?:-d|--decode|-D)",
        before=260,
        after=220,
        priority=45,
        accept=_accept_decoded_output,
        at_start=False,
    ),
    rule(
        "generic.login_pair",
        "password",
        r"(?i:\b(?:login|log-in|sign-in|credentials?|creds|username\s*/\s*password))\b[^\r\n`]{0,40}"
        r"`(?P<user>[^`\s]{1,64})`\s*(?:/|:|and|,)\s*`(?P<secret>[^`\s]{4,128})`",
        r"login|log-in|sign-in|credential|creds|username\s*/\s*password",
        before=16,
        after=260,
        priority=45,
        caseless_anchors=True,
        accept=_accept_login_pair,
    ),
    rule(
        "code.credential_pair",
        "password",
        r"(?:\bauth\s*=\s*\(?|\b(?:HTTPBasicAuth|HTTPDigestAuth|BasicAuth|NetworkCredential|"
        r"PasswordAuthentication|UsernamePasswordCredentials|SetBasicAuth|basic_auth|login)\s*\()"
        r"\s*(?P<q>[\"'])(?P<user>[^\"'\r\n]{1,128})(?P=q)\s*,\s*(?P<q2>[\"'])"
        r"(?P<secret>[^\"'\r\n]{1,200})(?P=q2)",
        (
            r"\bauth\s*=\s*\(?\s*[\"']",
            r"(?:BasicAuth|DigestAuth|NetworkCredential|Authentication|"
            r"Credentials|basic_auth|login)\s*\(\s*[\"']",
        ),
        before=48,
        after=400,
        priority=45,
        caseless_anchors=False,
        accept=_accept_credential_pair,
        at_start=False,
    ),
    rule(
        "powershell.secure_string",
        "password",
        r"ConvertTo-SecureString\s+(?:-String\s+)?(?P<q>[\"'])(?P<secret>[^\"'\r\n]{1,200})(?P=q)"
        r"[^\r\n]{0,40}-AsPlainText",
        r"ConvertTo-SecureString",
        before=24,
        after=320,
        priority=45,
        caseless_anchors=True,
        accept=_accept_flag_password,
        flags=re.IGNORECASE,
    ),
    rule(
        "cli.password_flag",
        "password",
        r"\b(?:(?:docker|podman|nerdctl|buildah|skopeo|oras)\s+login|helm\s+registry\s+login|sshpass"
        r"|redis-cli|az\s+login)\b[^\r\n|;]{0,200}?\s(?:-p|--password|-a)(?:[ \t]+|=)"
        r"[\"']?(?P<secret>[^\s\"'-][^\s\"']{3,127})",
        r"docker|podman|nerdctl|buildah|skopeo|oras|helm|sshpass|redis-cli|az\s+login",
        before=8,
        after=320,
        priority=45,
        accept=_accept_flag_password,
    ),
    _ASSIGNMENT_RULE,
)
