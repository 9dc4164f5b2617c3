# ruff: noqa: E501 -- templates are documents quoted verbatim, with the documents' line lengths
"""Hard negatives: text full of high-entropy or credential-looking strings that are not secrets.

Lockfile integrity hashes, git SHAs, UUIDs, digests, base64 images, certificates and public
keys, documented example keys, placeholders, references to secret stores, encrypted blobs,
password hashes. None of these documents has a labelled secret.
"""

from __future__ import annotations

import base64
from typing import Any

from fakes import BASE62, HEX, Fakes

Doc = tuple[str, str, list[dict[str, Any]]]


def package_lock(f: Fakes) -> Doc:
    entries = []
    for _ in range(f.rng.randint(6, 14)):
        name = f"{f.word()}-{f.word()}"
        ver = f"{f.rng.randint(0, 9)}.{f.rng.randint(0, 30)}.{f.rng.randint(0, 20)}"
        entries.append(
            f'    "node_modules/{name}": {{\n      "version": "{ver}",\n'
            f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{ver}.tgz",\n'
            f'      "integrity": "sha512-{f.b64(64)}",\n      "dev": true\n    }}'
        )
    return (
        "json",
        '{\n  "name": "web",\n  "lockfileVersion": 3,\n  "packages": {\n'
        + ",\n".join(entries)
        + "\n  }\n}\n",
        [],
    )


def yarn_poetry_gosum(f: Fakes) -> Doc:
    lines = []
    for _ in range(f.rng.randint(5, 10)):
        name = f.word()
        lines.append(
            f'"{name}@^{f.rng.randint(1, 9)}.0.0":\n  version "{f.rng.randint(1, 9)}.{f.rng.randint(0, 9)}.1"\n  resolved "https://registry.yarnpkg.com/{name}/-/{name}-1.0.1.tgz#{f.sha()}"\n  integrity sha1-{f.b64(20)}'
        )
    lines.append("")
    for _ in range(f.rng.randint(4, 8)):
        lines.append(
            f"{f.word()}=={f.rng.randint(1, 9)}.{f.rng.randint(0, 9)} \\\n    --hash=sha256:{f.sha(64)}"
        )
    for _ in range(f.rng.randint(4, 8)):
        mod = f"github.com/{f.word()}/{f.word()}"
        lines.append(
            f"{mod} v0.0.0-2024{f.rng.randint(1000, 1231)}{f.rng.randint(100000, 235959)}-{f.sha(12)} h1:{f.b64(32)}"
        )
        lines.append(f"{mod} v1.{f.rng.randint(0, 9)}.0/go.mod h1:{f.b64(32)}")
    return "lockfile", "\n".join(lines) + "\n", []


def git_log(f: Fakes) -> Doc:
    out = []
    for _ in range(f.rng.randint(4, 8)):
        out.append(
            f"commit {f.sha()}\nMerge: {f.sha(7)} {f.sha(7)}\nAuthor: {f.word().capitalize()} <{f.word()}@example.com>\n"
            f"Date:   Mon Mar 3 1{f.rng.randint(0, 9)}:22:01 2025 +0100\n\n    Rotate the {f.rng.choice(['API token', 'database password', 'signing key'])} usage in {f.word()} ({f.sha(10)})\n\n"
            f"    Change-Id: I{f.sha()}\n    Signed-off-by: {f.word()} <{f.word()}@example.com>\n"
        )
    return "git_log", "\n".join(out), []


def html_images(f: Fakes) -> Doc:
    png = base64.b64encode(
        b"\x89PNG\r\n\x1a\n" + f.rng.randbytes(f.rng.randint(600, 2400))
    ).decode()
    svg = base64.b64encode(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="{f.rng.randint(1, 9)}"/></svg>'.encode()
    ).decode()
    text = f"""<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <meta name="csrf-token" content="{f.b64(32)}">
  <script src="https://cdn.example.com/app.{f.sha(8)}.js" integrity="sha384-{f.b64(48)}" crossorigin="anonymous" nonce="{f.b64(16)}"></script>
  <link rel="icon" href="data:image/svg+xml;base64,{svg}">
</head>
<body>
  <img alt="logo" src="data:image/png;base64,{png}">
  <div id="app" data-build="{f.sha()}" data-tenant="{f.uuid()}"></div>
</body>
</html>
"""
    return "html", text, []


def checksums_digests(f: Fakes) -> Doc:
    lines = [
        f"{f.sha(64)}  {f.word()}-{f.rng.randint(1, 9)}.{f.rng.randint(0, 9)}.0-linux-amd64.tar.gz"
        for _ in range(6)
    ]
    lines += [f"{f.word()}/{f.word()}@sha256:{f.sha(64)}" for _ in range(4)]
    lines += [f"MD5 ({f.word()}.zip) = {f.sha(32)}", f"sha1: {f.sha()}", f"crc32: {f.sha(8)}"]
    return "checksums", "\n".join(lines) + "\n", []


def api_response(f: Fakes) -> Doc:
    items = []
    for _ in range(f.rng.randint(3, 7)):
        items.append(
            f'    {{"id": "{f.uuid()}", "object": "invoice", "customer": "cus_{f.chars(BASE62, 14)}", "etag": "W/\\"{f.sha(32)}\\"", '
            f'"amount": {f.rng.randint(100, 99999)}, "hash": "{f.sha(64)}"}}'
        )
    token = base64.urlsafe_b64encode(
        f'{{"offset":{f.rng.randint(100, 9999)},"ts":{f.rng.randint(10**9, 2 * 10**9)}}}'.encode()
    ).decode()
    text = (
        '{\n  "data": [\n' + ",\n".join(items) + "\n  ],\n"
        f'  "nextPageToken": "{token}",\n  "traceparent": "00-{f.sha(32)}-{f.sha(16)}-01",\n'
        f'  "requestId": "{f.uuid()}",\n  "max_tokens": 4096,\n  "token_count": {f.rng.randint(10, 999)}\n}}\n'
    )
    return "json", text, []


def docs_examples(f: Fakes) -> Doc:
    text = f"""# Configuring credentials

Set the standard variables (these are the documented example values, they do not work):

```sh
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export GITHUB_TOKEN=<your-token>
export OPENAI_API_KEY="sk-..."
export STRIPE_API_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc
```

With a personal access token `ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` the client authenticates as you.
A JWT looks like `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`.
Connection strings take the form `postgres://user:password@host:5432/dbname` or
`mongodb+srv://<username>:<password>@cluster0.{f.chars("abcdefghijklmnopqrstuvwxyz0123456789", 5)}.mongodb.net/`.

| variable | example |
|---|---|
| `SLACK_WEBHOOK_URL` | `https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX` |
| `API_KEY` | `your-api-key-here` |
| `DB_PASSWORD` | `changeme` |
"""
    return "markdown", text, []


def env_example(f: Fakes) -> Doc:
    text = f"""# Copy to .env and fill in
APP_ENV=development
DATABASE_URL=postgres://postgres:postgres@localhost:5432/{f.word()}_dev
DB_PASSWORD=
REDIS_PASSWORD=changeme
SECRET_KEY=replace-me
API_KEY=${{API_KEY}}
STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx
SENDGRID_API_KEY="<sendgrid-api-key>"
JWT_SECRET=********
SESSION_TOKEN=your_session_token_here
SENTRY_DSN=https://{f.sha(32)}@o{f.rng.randint(10000, 99999)}.ingest.sentry.io/{f.rng.randint(100000, 999999)}
TENANT_ID={f.uuid()}
"""
    return "dotenv", text, []


def code_references(f: Fakes) -> Doc:
    text = f"""import os

DB_PASSWORD = os.environ["DB_PASSWORD"]
API_KEY = os.getenv("API_KEY", "")
token = get_secret("secret/data/prod/{f.word()}#token")


def connect(password: str | None = None, api_key=None):
    password = password or DB_PASSWORD
    client = Client(api_key=api_key or API_KEY, password=password)
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY is required")
    return client

const apiKey = process.env.OPENAI_API_KEY;
const secret = config.get("auth.secret");
password := os.Getenv("DB_PASSWORD")
token: ${{{{ secrets.DEPLOY_TOKEN }}}}
db_password = var.db_password
password = "${{DB_PASSWORD}}"
secret_name = "{f.word()}-credentials"
password_min_length = 12
token_url = "https://oauth2.example.com/token"
"""
    return "python", text, []


def certs_public_keys(f: Fakes) -> Doc:
    pub = base64.b64encode(
        b'0\x82\x01"0\r\x06\t*\x86H\x86\xf7\r\x01\x01\x01\x05\x00' + f.rng.randbytes(270)
    ).decode()
    pub_lines = "\n".join(pub[i : i + 64] for i in range(0, len(pub), 64))
    text = f"""# authorized_keys
{f.ssh_public_key()}
{f.ssh_public_key()}

{f.certificate()}

-----BEGIN PUBLIC KEY-----
{pub_lines}
-----END PUBLIC KEY-----
fingerprint: SHA256:{f.b64(32, pad=False)}
"""
    return "pem", text, []


def encrypted_and_hashes(f: Fakes) -> Doc:
    hexblob = "\n".join(f.sha(80) for _ in range(5))
    text = f"""# secrets.enc.yaml (sops)
db_password: ENC[AES256_GCM,data:{f.b64(18)},iv:{f.b64(32)},tag:{f.b64(16)},type:str]
api_token: ENC[AES256_GCM,data:{f.b64(30)},iv:{f.b64(32)},tag:{f.b64(16)},type:str]
sops:
    mac: ENC[AES256_GCM,data:{f.b64(48)},iv:{f.b64(32)},tag:{f.b64(16)},type:str]
    lastmodified: "2025-02-11T09:12:44Z"
# group_vars/all/vault.yml
vault_db_password: !vault |
          $ANSIBLE_VAULT;1.1;AES256
{hexblob}
# users fixture
admin_password_hash: $argon2id$v=19$m=65536,t=3,p=4${f.b64(16, pad=False)}${f.b64(32, pad=False)}
"""
    return "yaml", text, []


def minified_js(f: Fakes) -> Doc:
    ids = [f.chars(BASE62, f.rng.randint(2, 6)) for _ in range(40)]
    body = ";".join(
        f"var {a}=function({b}){{return {b}&&{b}.{c}}}"
        for a, b, c in zip(ids[::3], ids[1::3], ids[2::3], strict=False)
    )
    sourcemap = base64.b64encode(
        (
            '{"version":3,"sources":["src/app.ts"],"mappings":"'
            + f.chars(BASE62 + ";,", 300)
            + '"}'
        ).encode()
    ).decode()
    text = f'!function(){{"use strict";{body};window.__BUILD__="{f.sha()}";window.__CHUNKS__={{"main":"{f.sha(20)}","vendor":"{f.sha(20)}"}}}}();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{sourcemap}\n'
    return "javascript", text, []


def terraform_state(f: Fakes) -> Doc:
    acct = f.chars("0123456789", 12)
    text = f"""{{
  "version": 4,
  "terraform_version": "1.7.5",
  "serial": {f.rng.randint(1, 400)},
  "lineage": "{f.uuid()}",
  "resources": [
    {{
      "type": "aws_iam_role",
      "name": "ci",
      "instances": [{{"attributes": {{"arn": "arn:aws:iam::{acct}:role/ci", "unique_id": "AROA{f.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17)}", "id": "ci"}}}}]
    }},
    {{
      "type": "aws_secretsmanager_secret",
      "name": "db",
      "instances": [{{"attributes": {{"arn": "arn:aws:secretsmanager:eu-west-1:{acct}:secret:prod/db-{f.chars(BASE62, 6)}", "kms_key_id": "{f.uuid()}"}}}}]
    }}
  ]
}}
"""
    return "json", text, []


def public_ids(f: Fakes) -> Doc:
    text = f"""<script>
  Stripe("{f.stripe_publishable()}");
  gtag("config", "G-{f.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}");
  const googleClientId = "{f.google_client_id()}";
  Sentry.init({{ dsn: "https://{f.sha(32)}@o{f.rng.randint(10000, 99999)}.ingest.sentry.io/{f.rng.randint(100000, 999999)}" }});
  const algoliaAppId = "{f.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}";
  const mapboxStyle = "mapbox://styles/{f.word()}/{f.chars("abcdefghijklmnopqrstuvwxyz0123456789", 25)}";
</script>
"""
    return "html", text, []


def security_chat(f: Fakes) -> Doc:
    text = f"""[14:02] {f.word().capitalize()}: reminder: the password must be at least 12 characters and rotated every 90 days
[14:03] {f.word().capitalize()}: the api key is stored in vault at secret/data/prod/{f.word()}#api_key, don't copy it anywhere
[14:03] {f.word().capitalize()}: my token expired again, the refresh flow is broken since build {f.sha(7)}
[14:05] {f.word().capitalize()}: password reset link sent to the user, ticket {f.uuid()}
[14:06] {f.word().capitalize()}: set the token with `gh auth login --with-token < token.txt`, never inline
[14:07] {f.word().capitalize()}: Password: ******** (hidden in the screenshot)
"""
    return "chat", text, []


def css_and_ids(f: Fakes) -> Doc:
    colors = "\n".join(
        f".c-{f.word()} {{ color: #{f.sha(6)}; background: #{f.sha(6)}; }}" for _ in range(8)
    )
    rows = "\n".join(
        f"{f.uuid()},{f.word()},{f.sha(40)},{f.rng.randint(1, 999)}" for _ in range(10)
    )
    return "csv", f"{colors}\n\nid,name,commit,count\n{rows}\n", []


def hmac_test_vectors(f: Fakes) -> Doc:
    text = f"""def test_signature_matches_known_vector():
    body = b'{{"event":"order.paid","id":"{f.uuid()}"}}'
    assert sign(b"key", body) == "{f.sha(64)}"
    assert sha256_file("fixtures/report.pdf") == "{f.sha(64)}"
    assert base64.b64encode(digest) == b"{f.b64(32)}"
    cache_key = "{f.b64(24, url=True, pad=False)}"
    idempotency_key = "{f.uuid()}"
"""
    return "python", text, []


TEMPLATES = [
    package_lock,
    yarn_poetry_gosum,
    git_log,
    html_images,
    checksums_digests,
    api_response,
    docs_examples,
    env_example,
    code_references,
    certs_public_keys,
    encrypted_and_hashes,
    minified_js,
    terraform_state,
    public_ids,
    security_chat,
    css_and_ids,
    hmac_test_vectors,
]
_ = HEX
