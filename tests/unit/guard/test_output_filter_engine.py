"""The engine's byte encoding: one byte per code point, so Hyperscan offsets are str offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from credgate.guard import OutputFilter
from credgate.guard.engine import literal_anchor, to_scan_bytes


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_scan_bytes_have_one_byte_per_code_point(text: str) -> None:
    """If lengths differed, every finding after a non-ASCII character would be misplaced."""
    data = to_scan_bytes(text)
    assert len(data) == len(text)
    for char, byte in zip(text, data, strict=True):
        if char.isascii():
            assert byte == ord(char)
        else:
            assert byte >= 0x80


def test_offsets_after_non_ascii_text_and_undecodable_bytes_are_exact() -> None:
    """Chat in Japanese or a log with bad UTF-8 must be masked at the right place."""
    raw = (
        b"\xff\xfe caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac npm_"
        + b"Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c"
    )
    text = raw.decode("utf-8", "surrogateescape")
    [finding] = OutputFilter().scan(text)
    assert text[finding.start : finding.end].startswith("npm_")
    assert finding.end == len(text)


def test_non_ascii_keyword_anchor_matches_its_own_encoding() -> None:
    """The multilingual password rule anchors on 'パスワード' through this encoding."""
    anchor = literal_anchor("パスワード")
    assert anchor.count("\\x") == 5
    assert OutputFilter().mask("パスワード: Zq7!kP2x") == "パスワード: [REDACTED:password]"
