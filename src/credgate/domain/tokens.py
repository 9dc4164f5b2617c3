"""Tokens: the format a scanner can recognise, the keyed hash they are stored as, their lifecycle.

Format (42 characters)::

    cg_ <33 base62 characters: 24 random bytes> <6 base62 characters: CRC32 of the first 36>

The body is the 192-bit random number written in base62 (``0-9A-Za-z``) and left-padded with
``0`` to 33 characters; the checksum is ``zlib.crc32`` of the ASCII text ``cg_`` + body, in
base62 padded to 6. The checksum is not a security feature: it lets a secret scanner (ours,
GitHub's, gitleaks...) tell a real credgate token from random text without a network call,
and it catches every single-character typo.

A token is never stored: storage holds ``hash_token(key, token)`` (HMAC-SHA256 under a
server key, hex), looks the entry up by that hash, and :func:`authenticate_token` checks it.
A token is managed by its *accessor* (``acc_`` + 22 base62 characters), a non-secret id that
lets an operator list, look up and revoke a token without ever holding it.

Every way a token can fail (unknown, malformed, expired, revoked, used up) raises the same
:class:`credgate.errors.InvalidToken`, so an attacker learns nothing from the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import zlib
from collections.abc import Callable

from credgate.domain.durations import parse_duration
from credgate.domain.token_entries import (
    PRINCIPAL_KINDS,
    Expiry,
    PrincipalKind,
    TokenEntry,
    check_usable,
    child_expiry,
    compute_expiry,
    consume_use,
    end_of_life,
    new_token_entry,
    remaining_ttl,
    renew,
    revoke,
)
from credgate.errors import InvalidToken

__all__ = [
    "ACCESSOR_LENGTH",
    "ACCESSOR_PREFIX",
    "PRINCIPAL_KINDS",
    "TOKEN_LENGTH",
    "TOKEN_PATTERN",
    "TOKEN_PREFIX",
    "Expiry",
    "PrincipalKind",
    "TokenEntry",
    "authenticate_token",
    "check_usable",
    "child_expiry",
    "compute_expiry",
    "consume_use",
    "end_of_life",
    "find_tokens",
    "generate_accessor",
    "generate_token",
    "hash_token",
    "is_accessor",
    "is_well_formed",
    "new_token_entry",
    "parse_duration",
    "remaining_ttl",
    "renew",
    "revoke",
]

BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_SET = frozenset(BASE62_ALPHABET)

TOKEN_PREFIX = "cg_"  # noqa: S105 -- a public prefix, not a password
TOKEN_RANDOM_BYTES = 24  # 192 bits
TOKEN_BODY_LENGTH = 33  # smallest n with 62**n >= 2**192
TOKEN_CHECKSUM_LENGTH = 6  # smallest n with 62**n >= 2**32
TOKEN_LENGTH = len(TOKEN_PREFIX) + TOKEN_BODY_LENGTH + TOKEN_CHECKSUM_LENGTH  # 42

ACCESSOR_PREFIX = "acc_"
ACCESSOR_RANDOM_BYTES = 16  # 128 bits: unguessable, but it is an id, not a secret
ACCESSOR_BODY_LENGTH = 22  # smallest n with 62**n >= 2**128
ACCESSOR_LENGTH = len(ACCESSOR_PREFIX) + ACCESSOR_BODY_LENGTH  # 26

#: The shape of a token, for scanners. A match is only a candidate: confirm it with
#: :func:`is_well_formed`, or use :func:`find_tokens`, which does both and also finds a token
#: glued to the end of another candidate.
TOKEN_PATTERN = re.compile(
    rf"{TOKEN_PREFIX}(?P<body>[0-9A-Za-z]{{{TOKEN_BODY_LENGTH}}})"
    rf"(?P<checksum>[0-9A-Za-z]{{{TOKEN_CHECKSUM_LENGTH}}})"
)
# Overlapping search: every position where a candidate starts.
_CANDIDATES = re.compile(rf"(?=({TOKEN_PATTERN.pattern}))")

MIN_HASH_KEY_BYTES = 16
# Compared against when no entry was found, so an unknown token costs the same HMAC and
# compare_digest as a known one.
_NO_SUCH_HASH = "0" * 64


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(BASE62_ALPHABET[digit])
    if number:
        raise ValueError("number does not fit the width")  # cannot happen with our widths
    return "".join(reversed(digits))


def _checksum(prefix_and_body: str) -> str:
    return _base62(zlib.crc32(prefix_and_body.encode("ascii")), TOKEN_CHECKSUM_LENGTH)


def _random_body(randbytes: Callable[[int], bytes], size: int, width: int) -> str:
    data = randbytes(size)
    if not isinstance(data, bytes) or len(data) != size:
        raise ValueError(f"randbytes({size}) must return exactly {size} bytes")
    return _base62(int.from_bytes(data, "big"), width)


def generate_token(randbytes: Callable[[int], bytes]) -> str:
    """A new token from ``randbytes`` (``secrets.token_bytes`` in production)."""
    head = TOKEN_PREFIX + _random_body(randbytes, TOKEN_RANDOM_BYTES, TOKEN_BODY_LENGTH)
    return head + _checksum(head)


def is_well_formed(token: str) -> bool:
    """True when ``token`` has the prefix, the length, the alphabet and a matching checksum.

    Says nothing about whether the token exists; use it to answer scanners and to skip the
    database for garbage, never as authentication.
    """
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        return False
    if not token.startswith(TOKEN_PREFIX) or not _BASE62_SET.issuperset(token[3:]):
        return False
    head, checksum = token[:-TOKEN_CHECKSUM_LENGTH], token[-TOKEN_CHECKSUM_LENGTH:]
    return hmac.compare_digest(_checksum(head), checksum)


def find_tokens(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every checksum-valid token in ``text``, in order, not overlapping.

    No word boundary is required: a token glued to other text (``Bearercg_…``, or followed by
    more letters) is still a leaked token. A false positive needs a 32-bit checksum collision.
    """
    spans: list[tuple[int, int]] = []
    end_of_last = 0
    for match in _CANDIDATES.finditer(text):
        start = match.start()
        if start < end_of_last:
            continue
        candidate = match.group(1)
        if is_well_formed(candidate):
            spans.append((start, start + TOKEN_LENGTH))
            end_of_last = start + TOKEN_LENGTH
    return spans


def generate_accessor(randbytes: Callable[[int], bytes]) -> str:
    """A new accessor (``acc_`` + 22 base62): names a token without revealing it."""
    return ACCESSOR_PREFIX + _random_body(randbytes, ACCESSOR_RANDOM_BYTES, ACCESSOR_BODY_LENGTH)


def is_accessor(text: str) -> bool:
    """True when ``text`` has the shape of an accessor."""
    return (
        isinstance(text, str)
        and len(text) == ACCESSOR_LENGTH
        and text.startswith(ACCESSOR_PREFIX)
        and _BASE62_SET.issuperset(text[len(ACCESSOR_PREFIX) :])
    )


def hash_token(key: bytes, token: str) -> str:
    """HMAC-SHA256 of ``token`` under ``key``, lower-case hex: what storage keeps and indexes.

    Keyed, so a stolen database cannot be checked against guessed tokens without the key.
    Any text is accepted (malformed tokens hash too, to keep the timing uniform).
    """
    if len(key) < MIN_HASH_KEY_BYTES:
        raise ValueError(f"the token hash key must be at least {MIN_HASH_KEY_BYTES} bytes")
    return hmac.new(key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def authenticate_token(key: bytes, token: str, entry: TokenEntry | None, now: float) -> TokenEntry:
    """The entry ``token`` authenticates as at ``now``, or :class:`InvalidToken`.

    ``entry`` is what storage returned for ``hash_token(key, token)`` (``None`` when nothing
    matched). The hash is recomputed and compared in constant time, so a storage lookup that
    matched loosely (collation, prefix index) can never let a wrong token through. Then
    :func:`check_usable` applies. The same work is done whatever the failure.
    """
    presented = hash_token(key, token)
    expected = entry.token_hash if entry is not None else _NO_SUCH_HASH
    hash_matches = hmac.compare_digest(presented, expected)
    well_formed = is_well_formed(token)
    if entry is None or not (hash_matches and well_formed):
        raise InvalidToken()
    return check_usable(entry, now)
