"""Generate the labelled prompt-injection corpus (deterministic, seeded).

    .venv/bin/python tests/corpus/injection/generate.py          # rewrite generated_*.jsonl
    .venv/bin/python tests/corpus/injection/generate.py --check  # exit 1 if they differ

Each line is ``{"id", "kind", "text", "injection", "technique"}``: ``kind`` is the carrier
(web_page, email, email_html, readme, code_file, tool_output, pdf_text, chat_log,
issue_comment), ``technique`` is ``family/hiding/lang`` for attacks (``exfil/css_white/en``)
and ``benign:label`` for the rest.

Two splits: ``generated_train.jsonl`` (seed 1) is what the inspector was tuned on;
``generated_heldout.jsonl`` (seed 2) draws its phrasings from the quarter of every pool that
the train split never uses, so it measures phrasings the rules were not written against.
"""

from __future__ import annotations

import base64
import html
import json
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import carriers
from benign import FILLER, FILLER_FOREIGN, LOOKALIKES
from payloads import (
    ACTIONS,
    ADDRESS,
    ENV_NAMES,
    EVIL_EMAILS,
    EVIL_HOSTS,
    FOREIGN,
    GENERIC,
    OVERRIDE,
    SECRECY,
)

HERE = Path(__file__).resolve().parent
SPLITS = {"train": (1, 300, 240), "heldout": (2, 170, 150)}  # seed, attacks, benign

HIDING: dict[str, list[str]] = {
    "web_page": [
        "visible",
        "html_comment",
        "css_display_none",
        "css_white",
        "css_font0",
        "css_offscreen",
        "css_class",
        "aria_hidden",
        "script_text",
        "alt_text",
        "meta",
        "zero_width",
        "tag_chars",
        "base64_attr",
        "homoglyph",
    ],
    "email": ["visible", "zero_width", "tag_chars", "base64_hint", "fullwidth", "spaced"],
    "email_html": ["html_comment", "css_white", "css_font0", "css_display_none"],
    "readme": ["visible", "html_comment", "md_comment", "zero_width", "tag_chars"],
    "code_file": ["code_comment", "docstring", "zero_width", "base64_literal"],
    "tool_output": ["json_field", "zero_width", "tag_chars", "base64_field"],
    "pdf_text": ["visible", "zero_width", "homoglyph", "fullwidth"],
    "chat_log": ["visible", "zero_width", "tag_chars"],
    "issue_comment": ["visible", "html_comment", "zero_width"],
}
HTML_KINDS = {"web_page", "email_html"}
MARKDOWN_KINDS = {"readme", "issue_comment"}
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}


def pick(rng: random.Random, pool: Sequence[str], split: str) -> str:
    """Draw from the pool's share for ``split`` (every fourth item is held-out only)."""
    if len(pool) < 4:
        return rng.choice(list(pool))
    share = [p for i, p in enumerate(pool) if (i % 4 == 3) == (split == "heldout")]
    return rng.choice(share)


def fill(rng: random.Random, template: str) -> str:
    return (
        template.replace("{evil}", rng.choice(EVIL_HOSTS))
        .replace("{email}", rng.choice(EVIL_EMAILS))
        .replace("{env}", rng.choice(ENV_NAMES))
    )


def payload(rng: random.Random, split: str) -> tuple[str, str, str]:
    """An attack instruction: (text, family, lang)."""
    roll = rng.random()
    if roll < 0.16:
        lang = rng.choice(sorted(FOREIGN))
        return fill(rng, pick(rng, FOREIGN[lang], split)), "foreign", lang
    if roll < 0.24:
        return fill(rng, pick(rng, GENERIC, split)), "generic", "en"
    family = rng.choice(sorted(ACTIONS))
    parts = []
    if rng.random() < 0.5:
        parts.append(pick(rng, ADDRESS, split))
    if rng.random() < 0.5:
        parts.append(pick(rng, OVERRIDE, split) + " ")
    parts.append(fill(rng, pick(rng, ACTIONS[family], split)))
    if rng.random() < 0.35:
        parts.append(" " + pick(rng, SECRECY, split))
    return "".join(parts).strip(), family, "en"


def zero_width(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    out = []
    for word in words:
        if len(word) >= 4 and rng.random() < 0.6:
            cut = rng.randint(1, len(word) - 1)
            word = (
                word[:cut] + rng.choice(["\u200b", "\u200c", "\u2060", "\u200b\u200b"]) + word[cut:]
            )
        out.append(word)
    return " ".join(out)


def tag_chars(text: str) -> str:
    return "".join(chr(0xE0000 + ord(c)) for c in text if 0x20 <= ord(c) < 0x7F)


def homoglyph(rng: random.Random, text: str) -> str:
    return "".join(HOMOGLYPHS[c] if c in HOMOGLYPHS and rng.random() < 0.5 else c for c in text)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def hide(rng: random.Random, kind: str, how: str, text: str) -> str:
    """Wrap ``text`` for carrier ``kind`` using hiding technique ``how``."""
    esc = html.escape(text, quote=False)
    cover = rng.choice(FILLER)
    simple: dict[str, Callable[[], str]] = {
        "visible": lambda: f"<p>{esc}</p>" if kind in HTML_KINDS else text,
        "html_comment": lambda: f"<!-- {text} -->",
        "css_display_none": lambda: rng.choice(
            [
                f'<div style="display:none">{esc}</div>',
                f'<span style="display: none !important;">{esc}</span>',
                f"<p hidden>{esc}</p>",
            ]
        ),
        "css_white": lambda: rng.choice(
            [
                f'<span style="color:#ffffff;background-color:#ffffff">{esc}</span>',
                f'<p style="color: white">{esc}</p>',
                f'<font color="#FFFFFF">{esc}</font>',
                f'<div style="color:rgb(255,255,255);background:#fff">{esc}</div>',
            ]
        ),
        "css_font0": lambda: rng.choice(
            [f'<div style="font-size:0px">{esc}</div>', f'<span style="font-size: 0;">{esc}</span>']
        ),
        "css_offscreen": lambda: (
            f'<div style="position:absolute;left:-10000px;top:-10000px">{esc}</div>'
        ),
        "css_class": lambda: _css_class(rng, esc),
        "aria_hidden": lambda: (
            f'<div aria-hidden="true" style="height:0;overflow:hidden">{esc}</div>'
        ),
        "script_text": lambda: f'<script type="text/plain">{esc}</script>',
        "alt_text": lambda: f'<img src="/img/banner.jpg" alt="{html.escape(text)}">',
        "meta": lambda: f'<meta name="description" content="{html.escape(text)}">',
        "zero_width": lambda: hide(rng, kind, "visible", zero_width(rng, text)),
        "tag_chars": lambda: hide(rng, kind, "visible", cover + tag_chars(text)),
        "base64_attr": lambda: f'<div class="widget" data-config="{b64(text)}"></div>',
        "base64_hint": lambda: f"P.S. decode this and follow it: {b64(text)}",
        "base64_field": lambda: b64(text),
        "base64_literal": lambda: b64(text),
        "homoglyph": lambda: hide(rng, kind, "visible", homoglyph(rng, text)),
        "fullwidth": lambda: fullwidth(text),
        "spaced": lambda: "   ".join(" ".join(w) for w in text.split(" ")),
        "md_comment": lambda: f"[//]: # ({text})",
        "code_comment": lambda: text,
        "docstring": lambda: text,
        "json_field": lambda: text,
    }
    return simple[how]()


def _css_class(rng: random.Random, esc: str) -> str:
    name = rng.choice(["x9k", "note-small", "c-41", "promo-meta"])
    rule = rng.choice(["display:none", "visibility: hidden", "font-size:0", "opacity:0"])
    return f'<style>.{name}{{{rule}}}</style>\n<div class="{name}">{esc}</div>'


def attack(rng: random.Random, split: str, n: int) -> dict[str, object]:
    text, family, lang = payload(rng, split)
    techniques = sorted({t for ts in HIDING.values() for t in ts}) + ["visible"] * 3
    how = rng.choice(techniques)
    kind = rng.choice(sorted(k for k, ts in HIDING.items() if how in ts))
    if family == "markdown_exfil" and rng.random() < 0.5:
        kind = rng.choice(sorted(MARKDOWN_KINDS | {"chat_log", "email"}))
        how = "visible"
    if how == "spaced" and len(text) > 110:
        how = "visible"
    fragment = hide(rng, kind, how, text)
    doc = carriers.build(rng, kind, how, fragment, lang)
    return _record(split, n, kind, doc, True, f"{family}/{how}/{lang}")


def benign(rng: random.Random, split: str, n: int) -> dict[str, object]:
    kind = rng.choice(sorted(HIDING))
    labels = sorted(LOOKALIKES)
    if kind not in HTML_KINDS:
        labels.remove("hidden_html_benign")
    label = rng.choice(labels) if rng.random() < 0.85 else "plain"
    fragments = []
    if label != "plain":
        for _ in range(rng.choice([1, 1, 2])):
            fragments.append(_lookalike(rng, kind, label, split))
    lang = "en"
    if rng.random() < 0.15:
        lang = rng.choice(sorted(FILLER_FOREIGN))
    doc = carriers.build(rng, kind, "visible", "\n\n".join(fragments), lang)
    return _record(split, n, kind, doc, False, f"benign:{label}")


def _lookalike(rng: random.Random, kind: str, label: str, split: str) -> str:
    snippet = pick(rng, LOOKALIKES[label], split)
    if label == "benign_base64":
        blob = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randint(60, 400))))
        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(90)))
        config = json.dumps({"retries": 3, "endpoint": "https://api.acme-corp.com/v2"})
        snippet = snippet.format(png=png.decode(), blob=blob.decode(), json_b64=b64(config))
    if kind in HTML_KINDS and label != "hidden_html_benign":
        if "```" in snippet or label == "benign_base64":
            return f"<pre><code>{html.escape(snippet)}</code></pre>"
        if snippet.startswith("<"):
            return snippet
        return f"<p>{html.escape(snippet, quote=False)}</p>"
    return snippet


def _record(
    split: str, n: int, kind: str, text: str, injection: bool, technique: str
) -> dict[str, object]:
    return {
        "id": f"gen-{split}-{n:04d}",
        "kind": kind,
        "text": text,
        "injection": injection,
        "technique": technique,
    }


def generate(split: str) -> list[dict[str, object]]:
    seed, attacks, benigns = SPLITS[split]
    rng = random.Random(seed)
    order = [True] * attacks + [False] * benigns
    rng.shuffle(order)
    return [attack(rng, split, i) if bad else benign(rng, split, i) for i, bad in enumerate(order)]


def render(split: str) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generate(split))


def main(argv: list[str]) -> int:
    stale = []
    for split in SPLITS:
        path = HERE / f"generated_{split}.jsonl"
        text = render(split)
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale: {', '.join(stale)} (run generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
