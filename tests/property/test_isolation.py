"""Namespace isolation under attack: no header and no path reaches outside the token's namespace.

For random token namespaces, both principal kinds, spoofed namespace headers and request
paths assembled from traversal pieces (``..``, ``%2e%2e``, ``%2F``, ``//``, trailing dots,
backslashes, Unicode look-alikes, NUL...), resolving the namespace and normalising the path
either raises one of the request errors, or yields an absolute path inside the token's
namespace that no later layer (a second percent-decode, NFKC, POSIX path normalisation)
could move elsewhere. For agents the namespace is exactly the token's own.
"""

from __future__ import annotations

import posixpath
import unicodedata
from urllib.parse import unquote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from credgate.domain.namespaces import is_within, resolve_request_namespace
from credgate.domain.paths import absolute_path, normalise_request_path
from credgate.errors import Denied, InvalidPath, InvalidRequest

REQUEST_ERRORS = (InvalidPath, InvalidRequest, Denied)
NAMES = ["acme", "globex", "team-a", "team-b", "prod", "x1", "secret"]

namespaces = st.lists(st.sampled_from(NAMES), max_size=4).map(
    lambda parts: "".join(p + "/" for p in parts)
)
kinds = st.sampled_from(["operator", "agent"])

SPOOFED_HEADER_PIECES = [
    "..",
    ".",
    "../other",
    "/other",
    "other",
    "acme",
    "team-a",
    "%2e%2e",
    "%2E%2E",
    "%2f",
    "%2F",
    "%5c",
    "%252e",
    "\\",
    "\u2215",
    "\uff0f",
    "\uff0e\uff0e",
    "\u2024",
    "\u0430cme",  # Cyrillic a
    "ACME",
    "",
    " ",
    "\t",
    "\x00",
    "/",
    "//",
    "root",
    "sys",
]
headers = st.one_of(
    st.none(),
    st.sampled_from(SPOOFED_HEADER_PIECES),
    st.lists(st.sampled_from(SPOOFED_HEADER_PIECES + NAMES), max_size=4).map("/".join),
    st.text(max_size=20),
)

PATH_PIECES = [
    "secret",
    "data",
    "metadata",
    "app",
    "other",
    "acme",
    "..",
    ".",
    "...",
    "app.",
    "app..",
    " app",
    "%2e%2e",
    "%2E%2e",
    "%2F",
    "%2f",
    "%5C",
    "%25",
    "%252e%252e",
    "%c0%ae",
    "/",
    "//",
    "\\",
    "\\..\\",
    "\u2215",
    "\u2044",
    "\uff0f",
    "\u29f8",
    "\uff0e",
    "\u2024",
    "\ufe52",
    "\uff3c",
    "\u2216",
    "\x00",
    "\x1f",
    "\x7f",
    "\u0085",
    "\u200b",
    "\u202e",
    "e\u0301",
    "?",
    "#",
]
pieces = st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=8)
ENCODINGS = ["%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%25", "%2e%2e", "%252f"]
# Clean names with one escape hidden inside: only the raw-path check can catch "a%2Fb".
encoded_paths = st.builds(
    lambda before, left, code, right, after: "/".join([*before, left + code + right, *after]),
    st.lists(st.sampled_from(NAMES), max_size=3),
    st.sampled_from(["", *NAMES]),
    st.sampled_from(ENCODINGS),
    st.sampled_from(["", *NAMES]),
    st.lists(st.sampled_from(NAMES), max_size=3),
)
# Mostly clean paths with the odd hostile piece: the cases closest to the line.
mostly_clean = st.lists(st.sampled_from(NAMES * 6 + PATH_PIECES), min_size=1, max_size=6)
raw_paths = st.one_of(
    encoded_paths,
    mostly_clean.map("/".join),
    mostly_clean.map(lambda p: "/".join(p) + "/"),
    pieces.map("/".join),
    pieces.map("".join),
    pieces.map(lambda p: "/" + "/".join(p) + "/"),
    st.text(max_size=40),
)


def _resolve(token_ns: str, kind: str, header: str | None, raw: str) -> tuple[str, str] | None:
    """The server's view: decode the URL once, then resolve and normalise; None if refused."""
    decoded = unquote(raw)
    try:
        namespace = resolve_request_namespace(token_ns, kind, header)
        path = normalise_request_path(decoded, raw_path=raw)
    except REQUEST_ERRORS:
        return None
    return namespace, path


def _assert_inside(token_ns: str, kind: str, namespace: str, path: str) -> None:
    full = absolute_path(namespace, path)
    assert full.startswith(token_ns)
    assert is_within(namespace, token_ns)
    if kind == "agent":
        assert namespace == token_ns
    segments = path.rstrip("/").split("/")
    assert all(s not in ("", ".", "..") for s in segments)
    # No later layer can move the path: a second decode, NFKC, or POSIX normalisation.
    assert unquote(full) == full
    folded = unicodedata.normalize("NFKC", path)
    assert folded.count("/") == path.count("/")
    assert all(s.strip(".") for s in folded.rstrip("/").split("/"))
    assert "\\" not in folded
    assert posixpath.normpath("/" + full) == "/" + full.rstrip("/")


@settings(max_examples=500, deadline=None)
@given(token_ns=namespaces, kind=kinds, header=headers, raw=raw_paths)
@example(token_ns="acme/", kind="agent", header="../globex", raw="secret/data/app")
@example(token_ns="acme/", kind="operator", header="..", raw="secret/data/app")
@example(token_ns="acme/", kind="operator", header="/globex", raw="secret/data/app")
@example(token_ns="acme/", kind="agent", header=None, raw="secret/%2e%2e/%2e%2e/globex/x")
@example(token_ns="acme/", kind="agent", header=None, raw="secret/..%2fglobex/x")
@example(token_ns="acme/", kind="agent", header=None, raw="secret/\uff0e\uff0e\u2215globex")
def test_requests_never_leave_the_token_namespace(
    token_ns: str, kind: str, header: str | None, raw: str
) -> None:
    """An agent or operator cannot address another tenant's secrets, whatever it sends."""
    resolved = _resolve(token_ns, kind, header, raw)
    if resolved is not None:
        _assert_inside(token_ns, kind, *resolved)


@settings(max_examples=300, deadline=None)
@given(token_ns=namespaces, header=headers)
def test_agents_never_change_namespace(token_ns: str, header: str | None) -> None:
    """Any header an agent sends that is not empty or '/' is refused; otherwise nothing moves."""
    try:
        namespace = resolve_request_namespace(token_ns, "agent", header)
    except REQUEST_ERRORS:
        assert header not in (None, "", "/")
        return
    assert namespace == token_ns


@settings(max_examples=300, deadline=None)
@given(token_ns=namespaces, header=headers)
def test_operators_only_go_down(token_ns: str, header: str | None) -> None:
    """An operator's header resolves to its own namespace or one below it, never up or across."""
    try:
        namespace = resolve_request_namespace(token_ns, "operator", header)
    except REQUEST_ERRORS:
        return
    assert namespace.startswith(token_ns)
    assert namespace.count("/") >= token_ns.count("/")


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(encoded_paths, raw_paths))
def test_encoded_separators_are_always_refused(raw: str) -> None:
    """A path whose undecoded form hides '/', '.', '\\' or '%' behind an escape never passes."""
    lowered = raw.lower()
    if any(code in lowered for code in ("%2e", "%2f", "%5c", "%25")):
        assert _resolve("acme/", "agent", None, raw) is None


@settings(max_examples=300, deadline=None)
@given(path=st.text(max_size=60))
def test_normalisation_is_idempotent(path: str) -> None:
    """A normalised path normalises to itself, so checking twice never changes the answer."""
    try:
        clean = normalise_request_path(path)
    except InvalidPath:
        return
    assert normalise_request_path(clean) == clean
