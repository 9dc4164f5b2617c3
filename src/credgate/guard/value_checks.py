"""Judging a candidate value: documented examples, placeholders, references, randomness.

These are the checks that turn a pattern match into a finding or throw it away. They look at
one candidate string at a time and never keep it. They run once per candidate, so they are
written to be cheap: set and ``str`` methods first, a regular expression only when needed.
"""

from __future__ import annotations

import math
import re
import string

__all__ = [
    "EXAMPLE_VALUES",
    "character_classes",
    "has_placeholder_marker",
    "is_code_expression",
    "is_code_identifier",
    "is_concatenation",
    "is_documented_example",
    "is_file_path",
    "is_placeholder",
    "is_reference",
    "is_uuid",
    "looks_random",
    "shannon_entropy",
]

#: Values published in providers' documentation (and widely copied into tutorials). They
#: grant nothing, so they are never findings.
EXAMPLE_VALUES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "AKIAI44QH8DHBEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        "sk_test_26PHem9AhJZvU623DfE1x4sd",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
        "rk_test_26PHem9AhJZvU623DfE1x4sd",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
        "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    }
)

# Words and signs that mark a value as a stand-in (looked for in the lower-cased value): plain
# substrings first (fast), then the two that need a pattern.
_PLACEHOLDER_SUBSTRINGS = (
    "your", "placeholder", "changeme", "change_me", "change-me", "changeit", "replaceme",
    "replace_me", "replace-me", "redacted", "example", "sample", "dummy", "notareal",
    "not_a_real", "not-a-real", "insert_", "insert-", "fillin", "fill_in", "fill-in", "todo",
    "fixme", "xxxx", "***", "...", "…", "•••", "{}", "_here",
)  # fmt: skip
_PLACEHOLDER_PATTERNS = re.compile(r"<[^>]*>|my[_\-]?(?:api|secret|token|pass)")
_PLACEHOLDER_ANY = re.compile("|".join(map(re.escape, _PLACEHOLDER_SUBSTRINGS)))
_RUN_OF_SIX = re.compile(r"(.)\1\1\1\1\1")

# Well-known defaults and words that stand where a secret would go.
_DEFAULT_WORDS = frozenset(
    [
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "nan",
        "empty",
        "required",
        "optional",
        "string",
        "str",
        "int",
        "bool",
        "bytes",
        "any",
        "secret",
        "secrets",
        "password",
        "passwd",
        "pass",
        "pwd",
        "token",
        "tokens",
        "key",
        "apikey",
        "api_key",
        "changeme",
        "changeit",
        "admin",
        "administrator",
        "root",
        "guest",
        "user",
        "username",
        "test",
        "testing",
        "tests",
        "foo",
        "bar",
        "baz",
        "qux",
        "abc",
        "abc123",
        "123456",
        "12345678",
        "123456789",
        "password1",
        "password123",
        "qwerty",
        "letmein",
        "default",
        "hidden",
        "masked",
        "tbd",
        "unset",
        "unknown",
        "value",
        "values",
        "example",
        "sample",
        "dummy",
        "placeholder",
        "mysecret",
        "secretkey",
        "secret_key",
        "supersecret",
        "s3cr3t",
        "p@ssw0rd",
        "p@ssword",
        "passw0rd",
        "postgres",
        "mysql",
        "redis",
        "rabbitmq",
        "minioadmin",
    ]
)

# A value that points at the secret instead of being it: environment variables, templating,
# secret-manager references, encrypted blobs, password hashes.
_REFERENCE_PREFIXES = (
    "vault:", "ssm:", "arn:aws:", "ref+", "!Ref", "ENC[", "AQICA", "$ANSIBLE_VAULT", "!vault",
    "sha1-", "sha1:", "sha256-", "sha256:", "sha384-", "sha384:", "sha512-", "sha512:", "md5:",
    "h1:", "$2$", "$2a$", "$2b$", "$2x$", "$2y$", "$argon2", "$1$", "$5$", "$6$", "{SSHA}",
    "{SHA}", "$$",
)  # fmt: skip
_REFERENCE_SUBSTRINGS = (
    "${", "{{", "}}", "os.environ", "os.getenv", "getenv(", "process.env", "ENV[", "ENV.fetch",
    "env(", "System.getenv", "Environment.GetEnvironmentVariable",
)  # fmt: skip
_REFERENCE_WHOLE = re.compile(
    r"\$\(.*\)|\$[A-Za-z_]\w*|\{[A-Za-z_]\w*\}|%[A-Za-z_]+%|%\([A-Za-z_]\w*\)s|%s"
)
_SECRETS_CONTEXT = re.compile(r"secrets\.[A-Z_]")

_IDENTIFIER = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->|::)[A-Za-z_][A-Za-z0-9_]*)*(?:\(.*\)|\[.*\])?"
)
_BARE_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDLIKE = re.compile(
    r"_*[a-z][a-z0-9]*(?:_+[a-z0-9]+)*_*|_*[A-Z][A-Z0-9]*(?:_+[A-Z0-9]+)*_*"
    r"|_*[a-z]+(?:[A-Z][a-z0-9]+)*|_*[A-Z][a-z]+(?:[A-Z][a-z0-9]+)*"
)
_CONCATENATED = re.compile(r"[+.]\s*[A-Za-z_][\w.]*(?:\(\))?\s*[+.]")
_PATH = re.compile(r"(?:~|\.{1,2})?(?:/[\w.\-]+)+/?|[A-Za-z]:\\[\w.\\\-]+")
_WORD_PARTS = re.compile(r"[^\s\-_.:/]+")
_WORD = re.compile(r"[a-z]{4,}|[A-Z]{4,}|[A-Z][a-z]{3,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SEQUENTIAL = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789012345678901234567890123456789",
    "qwertyuiopasdfghjklzxcvbnm",
)
_C_LOG2_C = [0.0] + [c * math.log2(c) for c in range(1, 257)]
_DIGITS = frozenset(string.digits)
_LOWER = frozenset(string.ascii_lowercase)
_UPPER = frozenset(string.ascii_uppercase)
_ALNUM = _DIGITS | _LOWER | _UPPER
_HEX = frozenset("0123456789abcdefABCDEF-")


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` (0 for the empty string); long values are measured on
    their first 256 characters, which is plenty to tell key material from words."""
    value = value[:256]
    n = len(value)
    if not n:
        return 0.0
    # H = log2(n) - sum(c * log2(c)) / n over the character counts c (all loops in C).
    return math.log2(n) - sum(map(_C_LOG2_C.__getitem__, map(value.count, set(value)))) / n


def is_documented_example(value: str) -> bool:
    """True for a provider's documented example value (or an obvious derivative of one)."""
    if value in EXAMPLE_VALUES:
        return True
    return len(value) >= 16 and ("EXAMPLE" in value or "example" in value)


def _repetitive(value: str) -> bool:
    """Runs like ``xxxxxx`` or ``000000``, few distinct characters, an alphabet or keyboard run."""
    n = len(value)
    if n >= 8 and len(set(value)) <= 3:
        return True
    if _RUN_OF_SIX.search(value):
        return True
    if n >= 8:
        lower = value.lower()
        return any(lower in run for run in _SEQUENTIAL)
    return False


def has_placeholder_marker(value: str) -> bool:
    """Contains a word or sign that marks a stand-in (``your-``, ``<...>``, ``xxxx``, ``...``)."""
    lower = value.lower()
    return bool(_PLACEHOLDER_ANY.search(lower) or _PLACEHOLDER_PATTERNS.search(lower))


def is_placeholder(value: str) -> bool:
    """A stand-in for a credential: empty, masked, templated, a default word, a doc marker."""
    stripped = value.strip().strip("\"'`")
    if not stripped:
        return True
    lower = stripped.lower()
    if lower in _DEFAULT_WORDS or _PLACEHOLDER_ANY.search(lower):
        return True
    if ("<" in lower or "my" in lower) and _PLACEHOLDER_PATTERNS.search(lower):
        return True
    return _repetitive(stripped)


def is_code_expression(value: str) -> bool:
    """``settings.db_password``, ``self._token``, ``get_token()``, ``ENV['X']``: code that
    evaluates to a secret. Dotted parts must read like identifiers, so a random literal that
    happens to contain a dot (``bC.lhoU0Zp``) is not taken for one."""
    if not _IDENTIFIER.fullmatch(value):
        return False
    if "(" in value or "[" in value:
        return True
    parts = re.split(r"\.|->|::", value)
    return len(parts) > 1 and all(_WORDLIKE.fullmatch(p) for p in parts)


def is_concatenation(value: str) -> bool:
    """The inside of ``"password=" + pw + "..."``: an identifier between two ``+`` (or two
    PHP ``.``). One trailing dot is punctuation or part of the literal, not code."""
    core = value.strip()
    if len(core) < 3 or core[0] != core[-1] or core[0] not in "+.":
        return False
    return bool(_CONCATENATED.fullmatch(core))


def is_file_path(value: str) -> bool:
    """``/run/secrets/db``, ``./token.txt``, ``~/.aws/credentials``: where a secret is kept.
    Base64 text may begin with ``/`` too; a random-looking path is not taken for a path."""
    if not _PATH.fullmatch(value):
        return False
    return not looks_random(value.replace("/", ""), min_length=16)


def is_reference(value: str, *, quoted: bool) -> bool:
    """A value that refers to a secret instead of holding it (env var, template, vault ref),
    or, unquoted, an expression of code (``settings.password``, ``get_token()``)."""
    if value.startswith(_REFERENCE_PREFIXES) or any(s in value for s in _REFERENCE_SUBSTRINGS):
        return True
    if value[:1] in ("$", "{", "%") and _REFERENCE_WHOLE.fullmatch(value):
        return True
    if "secrets." in value and _SECRETS_CONTEXT.search(value):
        return True
    return not quoted and is_code_expression(value)


def is_code_identifier(value: str) -> bool:
    """A bare identifier such as ``db_password`` or ``API_TOKEN``."""
    return bool(_BARE_IDENTIFIER.fullmatch(value))


def is_uuid(value: str) -> bool:
    return len(value) == 36 and bool(_UUID.fullmatch(value))


def character_classes(value: str) -> int:
    """How many of lower, upper, digit, other appear in ``value``."""
    chars = set(value)
    return (
        (not _LOWER.isdisjoint(chars))
        + (not _UPPER.isdisjoint(chars))
        + (not _DIGITS.isdisjoint(chars))
        + bool(chars - _ALNUM)
    )


def looks_random(value: str, *, min_length: int = 16) -> bool:
    """True when ``value`` looks like generated key material rather than a word or a name.

    Long enough, made of letters and digits (a hex or base62/base64 blob), with the entropy
    such material has; sequences, repetitions and dictionary-ish identifiers fail.
    """
    n = len(value)
    if n < min_length:
        return False
    chars = set(value)
    has_digit = not _DIGITS.isdisjoint(chars)
    has_alpha = not (_LOWER.isdisjoint(chars) and _UPPER.isdisjoint(chars))
    entropy = shannon_entropy(value)
    # Letters only can still be random (base62 without a digit is rare at this length).
    if not (has_digit and has_alpha) and not (
        n >= 24 and has_alpha and character_classes(value) >= 2 and entropy >= 4.0
    ):
        return False
    threshold = 3.0 if chars <= _HEX else 3.5
    if n < 24:
        threshold -= 0.3
    if entropy < threshold or _repetitive(value):
        return False
    words = sum(len(w) for w in _WORD_PARTS.findall(value) if _WORD.fullmatch(w))
    return words * 2 <= n  # mostly words: default-token-name, my_service_account
