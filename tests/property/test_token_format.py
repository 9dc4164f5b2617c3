"""Token format properties: round-trips, typo detection, and scanning in arbitrary text."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from credgate.domain.tokens import (
    TOKEN_LENGTH,
    TOKEN_PATTERN,
    find_tokens,
    generate_accessor,
    generate_token,
    is_accessor,
    is_well_formed,
)

random_bytes = st.binary(min_size=24, max_size=24)
tokens = random_bytes.map(lambda data: generate_token(lambda n: data[:n]))


@settings(max_examples=300, deadline=None)
@given(token=tokens)
def test_generated_tokens_are_well_formed(token: str) -> None:
    """Whatever the random bytes, the token validates and matches the scanner pattern."""
    assert len(token) == TOKEN_LENGTH
    assert is_well_formed(token)
    assert TOKEN_PATTERN.fullmatch(token)


@settings(max_examples=500, deadline=None)
@given(
    token=tokens,
    index=st.integers(min_value=0, max_value=TOKEN_LENGTH - 1),
    replacement=st.characters(),
)
def test_any_single_character_change_is_detected(token: str, index: int, replacement: str) -> None:
    """A token with one character mistyped is recognised as not a token."""
    assume(token[index] != replacement)
    changed = token[:index] + replacement + token[index + 1 :]
    assert not is_well_formed(changed)


@settings(max_examples=300, deadline=None)
@given(token=tokens, index=st.integers(min_value=0, max_value=TOKEN_LENGTH - 1))
def test_dropping_a_character_is_detected(token: str, index: int) -> None:
    """A truncated or half-pasted token is not a token."""
    assert not is_well_formed(token[:index] + token[index + 1 :])


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.text(max_size=30), min_size=1, max_size=5),
    planted=st.lists(tokens, min_size=1, max_size=4),
)
def test_find_tokens_finds_every_planted_token(parts: list[str], planted: list[str]) -> None:
    """Tokens pasted anywhere in surrounding text are all found, at their exact positions."""
    text, expected = "", []
    for index, token in enumerate(planted):
        text += parts[index % len(parts)]
        expected.append((len(text), len(text) + TOKEN_LENGTH))
        text += token
    text += parts[-1]
    assert find_tokens(text) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("cg_0123456789abcXYZ -\n"), max_size=200))
def test_find_tokens_reports_nothing_in_token_free_text(text: str) -> None:
    """Text full of near-misses (cg_ prefixes, base62 runs) produces no false alarm."""
    assert find_tokens(text) == []


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=16, max_size=16))
def test_accessors_never_look_like_tokens(data: bytes) -> None:
    """An accessor is recognised as one and never mistaken for, or scanned as, a token."""
    accessor = generate_accessor(lambda n: data[:n])
    assert is_accessor(accessor)
    assert not is_well_formed(accessor)
    assert find_tokens(accessor) == []
