"""``credgate audit`` verify, hash, search and session on a local trail, as operators run them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from credgate.adapters.audit import FileAuditSink
from credgate.adapters.cli.main import cli
from credgate.clock import SystemClock
from credgate.domain.audit import AuditEvent
from credgate.service.audit import AuditBroker

KEY_HEX = "ab" * 32
KEY = bytes.fromhex(KEY_HEX)
T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def _write_trail(path: Path) -> None:
    broker = AuditBroker([FileAuditSink(path)], writer_id="w1", hmac_key=KEY, clock=SystemClock())
    rows: list[dict[str, Any]] = [
        {"agent_id": "agent-7", "path": "secret/data/dev/app", "session_id": "s1"},
        {"agent_id": "agent-7", "path": "secret/data/prod/db", "session_id": "s1"},
        {"agent_id": "agent-9", "path": "secret/data/prod/api", "session_id": "s2"},
    ]
    for i, row in enumerate(rows):
        broker.log(
            AuditEvent(
                type="response",
                time=T0 + i,
                request_id=f"r{i}",
                action="kv.read",
                duration_ms=2.0,
                values=broker.hmac_mapping({"password": f"pw-{i}"}),
                decision={"allowed": True, "policies": ["dev-read"]},
                **row,
            )
        )
    broker.close()


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    path = tmp_path / "audit.log"
    _write_trail(path)
    return path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit.key"
    path.write_text(KEY_HEX + "\n")
    return path


def _run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["audit", *args], input=input)


@pytest.fixture
def no_instance(tmp_path: Path) -> Path:
    """A data directory with no instance in it (the CLI must not use one from the cwd)."""
    return tmp_path / "no-instance"


def _verify(key_file: Path, no_instance: Path, *args: str) -> Any:
    return _run("verify", "--key-file", str(key_file), "--data-dir", str(no_instance), *args)


def test_verify_ok(trail: Path, key_file: Path, no_instance: Path) -> None:
    """An intact trail verifies with exit 0 and a count, and says it had no checkpoints."""
    result = _verify(key_file, no_instance, "--file", str(trail))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "ok: 3 events, 1 writers"
    assert result.output.splitlines()[1].startswith("no checkpoints:")


def test_verify_names_the_first_bad_event(trail: Path, key_file: Path, no_instance: Path) -> None:
    """An edited line makes verify exit 1 and name that line and what happened."""
    lines = trail.read_text().splitlines()
    lines[1] = lines[1].replace("secret/data/prod/db", "secret/data/dev/db")
    trail.write_text("\n".join(lines) + "\n")
    result = _verify(key_file, no_instance, "--file", str(trail))
    assert result.exit_code == 1
    assert result.output.startswith("FAILED: line 2: edited event (writer w1, seq 2)")
    as_json = json.loads(_verify(key_file, no_instance, "--file", str(trail), "--json").output)
    assert as_json["ok"] is False
    assert as_json["problem"]["kind"] == "edited"


def test_checkpoint_catches_a_truncated_tail(
    trail: Path, tmp_path: Path, key_file: Path, no_instance: Path
) -> None:
    """With a saved checkpoint, cutting the last events off the file is detected."""
    checkpoint = tmp_path / "checkpoint.json"
    saved = _verify(key_file, no_instance, "--file", str(trail), "--checkpoint", str(checkpoint))
    assert saved.exit_code == 0
    trail.write_text("".join(trail.read_text().splitlines(keepends=True)[:2]))
    assert _verify(key_file, no_instance, "--file", str(trail)).exit_code == 0
    result = _verify(key_file, no_instance, "--file", str(trail), "--anchor", str(checkpoint))
    assert result.exit_code == 1
    assert "deleted" in result.output
    assert "last 1 event(s)" in result.output
    assert "checkpoints: 1 used (anchor 1)" in result.output


def test_missing_file_is_one_line_error(tmp_path: Path, key_file: Path, no_instance: Path) -> None:
    """A wrong path gives one error line with a hint and exit 4, never a traceback."""
    result = _verify(key_file, no_instance, "--file", str(tmp_path / "nope.log"))
    assert result.exit_code == 4
    assert result.output.startswith("error: no audit file at")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_verify_without_any_key_is_one_line_error(trail: Path, no_instance: Path) -> None:
    """No local instance and no --key-file: one error line and a hint, not a traceback."""
    result = _run("verify", "--file", str(trail), "--data-dir", str(no_instance))
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith("error: no audit key: no local instance in")
    assert "--key-file" in result.output
    assert "Traceback" not in result.output
    assert not no_instance.exists()  # nothing was created while looking


def test_verify_under_another_key_fails(trail: Path, tmp_path: Path, no_instance: Path) -> None:
    """A trail checked with another deployment's key fails at its first record."""
    other = tmp_path / "other.key"
    other.write_text("cd" * 32)
    result = _verify(other, no_instance, "--file", str(trail))
    assert result.exit_code == 1
    assert result.output.startswith("FAILED: line 1: edited event")
    assert "not under this deployment's chain key" in result.output


def _sha256_rehash(line: str, **changes: Any) -> str:
    record = json.loads(line)
    record.update(changes)
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    record["hash"] = hashlib.sha256(canonical.encode()).hexdigest()
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.fixture
def local(tmp_path: Path) -> Path:
    """A local instance (data dir) whose broker wrote 4 events and checkpointed at close."""
    from credgate.service.app import build, initialise
    from credgate.service.settings import load_settings

    data_dir = tmp_path / "cg"
    data_dir.mkdir(mode=0o700)
    (data_dir / "credgate.toml").write_text(
        f'audit_checkpoint_file = "{tmp_path / "safe" / "checkpoints.json"}"\n'
    )
    settings = load_settings(env={}, overrides={"data_dir": data_dir})
    initialise(settings, env={})
    app = build(load_settings(env={}, overrides={"data_dir": data_dir}), env={})
    for i in range(4):
        app.audit.log(app.audit.new_event("response", request_id=f"r{i}", action="kv.read"))
    app.close()
    return data_dir


def test_verify_uses_the_local_instance_key_and_checkpoints(local: Path) -> None:
    """By default verify reads the instance's key, file and both checkpoint places."""
    result = _run("verify", "--data-dir", str(local))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    assert "checkpoints: 2 used (database 1, file 1), newest " in result.output
    as_json = json.loads(_run("verify", "--data-dir", str(local), "--json").output)
    assert as_json["checkpoints"]["used"] == 2
    assert as_json["anchors_checked"] == 2


def test_local_checkpoints_catch_a_cut_tail(local: Path) -> None:
    """Cutting the last event is caught without any --anchor: the writer checkpointed it."""
    audit = local / "audit.log"
    audit.write_text("".join(audit.read_text().splitlines(keepends=True)[:-1]))
    result = _run("verify", "--data-dir", str(local))
    assert result.exit_code == 1
    assert "deleted event" in result.output
    assert "the last 1 event(s) were deleted" in result.output


def test_local_key_catches_a_rehashed_last_event(local: Path) -> None:
    """Re-hashing the edited last event with plain SHA-256 is refused (no key)."""
    audit = local / "audit.log"
    lines = audit.read_text().splitlines()
    lines[-1] = _sha256_rehash(lines[-1], action="kv.list")
    audit.write_text("\n".join(lines) + "\n")
    result = _run("verify", "--data-dir", str(local))
    assert result.exit_code == 1
    assert f"FAILED: line {len(lines)}: edited event" in result.output
    assert "plain SHA-256" in result.output


def test_local_key_catches_an_appended_forgery(local: Path) -> None:
    """A well-chained event appended with plain SHA-256 is refused."""
    audit = local / "audit.log"
    lines = audit.read_text().splitlines()
    last = json.loads(lines[-1])
    forged = dict(last, seq=last["seq"] + 1, prev_hash=last["hash"], request_id="forged")
    lines.append(_sha256_rehash(json.dumps(forged)))
    audit.write_text("\n".join(lines) + "\n")
    result = _run("verify", "--data-dir", str(local))
    assert result.exit_code == 1
    assert f"FAILED: line {len(lines)}: edited event" in result.output


def test_anchor_files_merge_with_local_checkpoints(local: Path, tmp_path: Path) -> None:
    """An operator's --anchor is checked besides the instance's own checkpoints."""
    saved = tmp_path / "mine.json"
    assert _run("verify", "--data-dir", str(local), "--checkpoint", str(saved)).exit_code == 0
    result = _run("verify", "--data-dir", str(local), "--anchor", str(saved))
    assert result.exit_code == 0, result.output
    assert "checkpoints: 3 used (anchor 1, database 1, file 1)" in result.output


def test_hash_finds_a_served_value_from_stdin(trail: Path, key_file: Path) -> None:
    """An operator can check a leaked value without typing it on the command line."""
    result = _run("hash", "-", "--key-file", str(key_file), "--file", str(trail), input="pw-1\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("hmac-sha256:")
    assert "served in 1 event(s)" in result.output
    assert "secret/data/prod/db" in result.output
    assert "[data.password]" in result.output
    assert "pw-1" not in result.output


def test_hash_of_an_unserved_value_exits_1(trail: Path, key_file: Path) -> None:
    """A value that was never served is reported as such, with exit 1 (like grep)."""
    result = _run("hash", "other", "--key-file", str(key_file), "--file", str(trail), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["served"] == 0


def test_hash_with_a_bad_key_file(trail: Path, tmp_path: Path) -> None:
    """A missing or too short key file is a configuration error, not a crash."""
    short = tmp_path / "short.key"
    short.write_text("abc")
    for key in (short, tmp_path / "none.key"):
        result = _run("hash", "x", "--key-file", str(key), "--file", str(trail))
        assert result.exit_code == 2
        assert result.output.startswith("error: ")


def test_search_by_agent_and_path(trail: Path) -> None:
    """Search narrows by agent and path prefix and prints one line per event."""
    result = _run(
        "search", "--agent", "agent-7", "--path", "secret/data/prod/*", "--file", str(trail)
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2027-01-15T08:00:01.000Z  agent-7  kv.read  secret/data/prod/db  ok  "
        "(policy dev-read, 2.0 ms)  [session s1]"
    ]
    records = json.loads(
        _run("search", "--since", "2027-01-15T08:00:01Z", "--file", str(trail), "--json").output
    )
    assert [r["request_id"] for r in records] == ["r1", "r2"]


def test_search_rejects_a_bad_since(trail: Path) -> None:
    """A --since that is neither a time nor a duration is a clear usage error."""
    result = _run("search", "--since", "yesterday-ish", "--file", str(trail))
    assert result.exit_code == 2
    assert "--since" in result.output
    assert _run("search", "--since", "1h", "--file", str(trail)).exit_code == 0


def test_search_skips_and_warns_about_malformed_lines(trail: Path) -> None:
    """A torn line does not hide the rest of the trail from search; it is reported."""
    with trail.open("a") as fh:
        fh.write("{torn\n")
    result = _run("search", "--agent", "agent-9", "--file", str(trail))
    assert result.exit_code == 0
    assert "secret/data/prod/api" in result.output
    assert "skipped 1 malformed line(s), first at line 4" in result.output


def test_session_timeline(trail: Path) -> None:
    """A session prints as a timeline in order; an unknown session is not found."""
    result = _run("session", "s1", "--file", str(trail))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "session s1: 2 request(s), times in UTC"
    assert lines[1].startswith("08:00:00.000  agent-7  kv.read  secret/data/dev/app  ok")
    assert lines[2].startswith("08:00:01.000  agent-7  kv.read  secret/data/prod/db  ok")
    missing = _run("session", "nope", "--file", str(trail))
    assert missing.exit_code == 4
    assert "no events for session" in missing.output
