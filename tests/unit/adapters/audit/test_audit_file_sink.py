"""The JSONL file sink: what it writes, recovery after a restart, torn lines, rotation."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from credgate.adapters.audit import FileAuditSink, iter_lines, iter_records
from credgate.domain.audit import ChainKey, ChainState, canonical_json, seal, verify_lines
from credgate.errors import InvalidRequest, NotFound

KEY = ChainKey.from_audit_key(b"k" * 32)


def _write_chain(sink: FileAuditSink, n: int, state: ChainState) -> ChainState:
    for i in range(n):
        sealed, state = seal({"action": "kv.read", "n": i, "pad": "p" * 40}, state, key=KEY)
        sink.write(sealed)
    return state


def test_each_record_is_one_canonical_line(tmp_path: Path) -> None:
    """The file holds exactly the hashed bytes, one record per line, private to the owner."""
    path = tmp_path / "sub" / "audit.log"
    sink = FileAuditSink(path)
    sealed, _ = seal({"action": "kv.read", "path": "secret/data/é"}, ChainState("w1"), key=KEY)
    sink.write(sealed)
    sink.close()
    assert path.read_bytes() == canonical_json(sealed) + b"\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_appends_to_an_existing_file(tmp_path: Path) -> None:
    """Starting credgate again never overwrites the trail that is already there."""
    path = tmp_path / "audit.log"
    first = FileAuditSink(path)
    state = _write_chain(first, 3, ChainState("w1"))
    first.close()
    second = FileAuditSink(path)
    _write_chain(second, 2, second.recover("w1"))
    second.close()
    assert state.seq == 3
    report = verify_lines(iter_lines(path), key=KEY)
    assert report.ok
    assert report.events == 5


def test_recover_finds_the_writer_among_interleaved_lines(tmp_path: Path) -> None:
    """After a restart each writer continues its own chain, even deep in a large file."""
    path = tmp_path / "audit.log"
    sink = FileAuditSink(path)
    a, b = ChainState("a"), ChainState("b")
    a = _write_chain(sink, 1, a)
    for _ in range(1000):  # ~250 bytes a line: several 64 KiB blocks of b after a's last
        b = _write_chain(sink, 1, b)
    sink.close()
    assert path.stat().st_size > 3 * 64 * 1024
    fresh = FileAuditSink(path)
    assert fresh.recover("a") == a
    assert fresh.recover("b") == b
    assert fresh.recover("nobody") == ChainState("nobody")
    assert FileAuditSink(tmp_path / "missing.log").recover("a") == ChainState("a")


def test_torn_last_line_is_closed_off_and_skipped(tmp_path: Path) -> None:
    """A line cut by a crash does not swallow the next record, and recovery skips it."""
    path = tmp_path / "audit.log"
    sink = FileAuditSink(path)
    state = _write_chain(sink, 2, ChainState("w1"))
    sink.close()
    with path.open("ab") as fh:
        fh.write(b'{"writer":"w1","seq":3,"act')
    resumed = FileAuditSink(path)
    assert resumed.recover("w1") == state
    _write_chain(resumed, 1, state)
    resumed.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 4
    assert json.loads(lines[3])["seq"] == 3
    report = verify_lines(iter_lines(path), key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.line) == ("malformed", 3)


def test_fsync_option_syncs_every_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With fsync on, each record is forced to disk before write returns."""
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    sink = FileAuditSink(tmp_path / "audit.log", fsync=True)
    _write_chain(sink, 2, ChainState("w1"))
    sink.close()
    assert len(synced) == 2


def test_follows_the_path_after_rotation(tmp_path: Path) -> None:
    """After the file is moved away (log rotation), new records go to a new file at the path."""
    path = tmp_path / "audit.log"
    sink = FileAuditSink(path)
    state = _write_chain(sink, 2, ChainState("w1"))
    path.rename(tmp_path / "audit.log.1")
    _write_chain(sink, 1, state)
    sink.close()
    assert len(path.read_text().splitlines()) == 1
    assert len((tmp_path / "audit.log.1").read_text().splitlines()) == 2
    both = [*iter_lines(tmp_path / "audit.log.1"), *iter_lines(path)]
    assert verify_lines(both, key=KEY).ok


def test_write_after_close_raises(tmp_path: Path) -> None:
    """A closed sink refuses records instead of dropping them silently."""
    sink = FileAuditSink(tmp_path / "audit.log")
    sink.close()
    sealed, _ = seal({"action": "x"}, ChainState("w1"), key=KEY)
    with pytest.raises(OSError, match="closed"):
        sink.write(sealed)


def test_write_to_full_disk_raises(tmp_path: Path) -> None:
    """A full disk (/dev/full answers ENOSPC even to root) makes the write fail loudly."""
    sink = FileAuditSink("/dev/full", create_dirs=False)
    sealed, _ = seal({"action": "x"}, ChainState("w1"), key=KEY)
    with pytest.raises(OSError, match="No space left"):
        sink.write(sealed)


def test_iter_records_reads_in_order_and_reports_bad_lines(tmp_path: Path) -> None:
    """Readers get records in file order; a broken line is an error naming its line."""
    path = tmp_path / "audit.log"
    sink = FileAuditSink(path)
    _write_chain(sink, 2, ChainState("w1"))
    sink.close()
    with path.open("a") as fh:
        fh.write("garbage\n")
    skipped: list[int] = []
    records: list[dict[str, Any]] = list(iter_records(path, on_malformed=skipped.append))
    assert [r["seq"] for r in records] == [1, 2]
    assert skipped == [3]
    with pytest.raises(InvalidRequest, match="line 3"):
        list(iter_records(path))


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    """Reading a trail that does not exist says so, with the path."""
    with pytest.raises(NotFound, match="no audit file"):
        list(iter_lines(tmp_path / "nope.log"))


def test_backward_reader_matches_forward_lines(tmp_path: Path) -> None:
    """Recovery reads the file backwards exactly line by line, across 64 KiB block edges."""
    from credgate.adapters.audit.file_sink import _lines_backwards

    path = tmp_path / "lines.txt"
    lines = [f"{i}:" + "x" * (i * 37 % 1000) for i in range(600)]
    lines.insert(300, "y" * 70_000)  # one line longer than a block
    path.write_bytes(("\n".join(lines) + "\n").encode())
    assert [b.decode() for b in _lines_backwards(path)] == list(reversed(lines))
