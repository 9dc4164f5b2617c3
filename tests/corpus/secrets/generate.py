"""Generate the labelled secrets corpus (JSONL) from seeded templates.

    .venv/bin/python tests/corpus/secrets/generate.py            # writes dev.jsonl, heldout.jsonl
    .venv/bin/python tests/corpus/secrets/generate.py --check    # fails if the files differ

Each line is ``{"id", "kind", "text", "secrets": [{"start", "end", "type"}]}`` with Python
string (code point) offsets. Two splits come from two seeds: ``dev`` (seed 1) is the one the
scanner may be tuned on, ``heldout`` (seed 2) is only measured. The labelling policy is in
README.md next to this file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import templates_code  # noqa: E402
import templates_config  # noqa: E402
import templates_heldout  # noqa: E402
import templates_more  # noqa: E402
import templates_negative  # noqa: E402
import templates_text  # noqa: E402
from builder import join  # noqa: E402
from fakes import Fakes  # noqa: E402

SPLITS = {"dev": 1, "heldout": 2}
DOCUMENTS_PER_SPLIT = 420

POSITIVE = (
    templates_code.TEMPLATES
    + templates_config.TEMPLATES
    + templates_text.TEMPLATES
    + templates_more.POSITIVE
)
NEGATIVE = templates_negative.TEMPLATES + templates_more.NEGATIVE
# Shapes the scanner was never tuned on: only in the held-out split (templates_heldout.py).
UNSEEN_POSITIVE = templates_heldout.POSITIVE
UNSEEN_NEGATIVE = templates_heldout.NEGATIVE


def make_document(rng: random.Random, index: int, split: str) -> dict[str, Any]:
    fakes = Fakes(rng)
    roll = rng.random()
    unseen = split == "heldout" and rng.random() < 0.3
    if roll < 0.35:
        kind, text, secrets = rng.choice(UNSEEN_NEGATIVE if unseen else NEGATIVE)(fakes)
    elif roll < 0.85:
        kind, text, secrets = rng.choice(UNSEEN_POSITIVE if unseen else POSITIVE)(fakes)
    else:  # a longer document: a positive one with a hard negative around it
        kind, text1, spans1 = rng.choice(POSITIVE)(fakes)
        _, text2, _ = rng.choice(NEGATIVE)(fakes)
        pieces = [(text1, spans1), (text2, [])]
        rng.shuffle(pieces)
        text, secrets = join(pieces)
    for span in secrets:  # the builder's spans must cut the text exactly where the value is
        assert 0 <= span["start"] < span["end"] <= len(text)
    return {"id": f"{split}-{index:04d}", "kind": kind, "text": text, "secrets": secrets}


def generate(split: str) -> str:
    rng = random.Random(SPLITS[split])
    lines = [
        json.dumps(make_document(rng, i, split), ensure_ascii=False)
        for i in range(DOCUMENTS_PER_SPLIT)
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk")
    args = parser.parse_args()
    status = 0
    for split in SPLITS:
        content = generate(split)
        path = HERE / f"{split}.jsonl"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                print(f"{path.name} is out of date; run generate.py", file=sys.stderr)
                status = 1
        else:
            path.write_text(content, encoding="utf-8")
            docs = content.count("\n")
            secrets = content.count('"type"')
            size = len(content.encode()) / 1e6
            print(f"{path.name}: {docs} documents, {secrets} secrets, {size:.2f} MB")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
