"""``credgate scan``: report, --mask, --block, --format json and --jsonl over standard input."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from credgate.adapters.cli.main import cli

TOKEN = "npm_" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c"
TEXT = f"registry token {TOKEN} and nothing else\n"


def run(args: list[str], stdin: str | bytes) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["scan", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_report_lists_findings_one_per_line() -> None:
    """A report that printed the token itself would leak what it reports."""
    code, out, _ = run([], TEXT)
    assert code == 0
    assert out == "15-55 npm_token npm.token\n"
    assert TOKEN not in out


def test_format_json_prints_the_documented_object() -> None:
    """Scripts parse {"findings": [{"start", "end", "type", "rule"}]}; offsets are code points."""
    code, out, _ = run(["--format", "json"], "é " + TEXT)
    assert code == 0
    assert json.loads(out) == {
        "findings": [{"start": 17, "end": 57, "type": "npm_token", "rule": "npm.token"}]
    }


def test_mask_writes_the_text_with_markers() -> None:
    """--mask is used as a pipe filter: the rest of the text must come through untouched."""
    code, out, _ = run(["--mask"], TEXT)
    assert code == 0
    assert out == "registry token [REDACTED:npm_token] and nothing else\n"


def test_block_fails_with_one_line_and_passes_clean_text_through() -> None:
    """--block must stop a pipeline on a credential and say why in one line, without it."""
    code, out, err = run(["--block"], TEXT)
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: output blocked: it contains 1 credential (npm_token)")
    assert TOKEN not in err
    code, out, _ = run(["--block"], "all clear\n")
    assert (code, out) == (0, "all clear\n")


def test_mask_and_block_are_exclusive() -> None:
    """Accepting both would leave the user guessing which one applied."""
    code, _, err = run(["--mask", "--block"], TEXT)
    assert code == 2
    assert "cannot be combined" in err


def test_jsonl_scans_a_batch_line_by_line() -> None:
    """A data set is scanned in one process; each result keeps its id."""
    lines = [{"id": "a", "text": TEXT}, {"id": 7, "text": "clean"}]
    code, out, _ = run(["--jsonl", "--mask"], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert results == [
        {
            "id": "a",
            "findings": [{"start": 15, "end": 55, "type": "npm_token", "rule": "npm.token"}],
            "text": "registry token [REDACTED:npm_token] and nothing else\n",
        },
        {"id": 7, "findings": [], "text": "clean"},
    ]


def test_jsonl_block_stops_at_the_first_document_with_a_credential() -> None:
    """The error names the document, so the user can find it, but not the credential."""
    batch = (
        json.dumps({"id": "clean", "text": "ok"}) + "\n" + json.dumps({"id": "bad", "text": TEXT})
    )
    code, out, err = run(["--jsonl", "--block"], batch)
    assert code == 3
    assert json.loads(out) == {"id": "clean", "findings": []}
    assert 'document "bad"' in err
    assert TOKEN not in err


def test_jsonl_rejects_a_line_that_is_not_a_document() -> None:
    """A malformed batch is a usage error with the line number, not a traceback."""
    code, out, err = run(["--jsonl"], '{"id": 1, "text": "x"}\nnot json\n')
    assert code == 2
    assert "line 2" in err
    assert "Traceback" not in err + out


def test_undecodable_bytes_survive_masking_byte_for_byte() -> None:
    """Binary junk in a log must come out as it went in, with only the secret replaced."""
    raw = b"\xff\xfe bin " + TEXT.encode()
    result = subprocess.run(
        [sys.executable, "-m", "credgate.adapters.cli.main", "scan", "--mask"],
        input=raw,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"\xff\xfe bin registry token [REDACTED:npm_token] and nothing else\n"
