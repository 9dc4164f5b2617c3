"""Request paths: one normal form, and refusal of everything that could mean two things.

Contract with the HTTP adapter: :func:`normalise_request_path` receives the path after
``/v1/`` **as the server already percent-decoded it, exactly once** (Starlette/uvicorn's
``scope["path"]``). Nothing here decodes again. When the undecoded form is available
(``scope["raw_path"]``) pass it as ``raw_path``: it is the only place an encoded slash
(``%2F``) can still be told apart from a real one.

Refusal beats repair. A path that a later layer (a secret engine, a proxy, a file system, a
Unicode-normalising database) could read as a different path is refused with
:class:`credgate.errors.InvalidPath`, never "cleaned up", so what the policy check sees is
exactly what the engine gets:

- ``.`` and ``..`` segments, segments made only of dots, segments ending with a dot (Windows
  drops trailing dots), segments starting or ending with a space (it drops those too);
- any ``%`` in the decoded path (a second encoding layer: ``%2e``, ``%2f``, ``%5c``, ``%25``),
  and in the raw path any encoded ``/``, ``.``, ``\\`` or ``%`` (``%2F``, ``%2e``...);
- backslashes, ``?`` and ``#`` (separators in other URL parsers);
- control characters (C0, DEL, C1), invisible format characters (zero-width space,
  bidirectional overrides, BOM), line separators, non-ASCII spaces, surrogates, private-use
  and unassigned code points, U+FFFD (a decoding failure upstream);
- look-alikes of ``/``, ``.`` and ``\\``: every character whose NFKC form contains one of
  ``/ . \\ % ? #`` (full-width solidus, one-dot leader, small full stop...), plus a list of
  characters that look like them without decomposing (division slash U+2215, fraction slash
  U+2044, big solidus U+29F8, set minus U+2216, ideographic full stop U+3002...);
- text that is not in Unicode NFC (two spellings of the same name would be two secrets);
- empty segments (``a//b``, a leading ``//``), except one trailing slash, which means LIST;
- paths over 1024 bytes and segments over 255 bytes (UTF-8).
"""

from __future__ import annotations

import re
import unicodedata

from credgate.errors import InvalidPath

__all__ = ["MAX_PATH_BYTES", "MAX_SEGMENT_BYTES", "absolute_path", "normalise_request_path"]

MAX_PATH_BYTES = 1024
MAX_SEGMENT_BYTES = 255

# Encoded '.', '/', '%' and '\' in the undecoded path, any case.
_ENCODED_SEPARATOR = re.compile(rb"%(?:2[eEfF5]|5[cC])")

# ASCII characters that are structural somewhere along the way: path separators, the escape
# character, URL query and fragment starts. Literal ones are refused (except '/' and '.',
# which are checked per segment) and so is anything that NFKC-normalises to contain one.
_STRUCTURAL = frozenset("/.\\%?#")
_REFUSED_ASCII = frozenset("\\%?#")

# Look-alikes that NFKC leaves alone (from Unicode's confusables.txt, symbols and punctuation
# only: letters such as katakana NO U+30CE are left to their scripts).
_LOOKALIKES = frozenset(
    "\u0337\u0338"  # combining short / long solidus overlay
    "\u1735\u2041\u2044\u2215\u2571\u27cb\u29f8\u3033\u31d3\U0001d23a"  # like '/'
    "\u2216\u27cd\u29f5\u29f9\u31d4\u2f02\U0001d20f\U0001d23b"  # like '\'
    "\u0701\u0702\ua4f8\ua60e\u3002\U00010a50\U0001d16d"  # like '.' (U+3002: IDNA dot)
)
# A character is refused when its NFKC form contains any of these (U+FF61 becomes U+3002).
_REFUSED_AFTER_NFKC = _STRUCTURAL | _LOOKALIKES
# Unicode categories refused outright: controls, format characters, surrogates, private use,
# unassigned, line and paragraph separators. (Space separators other than U+0020 are refused
# below.)
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_HINT = (
    "use plain '/'-separated names without '.' or '..' segments, percent-encoding, "
    "backslashes, control characters or look-alike Unicode"
)


def normalise_request_path(path: str, *, raw_path: bytes | str | None = None) -> str:
    """The clean relative path for a request, or raise :class:`InvalidPath`.

    ``path`` is the percent-decoded path after ``/v1/``; one leading ``/`` is dropped, one
    trailing ``/`` is kept (a LIST request). ``raw_path``, when given, is the undecoded request
    path (any prefix may be included); it is only searched for encoded separators.
    """
    if raw_path is not None:
        _check_raw(raw_path)
    if not isinstance(path, str):
        raise InvalidPath("the request path must be text", hint=_HINT)
    if len(path) > MAX_PATH_BYTES + 1:  # cheap bound before looking at characters
        raise InvalidPath(f"the path is longer than {MAX_PATH_BYTES} bytes", hint=_HINT)
    relative = path[1:] if path.startswith("/") else path
    if relative == "":
        raise InvalidPath("the request path is empty", hint=_HINT)
    _check_characters(relative)
    if not unicodedata.is_normalized("NFC", relative):
        raise InvalidPath(
            "the path is not in Unicode NFC form",
            hint="send names in NFC (composed) form, as most systems produce them",
        )
    if len(relative.encode("utf-8")) > MAX_PATH_BYTES:
        raise InvalidPath(f"the path is longer than {MAX_PATH_BYTES} bytes", hint=_HINT)
    body = relative[:-1] if relative.endswith("/") else relative
    for index, segment in enumerate(body.split("/"), start=1):
        _check_segment(segment, index)
    return relative


def _check_raw(raw_path: bytes | str) -> None:
    raw = raw_path.encode("utf-8", "surrogatepass") if isinstance(raw_path, str) else raw_path
    if _ENCODED_SEPARATOR.search(raw):
        raise InvalidPath(
            "the path contains a percent-encoded '/', '.', '\\' or '%'",
            hint="send separators and dots literally; encoded ones are refused",
        )


def _check_characters(text: str) -> None:
    for position, char in enumerate(text, start=1):
        if char.isascii():
            if char in _REFUSED_ASCII or not char.isprintable():
                raise InvalidPath(
                    f"character {position} of the path ({_describe(char)}) is not allowed",
                    hint=_HINT,
                )
            continue
        category = unicodedata.category(char)
        if (
            category in _REFUSED_CATEGORIES
            or category == "Zs"
            or char in _LOOKALIKES
            or char == "\ufffd"
            or not _REFUSED_AFTER_NFKC.isdisjoint(unicodedata.normalize("NFKC", char))
        ):
            raise InvalidPath(
                f"character {position} of the path ({_describe(char)}) is not allowed",
                hint=_HINT,
            )


def _check_segment(segment: str, index: int) -> None:
    where = f"segment {index} of the path"
    if segment == "":
        raise InvalidPath(f"{where} is empty ('//' or a leading '/')", hint=_HINT)
    if segment.strip(".") == "":
        raise InvalidPath(f"{where} is {segment[:8]!a}: dot segments are refused", hint=_HINT)
    if segment.endswith("."):
        raise InvalidPath(f"{where} ends with a dot", hint=_HINT)
    if segment != segment.strip(" "):
        raise InvalidPath(f"{where} starts or ends with a space", hint=_HINT)
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise InvalidPath(f"{where} is longer than {MAX_SEGMENT_BYTES} bytes", hint=_HINT)


def _describe(char: str) -> str:
    # The code point and its Unicode name: safe to log, and tells the user what to look for.
    fallback = "control character" if unicodedata.category(char) == "Cc" else "unnamed"
    name = unicodedata.name(char, fallback)
    return f"U+{ord(char):04X} {name}"


def absolute_path(namespace: str, path: str) -> str:
    """``namespace + path``: where a normalised request path lives, for policy and audit.

    ``namespace`` must be canonical (``""`` or ending in ``/``) and ``path`` the result of
    :func:`normalise_request_path`. Storage should key by the pair, not by this string: a
    mount named like a child namespace would otherwise share its keys.
    """
    if namespace and not namespace.endswith("/"):
        raise ValueError(f"not a canonical namespace: {ascii(namespace)[:80]}")
    if path.startswith("/"):
        raise ValueError("the path must be relative (normalise it first)")
    return namespace + path
