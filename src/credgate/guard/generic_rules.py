"""Format-free detectors: credentials in URLs and ``Authorization`` headers, CLI password
flags, PEM private keys, JWTs, "password" in other languages, plus the assignment rule
(:mod:`credgate.guard.assignment_rule`).

Provider formats say what a string *is*; these rules rely on what surrounds it: a URL's
``user:password@``, an ``Authorization: Bearer`` header, ``curl -u``, a key named
``password``. The value is then judged: a password may be any non-placeholder literal, a key
or token must look random.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from credgate.guard.assignment_rule import ASSIGNMENT_RULE, password_like
from credgate.guard.engine import literal_anchor
from credgate.guard.rule import Rule, rule
from credgate.guard.value_checks import (
    has_placeholder_marker,
    is_documented_example,
    is_placeholder,
    is_reference,
    looks_random,
)

__all__ = ["GENERIC_RULES"]

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
    return password_like(value, quoted=True, prose=False)


def _accept_flag_password(match: re.Match[str]) -> bool:
    value = match.group("secret")
    return len(value) >= 4 and not is_placeholder(value) and not is_reference(value, quoted=True)


# --- PEM private keys and JWTs -------------------------------------------------------------

_PEM_LABEL = r"[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?"
_PEM = (
    # The body cannot contain "-----": a BEGIN line never scans past the next BEGIN or END
    # (linear time however many BEGIN lines a hostile text repeats).
    rf"-----BEGIN {_PEM_LABEL}-----(?:(?:[^-]|-(?!----)){{0,20000}}?-----END {_PEM_LABEL}-----"
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
        and password_like(value, quoted=False, prose=True)
    )


def _accept_decoded_output(match: re.Match[str]) -> bool:
    """The line a ``kubectl get secret ... | base64 -d`` printed: the secret itself."""
    value = match.group("secret")
    return not is_placeholder(value) and password_like(value, quoted=True, prose=False)


def _accept_login_pair(match: re.Match[str]) -> bool:
    """```admin` / `s3cret``` after "login": a user name and its password."""
    value = match.group("secret")
    if value == match.group("user") or is_placeholder(value) or is_reference(value, quoted=True):
        return False
    return password_like(value, quoted=False, prose=True)


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
    ASSIGNMENT_RULE,
)
