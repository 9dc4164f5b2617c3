"""Request path normalisation: one clean form, and refusal of anything ambiguous."""

from __future__ import annotations

import pytest

from credgate.domain.paths import (
    MAX_PATH_BYTES,
    MAX_SEGMENT_BYTES,
    absolute_path,
    normalise_request_path,
)
from credgate.errors import InvalidPath


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("secret/data/dev/app", "secret/data/dev/app"),
        ("/secret/data/dev/app", "secret/data/dev/app"),
        ("secret/metadata/", "secret/metadata/"),
        ("/secret/metadata/dev/", "secret/metadata/dev/"),
        ("sys/health", "sys/health"),
        ("secret/data/.env-file", "secret/data/.env-file"),
        ("secret/data/v1.2", "secret/data/v1.2"),
        ("secret/data/a..b", "secret/data/a..b"),
        ("secret/data/my app", "secret/data/my app"),
        ("secret/data/caf\u00e9", "secret/data/caf\u00e9"),
        ("secret/data/\u6771\u4eac", "secret/data/\u6771\u4eac"),
        ("secret/data/\u30ce\u30fc\u30c8", "secret/data/\u30ce\u30fc\u30c8"),  # katakana
        ("secret/data/a:b@c+d=e,f;g~h!", "secret/data/a:b@c+d=e,f;g~h!"),
    ],
)
def test_accepted_paths(raw: str, clean: str) -> None:
    """Ordinary secret paths, including dotted and non-ASCII names, work as typed."""
    assert normalise_request_path(raw) == clean


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # traversal and dot segments
        ("secret/../sys/policy", "dot segments"),
        ("../secret", "dot segments"),
        ("secret/data/..", "dot segments"),
        ("secret/./data", "dot segments"),
        ("secret/.../data", "dot segments"),
        (".", "dot segments"),
        ("secret/data/app.", "ends with a dot"),
        ("secret/data/app../", "ends with a dot"),
        # a second encoding layer (the server decoded once already)
        ("secret/%2e%2e/sys", "U+0025 PERCENT SIGN"),
        ("secret/%2E%2E/sys", "U+0025 PERCENT SIGN"),
        ("secret/a%2fb", "U+0025 PERCENT SIGN"),
        ("secret/a%2Fb", "U+0025 PERCENT SIGN"),
        ("secret/a%5cb", "U+0025 PERCENT SIGN"),
        ("secret/a%25b", "U+0025 PERCENT SIGN"),
        ("secret/%c0%ae%c0%ae/x", "U+0025 PERCENT SIGN"),
        ("secret/100%", "U+0025 PERCENT SIGN"),
        # other separators
        ("secret\\..\\sys", "REVERSE SOLIDUS"),
        ("secret/a\\b", "REVERSE SOLIDUS"),
        ("secret/a?b", "QUESTION MARK"),
        ("secret/a#b", "NUMBER SIGN"),
        # control characters
        ("secret/a\x00b", "control character"),
        ("secret/a\tb", "control character"),
        ("secret/a\nb", "control character"),
        ("secret/a\rb", "control character"),
        ("secret/a\x7fb", "control character"),
        ("secret/a\x85b", "control character"),
        ("secret/a\x9bb", "control character"),
        # invisible and spacing characters
        ("secret/a\u200bb", "ZERO WIDTH SPACE"),
        ("secret/a\u202eb", "RIGHT-TO-LEFT OVERRIDE"),
        ("secret/a\ufeffb", "ZERO WIDTH NO-BREAK SPACE"),
        ("secret/a\u00a0b", "NO-BREAK SPACE"),
        ("secret/a\u3000b", "IDEOGRAPHIC SPACE"),
        ("secret/a\u2028b", "LINE SEPARATOR"),
        ("secret/a\ue000b", "unnamed"),  # private use
        ("secret/a\udcffb", "unnamed"),  # lone surrogate
        ("secret/a\ufffdb", "REPLACEMENT CHARACTER"),
        # look-alikes of '/'
        ("secret/a\u2215b", "DIVISION SLASH"),
        ("secret/a\u2044b", "FRACTION SLASH"),
        ("secret/a\uff0fb", "FULLWIDTH SOLIDUS"),
        ("secret/a\u29f8b", "BIG SOLIDUS"),
        ("secret/a\u2571b", "BOX DRAWINGS"),
        ("secret/a\u0338b", "COMBINING LONG SOLIDUS OVERLAY"),
        ("secret/\u2100", "ACCOUNT OF"),  # NFKC "a/c"
        # look-alikes of '.'
        ("secret/\uff0e\uff0e/sys", "FULLWIDTH FULL STOP"),
        ("secret/\u2024\u2024/sys", "ONE DOT LEADER"),
        ("secret/\u2025/sys", "TWO DOT LEADER"),
        ("secret/\u2026", "HORIZONTAL ELLIPSIS"),
        ("secret/\ufe52\ufe52", "SMALL FULL STOP"),
        ("secret/a\u3002b", "IDEOGRAPHIC FULL STOP"),
        ("secret/a\uff61b", "HALFWIDTH IDEOGRAPHIC FULL STOP"),
        ("secret/\u2488", "DIGIT ONE FULL STOP"),  # NFKC "1."
        # look-alikes of '\' and of other refused characters
        ("secret/a\uff3cb", "FULLWIDTH REVERSE SOLIDUS"),
        ("secret/a\u2216b", "SET MINUS"),
        ("secret/a\ufe68b", "SMALL REVERSE SOLIDUS"),
        ("secret/a\u29f5b", "REVERSE SOLIDUS OPERATOR"),
        ("secret/a\uff05b", "FULLWIDTH PERCENT SIGN"),
        ("secret/a\uff1fb", "FULLWIDTH QUESTION MARK"),
        # Unicode normal form
        ("secret/cafe\u0301", "NFC"),
        ("secret/\u212b", "NFC"),  # ANGSTROM SIGN, NFC is U+00C5
        # empty segments and empty paths
        ("secret//data", "is empty"),
        ("//secret", "is empty"),
        ("secret/data//", "is empty"),
        ("", "empty"),
        ("/", "empty"),
        # spaces around names
        ("secret/ app", "space"),
        ("secret/app /x", "space"),
    ],
)
def test_rejected_paths(raw: str, reason: str) -> None:
    """Every path another layer could read differently is refused, and the message says why."""
    with pytest.raises(InvalidPath) as info:
        normalise_request_path(raw)
    assert reason in info.value.message
    assert info.value.code == "invalid_path"


def test_error_messages_never_echo_raw_control_characters() -> None:
    """A hostile path cannot inject terminal escapes or fake lines into logs via the error."""
    for raw in ("a/\x1b[2J", "a/\n200 OK", "a/\u202eevil"):
        with pytest.raises(InvalidPath) as info:
            normalise_request_path(raw)
        assert info.value.message.isascii()
        assert info.value.message.isprintable()


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/v1/secret/data/a%2Fb",
        b"/v1/secret/data/a%2fb",
        b"/v1/secret/%2e%2e/sys",
        b"/v1/secret/%2E/x",
        b"/v1/secret/a%5Cb",
        b"/v1/secret/a%5cb",
        b"/v1/secret/a%25b",
        "/v1/secret/a%2Fb",
    ],
)
def test_encoded_separators_in_the_raw_path_are_refused(raw_path: bytes | str) -> None:
    """An encoded slash that the server decoded into a real one is caught via the raw path."""
    with pytest.raises(InvalidPath, match="percent-encoded"):
        normalise_request_path("secret/data/a/b", raw_path=raw_path)


def test_other_encodings_in_the_raw_path_are_fine() -> None:
    """Encoded spaces and Unicode are ordinary names, not an attack."""
    assert (
        normalise_request_path("secret/my app/caf\u00e9", raw_path=b"/v1/secret/my%20app/caf%C3%A9")
        == "secret/my app/caf\u00e9"
    )


def test_path_length_is_limited_in_bytes() -> None:
    """Up to 1024 bytes is served; one more is refused, counting multi-byte characters."""
    segment = "a" * 200
    path = "/".join([segment] * 5) + "/" + "b" * (MAX_PATH_BYTES - 1005)
    assert len(path.encode()) == MAX_PATH_BYTES
    assert normalise_request_path(path) == path
    assert normalise_request_path("/" + path) == path
    with pytest.raises(InvalidPath, match="longer than 1024 bytes"):
        normalise_request_path(path + "b")
    wide = "/".join(["\u00e9" * 100] * 6)  # 200 bytes per segment, 1205 bytes in all
    assert len(wide) < MAX_PATH_BYTES
    with pytest.raises(InvalidPath, match="longer than 1024 bytes"):
        normalise_request_path(wide)
    with pytest.raises(InvalidPath, match="longer than 1024 bytes"):
        normalise_request_path("a" * 100_000)


def test_segment_length_is_limited_in_bytes() -> None:
    """A 255-byte name works; 256 bytes (or 128 two-byte characters) is refused."""
    assert normalise_request_path("secret/" + "a" * MAX_SEGMENT_BYTES)
    with pytest.raises(InvalidPath, match="longer than 255 bytes"):
        normalise_request_path("secret/" + "a" * (MAX_SEGMENT_BYTES + 1))
    with pytest.raises(InvalidPath, match="longer than 255 bytes"):
        normalise_request_path("secret/" + "\u00e9" * 128)


def test_non_text_path_is_refused() -> None:
    """Bytes where text was expected are a request error."""
    with pytest.raises(InvalidPath):
        normalise_request_path(b"secret/x")  # type: ignore[arg-type]


def test_absolute_path_prefixes_the_namespace() -> None:
    """Policies and audit see the full path, namespace first."""
    assert absolute_path("", "secret/data/x") == "secret/data/x"
    assert absolute_path("acme/team-a/", "secret/data/x") == "acme/team-a/secret/data/x"
    assert absolute_path("acme/", "secret/metadata/") == "acme/secret/metadata/"


def test_absolute_path_refuses_unnormalised_input() -> None:
    """Passing a raw namespace or an absolute path is a programming error, caught early."""
    with pytest.raises(ValueError, match="namespace"):
        absolute_path("acme", "secret/x")
    with pytest.raises(ValueError, match="relative"):
        absolute_path("acme/", "/secret/x")
