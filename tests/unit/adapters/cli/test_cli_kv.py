"""``credgate kv`` over a scripted API: output forms, request bodies and one-line errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from cli_fake_api import FakeAPI, assert_one_line_error, envelope, ok, run

SECRET = {
    "data": {"password": "s3cret-canary", "port": 5432},
    "metadata": {
        "version": 3,
        "created_time": 1_790_000_000.0,
        "custom_metadata": {"environment": "production", "owner": "alice"},
    },
}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    fake = FakeAPI()
    fake.install(monkeypatch)
    return fake


def test_get_prints_metadata_and_a_key_value_table(api: FakeAPI) -> None:
    """A human sees version, environment and every key with its value."""
    api.handler = lambda r: ok(SECRET)
    result = run("kv", "get", "prod/db")
    assert result.exit_code == 0, result.stderr
    assert api.paths() == ["GET /v1/secret/data/prod/db"]
    lines = result.output.splitlines()
    assert "version       3" in lines
    assert "environment   production" in lines
    assert "created_time  2026-09-21T14:13:20Z" in lines
    assert any(line.split() == ["password", "s3cret-canary"] for line in lines)
    assert any(line.split() == ["port", "5432"] for line in lines)


def test_get_json_prints_data_and_metadata(api: FakeAPI) -> None:
    """--json gives a script the server's data and metadata objects."""
    api.handler = lambda r: ok(SECRET)
    result = run("kv", "get", "secret/data/prod/db", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.output) == SECRET


def test_get_field_prints_only_the_raw_value(api: FakeAPI) -> None:
    """`$(credgate kv get --field password ...)` yields exactly the value."""
    api.handler = lambda r: ok(SECRET)
    assert run("kv", "get", "prod/db", "--field", "password").stdout == "s3cret-canary"
    assert run("kv", "get", "prod/db", "--field", "port", "--version", "2").stdout == "5432"
    assert str(api.requests[1].url).endswith("/v1/secret/data/prod/db?version=2")


def test_get_missing_field_names_the_fields_not_the_values(api: FakeAPI) -> None:
    """A typo in --field fails with the field names and exit 4, never a value."""
    api.handler = lambda r: ok(SECRET)
    result = run("kv", "get", "prod/db", "--field", "pasword")
    assert_one_line_error(result, 4, "has no field 'pasword'")
    assert "password" in result.stderr
    assert "s3cret-canary" not in result.stderr


def test_every_call_is_a_fresh_request(api: FakeAPI) -> None:
    """Two gets are two requests: the CLI keeps nothing between runs or within one."""
    api.handler = lambda r: ok(SECRET)
    run("kv", "get", "prod/db", "--field", "password")
    run("kv", "get", "prod/db", "--field", "password")
    assert len(api.requests) == 2


def test_put_reads_pairs_files_and_stdin(api: FakeAPI, tmp_path: Path) -> None:
    """KEY=VALUE, KEY=@FILE and KEY=- all end up in the written data; --cas is sent."""
    (tmp_path / "cert.pem").write_text("-----BEGIN-----\nabc\n", encoding="utf-8")
    api.handler = lambda r: ok({"version": 4})
    result = run(
        "kv",
        "put",
        "dev/app",
        "user=app",
        f"cert=@{tmp_path / 'cert.pem'}",
        "password=-",
        "--cas",
        "3",
        input_text="from-stdin",
    )
    assert result.exit_code == 0, result.stderr
    assert result.output.strip() == "wrote secret/data/dev/app version 4"
    assert api.body() == {
        "data": {"user": "app", "cert": "-----BEGIN-----\nabc\n", "password": "from-stdin"},
        "options": {"cas": 3},
    }


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["user=app", "hunter2-canary"], "argument 2 is not KEY=VALUE"),
        (["=hunter2-canary"], "argument 1 is not KEY=VALUE"),
        (["a=hunter2-canary", "a=other"], "key 'a' is given twice"),
    ],
)
def test_put_bad_pairs_fail_in_one_line_without_the_value(
    api: FakeAPI, args: list[str], fragment: str
) -> None:
    """A malformed argument is named by position: a mistyped secret is never echoed."""
    result = run("kv", "put", "dev/app", *args)
    assert_one_line_error(result, 2, fragment)
    assert "hunter2-canary" not in result.stderr
    assert api.requests == []


def test_put_unreadable_file_is_a_clear_error(api: FakeAPI, tmp_path: Path) -> None:
    """KEY=@missing names the file and the key."""
    result = run("kv", "put", "dev/app", f"cert=@{tmp_path / 'nope.pem'}")
    assert_one_line_error(result, 2, "cannot read")
    assert api.requests == []


def test_list_prints_one_key_per_line(api: FakeAPI) -> None:
    """Keys under a prefix, folders with a trailing slash."""
    api.handler = lambda r: ok({"keys": ["app", "db/"]})
    result = run("kv", "list", "dev")
    assert result.output.splitlines() == ["app", "db/"]
    assert str(api.requests[0].url).endswith("/v1/secret/metadata/dev/?list=true")


def test_metadata_put_sends_custom_metadata(api: FakeAPI) -> None:
    """Environment, data class, owner, hosts and --custom become custom_metadata."""
    result = run(
        "kv",
        "metadata",
        "put",
        "prod/db",
        "--environment",
        "production",
        "--data-class",
        "none",
        "--owner",
        "alice",
        "--allowed-hosts",
        "db.example.com,db2.example.com",
        "--custom",
        "team=payments",
        "--max-versions",
        "5",
        "--cas-required",
    )
    assert result.exit_code == 0, result.stderr
    assert api.paths() == ["POST /v1/secret/metadata/prod/db"]
    assert api.body() == {
        "custom_metadata": {
            "team": "payments",
            "environment": "production",
            "data_class": "none",
            "owner": "alice",
            "allowed_hosts": "db.example.com,db2.example.com",
        },
        "max_versions": 5,
        "cas_required": True,
    }


def test_metadata_get_shows_custom_fields_and_versions(api: FakeAPI) -> None:
    """An operator sees the environment and each version's state."""
    meta = {
        "current_version": 2,
        "custom_metadata": {"environment": "staging"},
        "versions": {
            "1": {"created_time": 1.0, "deletion_time": 5.0, "destroyed": False},
            "2": {"created_time": 6.0, "deletion_time": "", "destroyed": False},
        },
    }
    api.handler = lambda r: ok(meta)
    result = run("kv", "metadata", "get", "stage/app")
    assert result.exit_code == 0, result.stderr
    assert "environment      staging" in result.output
    assert "1        1970-01-01T00:00:01Z  1970-01-01T00:00:05Z  false" in result.output


def test_version_commands_send_the_versions(api: FakeAPI) -> None:
    """delete/undelete/destroy/rollback reach OpenBao's KV v2 paths with the versions given."""
    api.handler = lambda r: ok({"version": 5}) if "rollback" in r.url.path else ok()
    assert run("kv", "delete", "dev/app").exit_code == 0
    assert run("kv", "delete", "dev/app", "--versions", "1,2").exit_code == 0
    assert run("kv", "undelete", "dev/app", "--versions", "2").exit_code == 0
    assert run("kv", "destroy", "dev/app", "--versions", "1").exit_code == 0
    rolled = run("kv", "rollback", "dev/app", "--version", "2")
    assert run("kv", "metadata", "delete", "dev/app").exit_code == 0
    assert rolled.output.strip() == "rolled dev/app back to version 2 (now version 5)"
    assert api.paths() == [
        "DELETE /v1/secret/data/dev/app",
        "POST /v1/secret/delete/dev/app",
        "POST /v1/secret/undelete/dev/app",
        "POST /v1/secret/destroy/dev/app",
        "POST /v1/secret/rollback/dev/app",
        "DELETE /v1/secret/metadata/dev/app",
    ]
    assert [api.body(i) for i in range(1, 5)] == [
        {"versions": [1, 2]},
        {"versions": [2]},
        {"versions": [1]},
        {"version": 2},
    ]


def test_bad_versions_list_is_refused(api: FakeAPI) -> None:
    """--versions must be positive integers; nothing is sent otherwise."""
    assert_one_line_error(run("kv", "destroy", "dev/app", "--versions", "1,x"), 2, "--versions")
    assert api.requests == []


@pytest.mark.parametrize(
    ("status", "code", "message", "exit_code"),
    [
        (403, "permission_denied", "permission denied", 3),
        (404, "not_found", "no secret at secret/data/prod/db", 4),
        (409, "conflict", "check-and-set parameter did not match the current version", 5),
        (503, "audit_unavailable", "no audit sink accepted the event", 6),
    ],
)
def test_server_errors_are_one_line_with_the_exit_code(
    api: FakeAPI, status: int, code: str, message: str, exit_code: int
) -> None:
    """403, 404, 409, 503: one `error: ... (hint: ...)` line, a distinct exit code."""
    api.handler = lambda r: envelope(status, code, message, "what to do next")
    result = run("kv", "get", "prod/db")
    assert_one_line_error(result, exit_code, message)
    assert "(hint: what to do next)" in result.stderr
    assert result.stdout == ""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_one_line_naming_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server running: the user is told where the CLI looked and how to point it elsewhere."""
    monkeypatch.delenv("CREDGATE_ADDR", raising=False)
    addr = f"http://127.0.0.1:{_closed_port()}"
    result = run("kv", "get", "dev/app", "--addr", addr)
    assert_one_line_error(result, 6, f"cannot reach credgate at {addr}")
    assert "CREDGATE_ADDR" in result.stderr


def test_environment_and_flags_choose_server_token_and_namespace(api: FakeAPI) -> None:
    """CREDGATE_ADDR/TOKEN work alone; --addr/--token/--namespace override them."""
    api.handler = lambda r: ok({"keys": ["a"]})
    env = {"CREDGATE_ADDR": "http://10.1.1.1:8300", "CREDGATE_TOKEN": "cg_env"}
    run("kv", "list", env=env)
    run(
        "kv",
        "list",
        "--addr",
        "http://10.2.2.2:9000",
        "--token",
        "cg_flag",
        "--namespace",
        "acme/",
        env=env,
    )
    first, second = api.requests
    assert first.url.host == "10.1.1.1"
    assert first.headers["authorization"] == "Bearer cg_env"
    assert "x-credgate-namespace" not in first.headers
    assert (second.url.host, second.url.port) == ("10.2.2.2", 9000)
    assert second.headers["authorization"] == "Bearer cg_flag"
    assert second.headers["x-credgate-namespace"] == "acme/"


def test_session_id_from_the_environment_is_sent(api: FakeAPI) -> None:
    """An agent harness can put its CLI calls in its own audit session."""
    api.handler = lambda r: ok(SECRET)
    run("kv", "get", "dev/app", env={"CREDGATE_SESSION": "ses-harness-7"})
    assert api.requests[0].headers["x-credgate-session"] == "ses-harness-7"


def test_timeout_is_one_line(api: FakeAPI) -> None:
    """A hung server gives a readable error, not an httpx traceback."""

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api.handler = hang
    assert_one_line_error(run("kv", "get", "dev/app"), 6, "did not answer within")
