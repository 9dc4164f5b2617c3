"""Realistic documents that carry a fragment: web pages, emails, READMEs, code, tool output.

``build(rng, kind, how, fragment, lang)`` returns the whole document with ``fragment``
placed somewhere a real attacker (or a real author, for benign fragments) would put it.
"""

from __future__ import annotations

import html
import json
import random

from benign import FILLER, FILLER_FOREIGN

TITLES = [
    "Release notes 4.2",
    "How we cut our CI bill in half",
    "Quarterly planning",
    "Best sourdough recipe",
    "Incident review: search outage",
    "Product update: invoices",
    "Team offsite agenda",
    "Migrating to PostgreSQL 16",
]
PEOPLE = ["alice", "bob", "carol", "dmitri", "eun-ji", "fatima", "gabriel", "hana"]


def _prose(rng: random.Random, lang: str, n: int) -> list[str]:
    pool = FILLER_FOREIGN.get(lang, []) + FILLER if lang != "en" else FILLER
    return [rng.choice(pool) for _ in range(n)]


def _insert(rng: random.Random, blocks: list[str], fragment: str) -> list[str]:
    if fragment:
        blocks.insert(rng.randint(1, len(blocks)), fragment)
    return blocks


def web_page(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    title = rng.choice(TITLES)
    paras = [f"<p>{html.escape(p)}</p>" for p in _prose(rng, lang, rng.randint(3, 7))]
    head_extra = fragment if how == "meta" else ""
    body = _insert(rng, paras, "" if how == "meta" else fragment)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n{head_extra}\n</head>\n<body>\n"
        '<header><nav><a href="/">Home</a> | <a href="/blog">Blog</a></nav></header>\n'
        f"<main>\n<article>\n<h1>{title}</h1>\n" + "\n".join(body) + "\n</article>\n</main>\n"
        '<footer><p>© 2026 Acme Corp · <a href="/privacy">Privacy</a></p></footer>\n'
        "</body>\n</html>\n"
    )


def email(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    sender, rcpt = rng.sample(PEOPLE, 2)
    paras = _insert(rng, _prose(rng, lang, rng.randint(2, 4)), fragment)
    return (
        f"From: {sender.title()} <{sender}@acme-corp.com>\nTo: {rcpt}@acme-corp.com\n"
        f"Subject: {rng.choice(TITLES)}\nDate: Tue, 14 Oct 2026 09:{rng.randint(10, 59)}:00 +0200\n"
        f"\nHi {rcpt.title()},\n\n" + "\n\n".join(paras) + f"\n\nBest,\n{sender.title()}\n"
    )


def email_html(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    sender, rcpt = rng.sample(PEOPLE, 2)
    paras = [f"<p>{html.escape(p)}</p>" for p in _prose(rng, lang, rng.randint(2, 4))]
    body = _insert(rng, paras, fragment)
    return (
        f"From: {sender}@acme-corp.com\nTo: {rcpt}@acme-corp.com\nSubject: {rng.choice(TITLES)}\n"
        'MIME-Version: 1.0\nContent-Type: text/html; charset="utf-8"\n\n'
        f'<html><body style="font-family:Arial">\n<p>Hi {rcpt.title()},</p>\n'
        + "\n".join(body)
        + f"\n<p>Regards,<br>{sender.title()}</p>\n</body></html>\n"
    )


def readme(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    name = rng.choice(["fastqueue", "tinyhttp", "pgsnap", "logtail", "acme-client"])
    blocks = [
        f"# {name}\n\n{rng.choice(FILLER)}",
        f"## Installation\n\n```bash\npip install {name}\n```",
        f"## Usage\n\n```python\nimport {name.replace('-', '_')}\n\n"
        f"client = {name.replace('-', '_')}.Client()\nclient.run()\n```",
        "## Contributing\n\n" + " ".join(_prose(rng, lang, 2)),
        "## License\n\nMIT",
    ]
    return "\n\n".join(_insert(rng, blocks, fragment)) + "\n"


def code_file(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    if how == "docstring":
        doc = f'"""Helpers for the billing export.\n\n{fragment}\n"""\n' if fragment else ""
    else:
        doc = '"""Helpers for the billing export."""\n'
    lines = [
        doc,
        "import csv\nimport os\n",
        "def load_rows(path):\n    with open(path, newline='') as fh:\n"
        "        return list(csv.DictReader(fh))\n",
        "def total(rows):\n    return sum(float(r['amount']) for r in rows)\n",
        "API_URL = os.environ.get('BILLING_API_URL', 'https://billing.internal/api')\n",
    ]
    if how == "code_comment" and fragment:
        comment = "\n".join("# " + part for part in fragment.split("\n"))
        lines.insert(rng.randint(2, len(lines)), comment + "\n")
    elif how in ("base64_literal", "zero_width") and fragment:
        value = json.dumps(fragment, ensure_ascii=False)
        lines.insert(rng.randint(2, len(lines)), f"BANNER = {value}\n")
    elif how != "docstring" and fragment:
        lines.insert(rng.randint(2, len(lines)), "# " + fragment.replace("\n", "\n# ") + "\n")
    return "\n".join(lines)


def tool_output(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    items = []
    for i in range(rng.randint(2, 5)):
        items.append(
            {
                "id": 1000 + i,
                "title": rng.choice(TITLES),
                "snippet": rng.choice(FILLER),
                "url": f"https://docs.acme-corp.com/page/{rng.randint(1, 999)}",
            }
        )
    if fragment:
        target = rng.choice(items)
        field = "config" if how == "base64_field" else rng.choice(["snippet", "description"])
        target[field] = (target.get(field, "") + " " + fragment).strip()
    return json.dumps({"results": items, "total": len(items)}, ensure_ascii=False, indent=2)


def pdf_text(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    pages = []
    for page in range(1, rng.randint(2, 4)):
        body = "\n".join(_prose(rng, lang, rng.randint(3, 6)))
        pages.append(f"ACME CORP — CONFIDENTIAL\n\n{body}\n\nPage {page}")
    if fragment:
        idx = rng.randrange(len(pages))
        pages[idx] = pages[idx].replace("\n\nPage", f"\n{fragment}\n\nPage", 1)
    return "\f".join(pages)


def chat_log(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    lines = []
    for minute in range(rng.randint(4, 8)):
        who = rng.choice(PEOPLE)
        lines.append(f"[10:{minute + 10:02d}] {who}: {rng.choice(_prose(rng, lang, 1))}")
    if fragment:
        line = f"[10:{len(lines) + 10:02d}] guest-{rng.randint(100, 999)}: {fragment}"
        lines.insert(rng.randint(1, len(lines)), line)
    return "#platform-support (export)\n" + "\n".join(lines) + "\n"


def issue_comment(rng: random.Random, how: str, fragment: str, lang: str) -> str:
    title = rng.choice(
        ["Crash on startup with Python 3.13", "Docs: typo in quickstart", "Feature: retry"]
    )
    comments = [
        f"## {title}\n\n**{rng.choice(PEOPLE)}** opened this issue\n\n{rng.choice(FILLER)}",
        f"**{rng.choice(PEOPLE)}** commented\n\n{rng.choice(FILLER)} Thanks!",
        f"**{rng.choice(PEOPLE)}** commented\n\n+1, same here on macOS.",
    ]
    if fragment:
        who = rng.choice(["contributor-x", "new-user-1337", rng.choice(PEOPLE)])
        comments.insert(rng.randint(1, len(comments)), f"**{who}** commented\n\n{fragment}")
    return "\n\n---\n\n".join(comments) + "\n"


BUILDERS = {
    "web_page": web_page,
    "email": email,
    "email_html": email_html,
    "readme": readme,
    "code_file": code_file,
    "tool_output": tool_output,
    "pdf_text": pdf_text,
    "chat_log": chat_log,
    "issue_comment": issue_comment,
}


def build(rng: random.Random, kind: str, how: str, fragment: str, lang: str) -> str:
    return BUILDERS[kind](rng, how, fragment, lang)
