# ruff: noqa: E501 -- templates are documents quoted verbatim, with the documents' line lengths
"""Templates used only in the held-out split: shapes the scanner was never tuned on.

The dev split shares every other template with the held-out split (only the seeded values
differ), so dev figures say how well the scanner handles *those* shapes. These are written
before being measured and are never used to adjust the scanner; the held-out figures with
them are the honest estimate.
"""

from __future__ import annotations

import base64
from typing import Any

from builder import render
from fakes import Fakes, S

Doc = tuple[str, str, list[dict[str, Any]]]


def _clean(s: S, drop: str = "\"'\\ `$") -> S:
    return S(s.type, "".join(c for c in s.value if c not in drop))


def spring_oauth(f: Fakes) -> Doc:
    pw, cs = _clean(f.password()), f.google_oauth_secret()
    tpl = """spring:
  mail:
    host: smtp.«dom».com
    username: alerts@«dom».com
    password: «pw»
  security:
    oauth2:
      client:
        registration:
          google:
            client-id: «cid»
            client-secret: «cs»
"""
    text, spans = render(tpl, {"dom": f.word(), "pw": pw, "cid": f.google_client_id(), "cs": cs})
    return "yaml", text, spans


def makefile(f: Fakes) -> Doc:
    pw = _clean(f.password(), "\"'\\ `$#()")
    tpl = """REGISTRY ?= registry.«dom».io
DOCKER_USER ?= ci
DOCKER_PASS ?= «pw»

push:
\tdocker login $(REGISTRY) -u $(DOCKER_USER) --password-stdin <<< "$(DOCKER_PASS)"
\tdocker push $(REGISTRY)/app:$(VERSION)
"""
    text, spans = render(tpl, {"dom": f.word(), "pw": pw})
    return "makefile", text, spans


def serverless(f: Fakes) -> Doc:
    key = f.rng.choice([f.stripe_key, f.sendgrid_key, f.generic_api_key])()
    tpl = """service: «svc»
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    PAYMENT_PROVIDER_KEY: «key»
    TABLE_NAME: ${self:service}-${sls:stage}
functions:
  charge:
    handler: src/charge.handler
"""
    text, spans = render(tpl, {"svc": f.word(), "key": key})
    return "yaml", text, spans


def laravel_env(f: Fakes) -> Doc:
    appkey = S("secret", "base64:" + f.b64(32))
    pw = f.url_safe_password()
    tpl = """APP_NAME=«name»
APP_ENV=production
APP_KEY=«appkey»
APP_DEBUG=false
DB_CONNECTION=mysql
DB_HOST=«host»
DB_USERNAME=«user»
DB_PASSWORD=«pw»
"""
    text, spans = render(
        tpl,
        {
            "name": f.word().capitalize(),
            "appkey": appkey,
            "host": f.host(),
            "user": f.user(),
            "pw": pw,
        },
    )
    return "dotenv", text, spans


def supabase_client(f: Fakes) -> Doc:
    jwt = f.jwt()
    tpl = """import { createClient } from "@supabase/supabase-js";

// service role: server side only
export const admin = createClient("https://«ref».supabase.co", "«jwt»");
"""
    text, spans = render(tpl, {"ref": f.chars("abcdefghijklmnopqrstuvwxyz", 20), "jwt": jwt})
    return "javascript", text, spans


def celery_config(f: Fakes) -> Doc:
    pw = f.url_safe_password()
    tpl = """# celeryconfig.py
broker_url = "amqp://«user»:«pw»@rabbitmq.«dom».internal:5672//"
result_backend = "redis://redis.«dom».internal:6379/1"
task_acks_late = True
"""
    text, spans = render(tpl, {"user": f.user(), "pw": pw, "dom": f.word()})
    return "python", text, spans


def mongosh(f: Fakes) -> Doc:
    pw = _clean(f.password(), "\"'\\ `$!&;|<>()")
    tpl = """$ mongosh "mongodb+srv://cluster0.«c».mongodb.net/«db»" --username «user» --password «pw»
Current Mongosh Log ID: «logid»
Connecting to: mongodb+srv://<credentials>@cluster0.«c».mongodb.net/«db»
"""
    text, spans = render(
        tpl,
        {
            "c": f.chars("abcdefghijklmnopqrstuvwxyz0123456789", 5),
            "db": f.word(),
            "user": f.user(),
            "pw": pw,
            "logid": f.sha(24),
        },
    )
    return "shell_transcript", text, spans


def har_entry(f: Fakes) -> Doc:
    user, pw = f.user(), f.password()
    basic = S("password", base64.b64encode(f"{user}:{pw.value}".encode()).decode())
    tpl = """{"request": {"method": "GET", "url": "https://admin.«dom».com/api/users", "headers": [
  {"name": "Accept", "value": "application/json"},
  {"name": "Authorization", "value": "Basic «basic»"},
  {"name": "X-Request-Id", "value": "«rid»"}
]}}
"""
    text, spans = render(tpl, {"dom": f.word(), "basic": basic, "rid": f.uuid()})
    return "json", text, spans


def dotnet_connection(f: Fakes) -> Doc:
    pw = _clean(f.password(), "\"'\\ `;")
    tpl = """var cs = "Data Source=«srv»;Initial Catalog=«db»;User Id=sa;Password=«pw»;TrustServerCertificate=True";
using var conn = new SqlConnection(cs);
"""
    text, spans = render(tpl, {"srv": f.host(), "db": f.word(), "pw": pw})
    return "csharp", text, spans


def go_test_setenv(f: Fakes) -> Doc:
    tok = f.rng.choice([f.generic_api_key, f.github_token, f.slack_bot_token])()
    tpl = """func TestSync(t *testing.T) {
	os.Setenv("API_TOKEN", "«tok»")
	defer os.Unsetenv("API_TOKEN")
	if err := Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}
"""
    text, spans = render(tpl, {"tok": tok})
    return "go", text, spans


def foreign_chat(f: Fakes) -> Doc:
    pw1, pw2 = _clean(f.password()), _clean(f.password())
    tpl = """[11:02] Lucía: la contraseña del servidor de pruebas es «pw1»
[11:03] Jonas: danke! Passwort für das Staging-Dashboard: «pw2»
[11:04] Lucía: 👌 (ticket «num»)
"""
    text, spans = render(tpl, {"pw1": pw1, "pw2": pw2, "num": str(f.rng.randint(1000, 9999))})
    return "chat", text, spans


def git_diff(f: Fakes) -> Doc:
    sak = f.aws_secret_access_key()
    tpl = """diff --git a/deploy/.env b/deploy/.env
index «a»..«b» 100644
--- a/deploy/.env
+++ b/deploy/.env
@@ -3,4 +3,4 @@ AWS_REGION=eu-west-1
-AWS_SECRET_ACCESS_KEY=«sak»
+AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}
 LOG_LEVEL=info
"""
    text, spans = render(tpl, {"a": f.sha(7), "b": f.sha(7), "sak": sak})
    return "diff", text, spans


def php_variables(f: Fakes) -> Doc:
    pw = _clean(f.password())
    tpl = """<?php
$db_host = '«host»';
$db_user = '«user»';
$db_pass = '«pw»';
$mysqli = new mysqli($db_host, $db_user, $db_pass, 'shop');
"""
    text, spans = render(tpl, {"host": f.host(), "user": f.user(), "pw": pw})
    return "php", text, spans


def datadog_yaml(f: Fakes) -> Doc:
    api, app = S("api_key", f.sha(32)), S("api_key", f.sha(40))
    tpl = """# datadog.yaml
api_key: «api»
app_key: «app»
site: datadoghq.eu
logs_enabled: true
"""
    text, spans = render(tpl, {"api": api, "app": app})
    return "yaml", text, spans


def az_login(f: Fakes) -> Doc:
    secret = f.rng.choice([f.azure_client_secret, f.azure_client_secret_legacy])()
    tpl = """az login --service-principal -u «app» -p «secret» --tenant «tenant»
az acr login --name «reg»
"""
    text, spans = render(
        tpl, {"app": f.uuid(), "secret": secret, "tenant": f.uuid(), "reg": f.word()}
    )
    return "shell", text, spans


def oauth_response(f: Fakes) -> Doc:
    access = S(
        "google_oauth_token",
        "ya29." + f.mixed("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 150),
    )
    refresh = S(
        "token",
        "1//0" + f.mixed("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 99),
    )
    tpl = """HTTP/1.1 200 OK
Content-Type: application/json

{"access_token":"«access»","expires_in":3599,"refresh_token":"«refresh»","scope":"https://www.googleapis.com/auth/drive.readonly","token_type":"Bearer"}
"""
    text, spans = render(tpl, {"access": access, "refresh": refresh})
    return "http_transcript", text, spans


# --- negatives -------------------------------------------------------------------------------


def cli_help(f: Fakes) -> Doc:
    text = f"""usage: {f.word()}-sync [-h] [--user USER] [--password PASSWORD] [--token TOKEN] [--api-key KEY]

options:
  --password PASSWORD   the password to use (default: read from $SYNC_PASSWORD)
  --token TOKEN         an access token; prefer the SYNC_TOKEN environment variable
  --api-key KEY         your API key, see https://docs.example.com/keys
"""
    return "text", text, []


def changelog(f: Fakes) -> Doc:
    text = f"""## 2.{f.rng.randint(0, 9)}.0

- Tokens are now rotated every 24 hours ({f.sha(7)}).
- The `password` field of `/v1/users` is write-only (#{f.rng.randint(100, 999)}).
- Fixed: API keys with a trailing newline were rejected ({f.sha(7)}).
- Bumped `cryptography` to 43.0.1 (sha256 {f.sha(64)}).
"""
    return "markdown", text, []


def masking_tests(f: Fakes) -> Doc:
    text = """def test_mask_hides_password():
    assert mask("password=secret") == "password=***"
    assert mask("token: <redacted>") == "token: <redacted>"
    assert redact({"api_key": None}) == {"api_key": None}
"""
    return "python", text, []


def env_lookups(f: Fakes) -> Doc:
    text = """database:
  password: !ENV ${DB_PASSWORD}
  token: "{{ lookup('env', 'DEPLOY_TOKEN') }}"
  api_key: "{{ vault_api_key }}"
  secret: '%(SECRET)s'
"""
    return "yaml", text, []


def json_schema(f: Fakes) -> Doc:
    text = """{
  "type": "object",
  "required": ["username", "password"],
  "properties": {
    "username": {"type": "string", "maxLength": 64},
    "password": {"type": "string", "minLength": 12, "writeOnly": true},
    "api_key": {"type": "string", "pattern": "^[A-Za-z0-9]{32}$"}
  }
}
"""
    return "json", text, []


def s3_request_log(f: Fakes) -> Doc:
    text = f"""PUT /{f.word()}/{f.uuid()}.parquet HTTP/1.1
Host: s3.eu-west-1.amazonaws.com
X-Amz-Content-Sha256: {f.sha(64)}
X-Amz-Date: 20250301T101010Z
ETag: "{f.sha(32)}"
x-amz-version-id: {f.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._", 32)}
"""
    return "http_transcript", text, []


POSITIVE = [
    spring_oauth,
    makefile,
    serverless,
    laravel_env,
    supabase_client,
    celery_config,
    mongosh,
    har_entry,
    dotnet_connection,
    go_test_setenv,
    foreign_chat,
    git_diff,
    php_variables,
    datadog_yaml,
    az_login,
    oauth_response,
]
NEGATIVE = [cli_help, changelog, masking_tests, env_lookups, json_schema, s3_request_log]
