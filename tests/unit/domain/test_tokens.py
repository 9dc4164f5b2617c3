"""Token format, scanning, keyed hashing, accessors and authentication."""

from __future__ import annotations

import hashlib
import secrets
import zlib

import pytest

from credgate.domain.tokens import (
    ACCESSOR_LENGTH,
    TOKEN_LENGTH,
    TOKEN_PATTERN,
    TokenEntry,
    authenticate_token,
    find_tokens,
    generate_accessor,
    generate_token,
    hash_token,
    is_accessor,
    is_well_formed,
    new_token_entry,
    revoke,
)
from credgate.errors import InvalidToken

KEY = b"k" * 32
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
VALID = "cg_0000000000000000000000000000000004EV6YQ"  # generate_token(zeros), pinned


def zeros(n: int) -> bytes:
    return bytes(n)


def counting(n: int) -> bytes:
    return bytes(range(n))


def from_base62(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + ALPHABET.index(char)
    return value


def entry_for(token: str, *, now: float = 1000.0, ttl: float | None = 3600.0) -> TokenEntry:
    return new_token_entry(
        accessor=generate_accessor(counting),
        token_hash=hash_token(KEY, token),
        principal_id="agent-1",
        principal_kind="agent",
        namespace="acme/",
        policies=("read-dev",),
        now=now,
        ttl=ttl,
    )


# -- format ----------------------------------------------------------------------------------


def test_known_answer_tokens() -> None:
    """The token format is pinned: scanners written against it keep recognising our tokens."""
    assert generate_token(zeros) == VALID
    assert generate_token(counting) == "cg_000A7dl5PEW67zZCpFU9uKaHnGgOvQKAR06Abqd"


def test_body_is_the_random_number_and_checksum_is_crc32_of_prefix_and_body() -> None:
    """The documented layout holds, so third-party scanners can verify tokens themselves."""
    token = generate_token(counting)
    body, checksum = token[3:36], token[36:]
    assert from_base62(body) == int.from_bytes(counting(24), "big")
    assert from_base62(checksum) == zlib.crc32(token[:36].encode("ascii"))


def test_largest_random_value_still_fits_the_fixed_width() -> None:
    """Every token has the same length, whatever the random bytes were."""
    token = generate_token(lambda n: b"\xff" * n)
    assert len(token) == TOKEN_LENGTH == 42
    assert is_well_formed(token)


def test_generated_tokens_are_well_formed_and_distinct() -> None:
    """Tokens from the real random source validate and never repeat."""
    tokens = {generate_token(secrets.token_bytes) for _ in range(50)}
    assert len(tokens) == 50
    assert all(is_well_formed(t) and TOKEN_PATTERN.fullmatch(t) for t in tokens)


def test_generate_token_refuses_a_short_random_source() -> None:
    """A broken random source fails loudly instead of minting weak tokens."""
    with pytest.raises(ValueError, match="exactly 24 bytes"):
        generate_token(lambda n: bytes(n - 1))


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("", id="empty"),
        pytest.param("CG_" + VALID[3:], id="upper-case prefix"),
        pytest.param("cgx" + VALID[3:], id="wrong prefix"),
        pytest.param(VALID[:20] + VALID[21:], id="one short"),
        pytest.param(VALID[:20] + "0" + VALID[20:], id="one long"),
        pytest.param(VALID[:-1] + "R", id="bad checksum"),
        pytest.param(VALID[:20] + "-" + VALID[21:], id="non-base62"),
        pytest.param(VALID[:20] + "\uff10" + VALID[21:], id="full-width digit"),
        pytest.param(" " + VALID[:-1], id="leading space"),
    ],
)
def test_is_well_formed_rejects(candidate: str) -> None:
    """Garbage and typos are told apart from real tokens without a database lookup."""
    assert not is_well_formed(candidate)


def test_is_well_formed_rejects_non_text() -> None:
    """A JSON null or number in a token field is simply not a token."""
    assert not is_well_formed(None)  # type: ignore[arg-type]
    assert not is_well_formed(42)  # type: ignore[arg-type]


# -- scanning --------------------------------------------------------------------------------


def test_find_tokens_locates_every_token_in_text() -> None:
    """The output filter can mask each leaked token exactly."""
    a, b = generate_token(zeros), generate_token(counting)
    text = f"export CREDGATE_TOKEN={a}\nAuthorization: Bearer {b}."
    spans = find_tokens(text)
    assert [text[s:e] for s, e in spans] == [a, b]


def test_find_tokens_ignores_lookalikes_without_a_valid_checksum() -> None:
    """Random cg_-prefixed strings in logs are not reported as leaks."""
    fake = "cg_" + "A" * 39
    assert TOKEN_PATTERN.fullmatch(fake)
    assert find_tokens(f"id={fake} and {fake}") == []


def test_find_tokens_finds_a_token_glued_to_other_text() -> None:
    """A token with no separator around it (Bearercg_…xyz) is still caught."""
    token = generate_token(counting)
    text = f"Bearer{token}xyz"
    assert find_tokens(text) == [(6, 6 + TOKEN_LENGTH)]


def test_find_tokens_finds_a_token_hidden_behind_a_failing_candidate() -> None:
    """A decoy candidate that swallows the token's first letters does not hide the token."""
    token = generate_token(counting)
    text = "cg_" + "x" * 37 + token  # the decoy's 39 characters end with the token's "cg"
    assert TOKEN_PATTERN.search(text).start() == 0  # type: ignore[union-attr]
    assert find_tokens(text) == [(40, 40 + TOKEN_LENGTH)]


# -- accessors and hashing -------------------------------------------------------------------


def test_accessors_are_distinguishable_from_tokens() -> None:
    """An accessor pasted where a token is expected is never taken for one, nor scanned as one."""
    accessor = generate_accessor(secrets.token_bytes)
    assert accessor.startswith("acc_")
    assert len(accessor) == ACCESSOR_LENGTH
    assert is_accessor(accessor)
    assert not is_well_formed(accessor)
    assert find_tokens(accessor) == []
    assert not is_accessor(generate_token(zeros))
    assert not is_accessor("acc_" + "-" * 22)


def test_hash_token_is_keyed_hex_and_hides_the_token() -> None:
    """A stolen token table reveals no tokens and cannot be checked without the server key."""
    token = generate_token(counting)
    digest = hash_token(KEY, token)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest == hash_token(KEY, token)
    assert digest != hash_token(b"j" * 32, token)
    assert digest != hashlib.sha256(token.encode()).hexdigest()
    assert token[3:] not in digest


def test_hash_token_refuses_a_short_key() -> None:
    """A misconfigured (empty or tiny) hash key stops the server instead of weakening storage."""
    with pytest.raises(ValueError, match="at least 16 bytes"):
        hash_token(b"short", "cg_x")


def test_hash_token_accepts_any_text() -> None:
    """A hostile Authorization header with odd characters gets an answer, not a crash."""
    assert len(hash_token(KEY, "\udcff\x00é")) == 64


# -- authentication --------------------------------------------------------------------------


def test_authenticate_token_returns_the_entry_for_the_right_token() -> None:
    """A valid, live token is accepted."""
    token = generate_token(counting)
    entry = entry_for(token)
    assert authenticate_token(KEY, token, entry, now=1001.0) is entry


def test_authenticate_token_failures_are_one_opaque_error() -> None:
    """Unknown, wrong, malformed, expired and revoked tokens all get the same answer."""
    token = generate_token(counting)
    entry = entry_for(token)
    malformed = "not-a-token"
    malformed_entry = entry_for(malformed)
    other = generate_token(zeros)
    cases = [
        (token, None, 1001.0),
        (other, entry, 1001.0),
        (malformed, malformed_entry, 1001.0),
        (token, entry, 1000.0 + 3600.0),
        (token, revoke(entry, 1000.5), 1001.0),
    ]
    messages = set()
    for presented, stored, now in cases:
        with pytest.raises(InvalidToken) as info:
            authenticate_token(KEY, presented, stored, now)
        messages.add((info.value.code, info.value.message, info.value.hint))
    assert messages == {("permission_denied", "permission denied", InvalidToken().hint)}
