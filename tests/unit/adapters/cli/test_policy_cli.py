"""``credgate policy capabilities`` and ``credgate policy fmt``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from credgate.adapters.cli.main import cli

DEV = 'path "secret/data/dev/*" {\n  capabilities = ["read", "list"]\n}\n'
PROD = 'path "secret/data/prod/*" {\n  capabilities = ["deny"]\n}\n'


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_capabilities_prints_one_json_object_in_argument_order(tmp_path: Path) -> None:
    """The offline check would print something other than what sys/capabilities answers."""
    a, b = write(tmp_path, "dev.hcl", DEV), write(tmp_path, "prod.hcl", PROD)
    result = CliRunner().invoke(
        cli,
        [
            *("policy", "capabilities", "--policy-file", a, "--policy-file", b),
            *("secret/data/prod/db", "secret/data/dev/app"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        '{"secret/data/prod/db": ["deny"], "secret/data/dev/app": ["list", "read"]}\n'
    )


def test_capabilities_reads_policy_from_stdin() -> None:
    """`--policy-file -` would not read standard input."""
    result = CliRunner().invoke(
        cli, ["policy", "capabilities", "--policy-file", "-", "secret/data/dev/x"], input=DEV
    )
    assert result.exit_code == 0
    assert json.loads(result.output) == {"secret/data/dev/x": ["list", "read"]}


def test_capabilities_from_a_namespace(tmp_path: Path) -> None:
    """The namespace options would not prefix policies and probes like OpenBao."""
    a = write(tmp_path, "ns.hcl", 'path "secret/*" { capabilities = ["read"] }')
    result = CliRunner().invoke(
        cli,
        [
            *("policy", "capabilities", "--policy-file", a, "--policy-namespace", "acme"),
            *("--namespace", "acme/", "secret/x"),
        ],
    )
    assert json.loads(result.output) == {"secret/x": ["read"]}


def test_parse_error_prints_location_and_exits_2(tmp_path: Path) -> None:
    """A bad policy would print a traceback or no location."""
    bad = write(tmp_path, "bad.hcl", 'path "a" {\n  capabilities = ["read", "bogus"]\n}\n')
    result = CliRunner().invoke(cli, ["policy", "capabilities", "--policy-file", bad, "a"])
    assert result.exit_code == 2
    assert result.output.startswith(f"{bad}:2:27: ")
    assert "Traceback" not in result.output


def test_parse_error_on_stdin_is_named_stdin() -> None:
    """An error in piped input would name a file that does not exist."""
    result = CliRunner().invoke(cli, ["policy", "fmt", "-"], input='path "a" { x = 1 }')
    assert result.exit_code == 2
    assert result.output.startswith("<stdin>:1:12: ")


def test_missing_file_is_one_error_line(tmp_path: Path) -> None:
    """A missing policy file would crash with a traceback."""
    missing = str(tmp_path / "nope.hcl")
    result = CliRunner().invoke(cli, ["policy", "capabilities", "--policy-file", missing, "a"])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot read policy file")


def test_fmt_prints_canonical_hcl(tmp_path: Path) -> None:
    """`fmt` would print a policy that differs in meaning from the input."""
    src = write(tmp_path, "p.hcl", '# c\npath "/k/*" { policy = "read" }\npath "x" {}')
    result = CliRunner().invoke(cli, ["policy", "fmt", src])
    assert result.exit_code == 0
    assert result.output == (
        'path "/k/*" {\n  capabilities = ["read", "list"]\n}\n\n'
        'path "x" {\n  capabilities = []\n}\n'
    )


def test_cli_as_a_real_process(tmp_path: Path) -> None:
    """The installed `credgate` command would not run the policy group or exit 2 on errors."""
    exe = Path(sys.executable).with_name("credgate")
    good = write(tmp_path, "dev.hcl", DEV)
    done = subprocess.run(
        [str(exe), "policy", "capabilities", "--policy-file", good, "secret/data/dev/a"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"secret/data/dev/a": ["list", "read"]}
    done = subprocess.run(
        [str(exe), "policy", "fmt", "-"],
        input='path "a" { capabilities = "read" }',
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("<stdin>:1:")
    assert "Traceback" not in done.stderr
