"""Known values behind escapes: percent-encoding, JSON/JS escapes and HTML character references,
mixed in any proportion and nested, are decoded and each match mapped back to its source."""

from __future__ import annotations

import base64
import html
import json
import random
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credgate.guard import OutputFilter
from credgate.guard.decoded_view import DecodedView, decoded_views

VALUE = 'Qe7rT-sec"ret/Val+ue 9x<é>€😀'  # quote, slash, plus, space, markup, non-ASCII, astral
MARK = "[REDACTED:known_value]"


def pct_every_byte(value: str, *, lower: bool = False) -> str:
    out = "".join(f"%{b:02X}" for b in value.encode())
    return out.lower() if lower else out


def js_every_char(value: str) -> str:
    # \uXXXX per UTF-16 unit: an astral character becomes a surrogate pair
    units = value.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02X}" for i in range(0, len(units), 2))


def html_every_char(value: str, style: str) -> str:
    if style == "dec":
        return "".join(f"&#{ord(c)};" for c in value)
    if style == "hex-no-semicolon":
        return "".join(f"&#x{ord(c):X}" for c in value)
    return html.escape(value)  # named: &quot; &lt; &gt;


def mixed(value: str, seed: int) -> str:
    """Each character as is or escaped, at random, with a random escape."""
    rng = random.Random(seed)
    out = []
    for char in value:
        how = rng.choice(["as is", "pct", "PCT", "js", "dec", "hex"])
        if how == "pct":
            out.append(quote(char, safe="").lower() if quote(char, safe="") != char else char)
        elif how == "PCT":
            out.append(pct_every_byte(char))
        elif how == "js":
            out.append(js_every_char(char))
        elif how == "dec":
            out.append(f"&#{ord(char)};")
        elif how == "hex":
            out.append(f"&#x{ord(char):x};")
        else:
            out.append(char)
    return "".join(out)


FORMS = {
    "pct-every-byte": pct_every_byte(VALUE),
    "pct-every-byte-lower": pct_every_byte(VALUE, lower=True),
    "json-u-every-char": js_every_char(VALUE),
    "json-dumps-ascii": json.dumps(VALUE)[1:-1],
    "html-decimal": html_every_char(VALUE, "dec"),
    "html-hex-no-semicolon": html_every_char(VALUE, "hex-no-semicolon"),
    "html-named": html_every_char(VALUE, "named"),
    "url-twice": quote(quote(VALUE, safe=""), safe=""),
    "url-three-times": quote(quote(quote(VALUE, safe=""), safe=""), safe=""),
    "json-in-json": json.dumps(json.dumps(VALUE))[3:-3],
    "html-of-url": html.escape(quote(VALUE, safe="")).replace("%", "&#37;"),
    "url-of-json-u": quote(js_every_char(VALUE), safe=""),
    **{f"mixed-{seed}": mixed(VALUE, seed) for seed in range(8)},
}


@pytest.fixture
def guard() -> OutputFilter:
    return OutputFilter([VALUE])


@pytest.mark.parametrize(("name", "form"), sorted(FORMS.items()))
def test_escaped_value_is_masked_whole(guard: OutputFilter, name: str, form: str) -> None:
    """However the value's characters are escaped, the whole escaped span becomes one marker and
    the text around it is left alone."""
    masked = guard.mask(f"before {form} after")
    assert masked == f"before {MARK} after", name


def test_finding_spans_the_escaped_text_and_names_the_decoded_rule(guard: OutputFilter) -> None:
    """The finding points at the original (escaped) characters, rule known_value.decoded."""
    form = pct_every_byte(VALUE)
    text = f"x={form}&y=1"
    (finding,) = guard.scan(text)
    assert text[finding.start : finding.end] == form
    assert finding.type == "known_value"
    assert finding.rule == "known_value.decoded"


def test_an_encoded_form_found_after_decoding_names_its_form() -> None:
    """base64 of the value with '+' and '/' percent-encoded is found once decoded."""
    value = "\xfb\xef\xbe-secret-value"  # base64 of it contains '+' and '/'
    b64 = base64.b64encode(value.encode()).decode()
    assert "+" in b64 or "/" in b64
    text = "token=" + quote(b64, safe="")
    (finding,) = OutputFilter([value]).scan(text)
    assert finding.rule == "known_value.decoded.base64"
    assert text[finding.start :] == quote(b64, safe="")


def test_other_escapes_in_the_same_text_are_left_alone(guard: OutputFilter) -> None:
    """Only the escaped value is masked: ordinary escapes next to it stay as they were."""
    text = 'a=%20b&amp;c\\n "' + js_every_char(VALUE) + '" \\u00e9 %41%42 &#169;'
    masked = guard.mask(text)
    assert masked == 'a=%20b&amp;c\\n "' + MARK + '" \\u00e9 %41%42 &#169;'


def test_a_partly_escaped_prefix_of_the_value_is_not_a_finding(guard: OutputFilter) -> None:
    """Decoding does not make a partial value match: nothing is masked that is not the value."""
    text = pct_every_byte(VALUE[:-3])
    assert guard.scan(text) == []


def test_text_without_escape_characters_has_no_view() -> None:
    """No '%', backslash or '&': no decoded view is built (the cost is three `in` tests)."""
    assert decoded_views("plain text, no escapes at all") == []
    assert decoded_views("50% off; C:\\ path & more") == []  # escape characters, no escape


def test_invalid_utf8_and_out_of_range_references_stay_as_they_are() -> None:
    """Bytes that are not UTF-8, surrogate and too-large code points are not decoded."""
    view = DecodedView("%FF%C3%28 &#xD800; &#1114112; &nosuchentity; %e2%82%ac")
    assert view.text == "%FF%C3( &#xD800; &#1114112; &nosuchentity; €"


def test_span_map_points_back_into_the_source() -> None:
    """Each decoded character maps to the escape it came from; literal text maps one to one."""
    source = "id %51%65 mid \\u0041\\ud83d\\ude00&#x42;&quot; end"
    view = DecodedView(source)
    assert view.text == 'id Qe mid A😀B" end'
    for piece, escaped in [
        ("Qe", "%51%65"),
        ("A😀", "\\u0041\\ud83d\\ude00"),
        ('B"', "&#x42;&quot;"),
        (" mid ", " mid "),
        ("e mid A", "%65 mid \\u0041"),
    ]:
        start = view.text.index(piece)
        a, b = view.original(start, start + len(piece))
        assert source[a:b] == escaped


def test_nested_rounds_compose_back_to_the_source() -> None:
    """%2551 needs two rounds, %252551 three; the chain maps a match to the outer escapes."""
    views = decoded_views("v=%252551!")
    assert [v.text for v in views] == ["v=%2551!", "v=%51!", "v=Q!"]
    start, end = 2, 3
    for view in reversed(views):
        start, end = view.original(start, end)
    assert (start, end) == (2, 9)


def test_only_wanted_characters_are_decoded() -> None:
    """A caller looking for known characters skips escapes of any other (a JSON text's \\n)."""
    view = DecodedView('line\\nnext \\"q\\" %41 %0A', frozenset("A"))
    assert view.text == 'line\\nnext \\"q\\" A %0A'


def test_stream_masks_an_escaped_value_split_over_chunks(guard: OutputFilter) -> None:
    """A stream holds back enough to see a value escaped character by character."""
    text = "out: " + js_every_char(VALUE) + " done\n" * 3
    stream = guard.stream()
    out = "".join(stream.feed(text[i : i + 7]) for i in range(0, len(text), 7)) + stream.close()
    assert out == guard.mask(text)
    assert MARK in out


@settings(max_examples=150, deadline=None)
@given(
    value=st.text(min_size=8, max_size=24).filter(lambda v: v.strip()),
    seed=st.integers(0, 10_000),
    left=st.text(alphabet="ab %&\\;#x0", max_size=6),
    right=st.text(alphabet="ab %&\\;#x0", max_size=6),
)
def test_any_mix_of_escapes_is_masked(value: str, seed: int, left: str, right: str) -> None:
    """Property: a value with each character escaped at random (or not) is never left visible,
    whatever escape-like noise surrounds it."""
    guard = OutputFilter([value])
    form = mixed(value, seed)
    masked = guard.mask(f"{left}<{form}>{right}")
    assert form not in masked or form == ""
    assert MARK in masked
