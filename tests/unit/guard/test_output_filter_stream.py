"""The streaming masker: a secret split across chunks is masked as if the text came whole."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from output_filter_samples import B62, PROVIDER_SAMPLES, fake, jwt, pem

from credgate.errors import OutputBlocked
from credgate.guard import OutputFilter, StreamMasker

KNOWN = "issued-Value-2024!"
PIECES = [
    *(value for _, value in PROVIDER_SAMPLES[::3]),
    KNOWN,
    f"password: {fake(B62, 14, 'stream-pw')}!\n",
    f"postgres://app:{fake(B62, 16, 'stream-url')}@db:5432/x",
    jwt("stream"),
    pem("EC PRIVATE KEY", "stream"),
    "plain words, nothing secret; ",
    "\n",
    "  indentation\t",
    "naïve café — 日本語のテキスト ",
    "export API_KEY=",
    fake(B62, 40, "stream-filler"),
]

documents = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map(" ".join)


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    edges = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(edges)]


GUARD = OutputFilter([KNOWN])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_stream_output_equals_masking_the_whole_text(text: str, cuts: list[int]) -> None:
    """However the text is chunked, the stream masks exactly what mask() masks, and what it
    has emitted so far is always a prefix of that: no part of a secret ever goes out early."""
    expected = GUARD.mask(text)
    stream = GUARD.stream()
    out = ""
    for chunk in chunked(text, cuts):
        out += stream.feed(chunk)
        assert expected.startswith(out)
    out += stream.close()
    assert out == expected


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=30))
def test_token_split_one_character_at_a_time_is_masked(cuts: list[int]) -> None:
    """The worst chunking (LLM token streams) must not let a key through piece by piece."""
    token = "sk-ant-api03-" + fake("ABCDEFabcdef0123456789_-", 93, "split") + "AA"
    text = f"Here is the key: {token} — keep it safe."
    stream = OutputFilter().stream()
    out = "".join(stream.feed(c) for c in text) + stream.close()
    assert out == "Here is the key: [REDACTED:anthropic_api_key] — keep it safe."
    assert cuts is not None


def test_stream_holds_back_only_the_unsafe_tail() -> None:
    """A stream that held everything until close() would make streaming pointless."""
    stream = OutputFilter().stream()
    emitted = stream.feed("word " * 200)
    assert len(emitted) >= 1000 - stream_holdback(stream)
    assert emitted + stream.close() == "word " * 200


def stream_holdback(stream: StreamMasker) -> int:
    return stream._filter.holdback + 5  # plus the trailing word


def test_block_mode_stream_raises_before_emitting_any_part_of_the_secret() -> None:
    """In block mode nothing of a secret may go out, even its first characters."""
    token = "ghp_" + fake(B62, 36, "block")
    stream = OutputFilter(mode="block").stream()
    emitted: list[str] = []

    def run() -> None:
        for piece in ("safe text. " * 150, "token: ", token[:10], token[10:], " more" * 80):
            emitted.append(stream.feed(piece))
        emitted.append(stream.close())

    with pytest.raises(OutputBlocked):
        run()
    assert "".join(emitted).startswith("safe text. ")
    assert token[:4] not in "".join(emitted)
    with pytest.raises(OutputBlocked):
        stream.feed("anything")


def test_report_mode_stream_passes_text_and_records_stream_offsets() -> None:
    """Report mode must not alter the text, and its offsets must point into the stream."""
    token = "npm_" + fake(B62, 36, "report")
    text = "x" * 300 + " " + token + " tail"
    stream = OutputFilter(mode="report").stream()
    out = stream.feed(text[:200]) + stream.feed(text[200:310]) + stream.feed(text[310:])
    out += stream.close()
    assert out == text
    assert [(f.start, f.end, f.type) for f in stream.findings] == [(301, 341, "npm_token")]


def test_token_longer_than_the_holdback_window_is_held_whole() -> None:
    """A JWT with a big payload is longer than the window: its start must not go out early."""
    import base64
    import json

    claims = {"sub": "agent", "groups": [fake(B62, 30, f"g{i}") for i in range(60)]}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    token = f"{jwt('long').split('.')[0]}.{payload}.{fake(B62, 43, 'sig')}"
    stream = OutputFilter().stream()
    text = f"token {token} end"
    out = ""
    for i in range(0, len(text), 50):
        out += stream.feed(text[i : i + 50])
        assert token[:20] not in out
    assert out + stream.close() == "token [REDACTED:jwt] end"


def test_long_private_key_split_in_lines_is_masked_whole() -> None:
    """A PEM block is longer than the holdback window; it must still never leak a line."""
    key = pem("RSA PRIVATE KEY", "long")
    stream = OutputFilter().stream()
    out = "".join(stream.feed(line + "\n") for line in ["begin:", *key.splitlines(), "end."])
    out += stream.close()
    assert out == "begin:\n[REDACTED:private_key]\nend.\n"


def test_repr_and_feed_after_close() -> None:
    """A closed stream must refuse more text rather than drop it silently."""
    stream = OutputFilter().stream()
    stream.feed("abc")
    stream.close()
    assert "pending" in repr(stream)
    with pytest.raises(ValueError, match="after close"):
        stream.feed("more")
