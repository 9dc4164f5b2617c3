# ruff: noqa: E501 -- templates are documents quoted verbatim, with the documents' line lengths
"""Configuration documents: YAML (compose, Kubernetes, CI, Spring, Helm), .env, JSON, INI/TOML,
XML, dotfiles (.npmrc, .pypirc, .netrc, pip.conf, docker config) and SQL."""

from __future__ import annotations

import base64
import json
from typing import Any

from builder import render
from fakes import Fakes, S

Doc = tuple[str, str, list[dict[str, Any]]]


def compose(f: Fakes) -> Doc:
    pw, redis_pw = f.url_safe_password(), f.url_safe_password()
    tpl = """version: "3.9"
services:
  db:
    image: postgres:16@sha256:«digest»
    environment:
      POSTGRES_USER: «user»
      POSTGRES_PASSWORD: «pw»
      POSTGRES_DB: orders
  cache:
    image: redis:7
    command: ["redis-server", "--requirepass", "«redis_pw»"]
  api:
    build: .
    environment:
      - DATABASE_URL=postgres://«user»:«pw2»@db:5432/orders
      - LOG_LEVEL=info
      - SENTRY_DSN=https://«sentry_pub»@o«org».ingest.sentry.io/«proj»
    depends_on: [db, cache]
"""
    pw2 = S(pw.type, pw.value)
    text, spans = render(
        tpl,
        {
            "digest": f.sha(64),
            "user": f.user(),
            "pw": pw,
            "pw2": pw2,
            "redis_pw": redis_pw,
            "sentry_pub": f.sha(32),
            "org": str(f.rng.randint(10000, 99999)),
            "proj": str(f.rng.randint(100000, 999999)),
        },
    )
    return "yaml", text, spans


def k8s_secret(f: Fakes) -> Doc:
    pw = f.password()
    key = f.rng.choice([f.generic_api_key, f.stripe_key, f.sendgrid_key])()
    pw_b64 = S("password", base64.b64encode(pw.value.encode()).decode())
    key_b64 = S(key.type, base64.b64encode(key.value.encode()).decode())
    tpl = """apiVersion: v1
kind: Secret
metadata:
  name: «app»-secrets
  namespace: «ns»
  uid: «uid»
type: Opaque
data:
  db-password: «pw_b64»
  api-key: «key_b64»
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: «app»
spec:
  template:
    spec:
      containers:
        - name: «app»
          image: registry.«domain».io/«app»@sha256:«digest»
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: «app»-secrets
                  key: db-password
            - name: CACHE_PASSWORD
              value: "«cache_pw»"
"""
    text, spans = render(
        tpl,
        {
            "app": f.word(),
            "ns": f.word(),
            "uid": f.uuid(),
            "pw_b64": pw_b64,
            "key_b64": key_b64,
            "domain": f.word(),
            "digest": f.sha(64),
            "cache_pw": f.password(),
        },
    )
    return "yaml", text, spans


def github_actions(f: Fakes) -> Doc:
    leaked = f.rng.choice([f.npm_token, f.pypi_token, f.slack_webhook, f.github_token])()
    tpl = """name: release
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@«sha»
      - uses: actions/setup-node@«sha2»
        with:
          node-version: 20
      - run: npm ci
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
      - name: notify
        run: curl -X POST -d '{"text":"released"}' «leaked»
        env:
          FALLBACK_TOKEN: "«leaked2»"
"""
    other = f.rng.choice([f.generic_api_key, f.gitlab_token])()
    text, spans = render(
        tpl,
        {
            "sha": f.sha(),
            "sha2": f.sha(),
            "leaked": leaked if leaked.type == "slack_webhook" else f.slack_webhook(),
            "leaked2": other if leaked.type == "slack_webhook" else leaked,
        },
    )
    return "yaml", text, spans


def spring_application(f: Fakes) -> Doc:
    pw, secret = f.password(), f.generic_api_key()
    pw = S(pw.type, pw.value.replace("'", ""))
    tpl = """spring:
  application:
    name: «app»-service
  datasource:
    url: jdbc:mysql://«host»:3306/«db»?useSSL=true&serverTimezone=UTC
    username: «user»
    password: '«pw»'
  jpa:
    hibernate:
      ddl-auto: validate
jwt:
  secret: «secret»
  expiration: 3600
management:
  endpoints:
    web:
      exposure:
        include: health,info
"""
    text, spans = render(
        tpl,
        {
            "app": f.word(),
            "host": f.host(),
            "db": f.word(),
            "user": f.user(),
            "pw": pw,
            "secret": secret,
        },
    )
    return "yaml", text, spans


def helm_values(f: Fakes) -> Doc:
    tok = f.rng.choice(
        [f.slack_bot_token, f.datadog_api_key, f.generic_api_key, f.telegram_bot_token]
    )()
    pw = f.password()
    tpl = """replicaCount: 3
image:
  repository: ghcr.io/«org»/«app»
  tag: "1.«minor».0"
  digest: sha256:«digest»
alerting:
  slack:
    channel: "#ops-alerts"
    token: «tok»
postgresql:
  auth:
    username: «user»
    password: "«pw»"
    existingSecret: ""
resources:
  limits: {cpu: 500m, memory: 512Mi}
"""
    text, spans = render(
        tpl,
        {
            "org": f.word(),
            "app": f.word(),
            "minor": str(f.rng.randint(0, 40)),
            "digest": f.sha(64),
            "tok": tok,
            "user": f.user(),
            "pw": pw,
        },
    )
    return "yaml", text, spans


def dotenv(f: Fakes) -> Doc:
    lines = [
        "# generated by setup.sh",
        "APP_ENV=production",
        f"APP_URL=https://{f.word()}.example.com",
    ]
    spans_src: list[tuple[str, S | str]] = []
    choices = [
        ("DATABASE_URL", lambda: ("postgres://{u}:{p}@{h}:5432/app", f.url_safe_password())),
        ("REDIS_URL", lambda: ("redis://:{p}@{h}:6379/0", f.url_safe_password())),
        ("STRIPE_SECRET_KEY", f.stripe_key),
        ("OPENAI_API_KEY", f.openai_key),
        ("ANTHROPIC_API_KEY", f.anthropic_key),
        ("SENDGRID_API_KEY", f.sendgrid_key),
        ("GITHUB_TOKEN", f.github_token),
        ("AWS_ACCESS_KEY_ID", f.aws_access_key_id),
        ("AWS_SECRET_ACCESS_KEY", f.aws_secret_access_key),
        ("SLACK_BOT_TOKEN", f.slack_bot_token),
        ("DD_API_KEY", f.datadog_api_key),
        ("JWT_SECRET", f.generic_api_key),
        ("SMTP_PASSWORD", f.password),
        ("MAILGUN_API_KEY", lambda: S("api_key", "key-" + f.chars("0123456789abcdef", 32))),
        ("HF_TOKEN", f.huggingface_token),
        ("TWILIO_AUTH_TOKEN", f.twilio_auth_token),
        ("TWILIO_ACCOUNT_SID", f.twilio_account_sid),
        ("GOOGLE_API_KEY", f.google_api_key),
        ("VAULT_TOKEN", f.vault_token),
        ("INTERNAL_API_TOKEN", f.generic_api_key),
        ("ENCRYPTION_KEY", lambda: S("secret", f.b64(32))),
    ]
    for name, make in f.rng.sample(choices, f.rng.randint(4, 9)):
        made = make()
        if isinstance(made, tuple):
            tpl, pw = made
            url = tpl.format(u=f.user(), p="«v»", h=f.host())
            spans_src.append((f"{name}={url}", pw))
        else:
            q = f.rng.choice(["", "", '"'])
            spans_src.append((f"{name}={q}«v»{q}", made))
    spans_src.extend(
        [
            ("LOG_LEVEL=debug", ""),
            ("SESSION_TTL=3600", ""),
            (f"BUILD_SHA={f.sha()}", ""),
            (f"TENANT_ID={f.uuid()}", ""),
        ]
    )
    f.rng.shuffle(spans_src)
    pieces = []
    for line, value in spans_src:
        pieces.append(render(line, {"v": value}) if value else (line, []))
    from builder import join

    text, spans = join([("\n".join(lines), []), *pieces])
    return "dotenv", text + "\n", spans


def gcp_service_account(f: Fakes) -> Doc:
    key = f.private_key(escaped=True)
    proj = f"{f.word()}-{f.rng.randint(100000, 999999)}"
    tpl = """{
  "type": "service_account",
  "project_id": "«proj»",
  "private_key_id": "«kid»",
  "private_key": "«key»\\n",
  "client_email": "deployer@«proj».iam.gserviceaccount.com",
  "client_id": "«cid»",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token"
}
"""
    text, spans = render(
        tpl, {"proj": proj, "kid": f.sha(), "key": key, "cid": f.chars("0123456789", 21)}
    )
    return "json", text, spans


def appsettings_json(f: Fakes) -> Doc:
    pw = f.password()
    pw = S(pw.type, pw.value.replace('"', "").replace(";", "").replace("\\", ""))
    sb = f.azure_service_bus_key()
    tpl = """{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "ConnectionStrings": {
    "Default": "Server=tcp:«srv».database.windows.net,1433;Initial Catalog=orders;User ID=«user»;Password=«pw»;Encrypt=True;",
    "Bus": "Endpoint=sb://«ns».servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=«sb»"
  },
  "AzureAd": {
    "Instance": "https://login.microsoftonline.com/",
    "TenantId": "«tenant»",
    "ClientId": "«client»",
    "ClientSecret": "«secret»"
  }
}
"""
    text, spans = render(
        tpl,
        {
            "srv": f.word(),
            "user": f.user(),
            "pw": pw,
            "ns": f.word(),
            "sb": sb,
            "tenant": f.uuid(),
            "client": f.uuid(),
            "secret": f.rng.choice([f.azure_client_secret, f.azure_client_secret_legacy])(),
        },
    )
    return "json", text, spans


def docker_config(f: Fakes) -> Doc:
    user, pw = f.user(), f.url_safe_password()
    auth = S("password", base64.b64encode(f"{user}:{pw.value}".encode()).decode())
    tpl = """{
  "auths": {
    "registry.«domain».io": {
      "auth": "«auth»"
    },
    "https://index.docker.io/v1/": {}
  },
  "credsStore": "desktop",
  "currentContext": "default"
}
"""
    text, spans = render(tpl, {"domain": f.word(), "auth": auth})
    return "json", text, spans


def ini_files(f: Fakes) -> Doc:
    kind = f.rng.random()
    if kind < 0.33:
        tok = f.pypi_token()
        tpl = """[distutils]
index-servers = pypi

[pypi]
username = __token__
password = «tok»
"""
        fields: dict[str, S | str] = {"tok": tok}
    elif kind < 0.66:
        pw = f.url_safe_password()
        tpl = """[global]
index-url = https://«user»:«pw»@pypi.«domain».internal/simple/
trusted-host = pypi.«domain».internal
timeout = 60
"""
        fields = {"user": f.user(), "pw": pw, "domain": f.word()}
    else:
        akid, sak = f.aws_access_key_id(), f.aws_secret_access_key()
        tpl = """[default]
aws_access_key_id = «akid»
aws_secret_access_key = «sak»
region = eu-central-1

[profile readonly]
role_arn = arn:aws:iam::«acct»:role/ReadOnly
source_profile = default
"""
        fields = {"akid": akid, "sak": sak, "acct": f.chars("0123456789", 12)}
    text, spans = render(tpl, fields)
    return "ini", text, spans


def netrc_npmrc(f: Fakes) -> Doc:
    pw, npm = f.password(), f.npm_token()
    pw = S(pw.type, pw.value.replace(" ", ""))
    tpl = """# ~/.netrc
machine api.«domain».com
  login «user»
  password «pw»

# ~/.npmrc
//registry.npmjs.org/:_authToken=«npm»
@«scope»:registry=https://npm.pkg.github.com
always-auth=true
"""
    text, spans = render(
        tpl, {"domain": f.word(), "user": f.user(), "pw": pw, "npm": npm, "scope": f.word()}
    )
    return "dotfile", text, spans


def xml_configs(f: Fakes) -> Doc:
    pw, pw2 = f.password(), f.password()
    pw = S(pw.type, pw.value.replace("<", "").replace("&", ""))
    pw2 = S(pw2.type, pw2.value.replace('"', "").replace("&", "").replace("<", ""))
    tpl = """<settings>
  <servers>
    <server>
      <id>nexus-releases</id>
      <username>«user»</username>
      <password>«pw»</password>
    </server>
  </servers>
</settings>
<!-- web.config -->
<appSettings>
  <add key="SmtpPassword" value="«pw2»" />
  <add key="PageSize" value="50" />
</appSettings>
"""
    text, spans = render(tpl, {"user": f.user(), "pw": pw, "pw2": pw2})
    return "xml", text, spans


def properties_toml(f: Fakes) -> Doc:
    pw, tok = f.password(), f.rng.choice([f.generic_api_key, f.huggingface_token, f.vault_token])()
    tpl = """# application.properties
spring.datasource.url=jdbc:postgresql://«host»:5432/«db»
spring.datasource.username=«user»
spring.datasource.password=«pw»
server.port=8080

# pyproject.toml tool config
[tool.deploy]
region = "eu-west-1"
api_token = "«tok»"
"""
    text, spans = render(
        tpl, {"host": f.host(), "db": f.word(), "user": f.user(), "pw": pw, "tok": tok}
    )
    return "properties", text, spans


def sql_migration(f: Fakes) -> Doc:
    pw = f.password()
    pw = S(pw.type, pw.value.replace("'", ""))
    tpl = """-- 0042_reporting_role.sql
CREATE ROLE reporting WITH LOGIN PASSWORD '«pw»';
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;
INSERT INTO users (id, email, password_hash) VALUES
  ('«uuid»', '«user»@example.com', '$2b$12$«bcrypt»');
"""
    text, spans = render(
        tpl,
        {
            "pw": pw,
            "uuid": f.uuid(),
            "user": f.user(),
            "bcrypt": f.chars(
                "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 53
            ),
        },
    )
    return "sql", text, spans


def json_api_config(f: Fakes) -> Doc:
    items = {
        "openai": f.openai_key,
        "anthropic": f.anthropic_key,
        "github": f.github_token,
        "huggingface": f.huggingface_token,
        "gitlab": f.gitlab_token,
        "shopify": f.shopify_token,
    }
    chosen = f.rng.sample(sorted(items), 3)
    fields: dict[str, S | str] = {}
    body = []
    for i, name in enumerate(chosen):
        fields[f"k{i}"] = items[name]()
        body.append(f'    "{name}": {{"apiKey": "«k{i}»", "timeout": {f.rng.randint(5, 60)}}}')
    tpl = '{\n  "providers": {\n' + ",\n".join(body) + '\n  },\n  "requestId": "«rid»"\n}\n'
    fields["rid"] = f.uuid()
    text, spans = render(tpl, fields)
    return "json", text, spans


TEMPLATES = [
    compose,
    k8s_secret,
    github_actions,
    spring_application,
    helm_values,
    dotenv,
    dotenv,
    gcp_service_account,
    appsettings_json,
    docker_config,
    ini_files,
    netrc_npmrc,
    xml_configs,
    properties_toml,
    sql_migration,
    json_api_config,
]
_ = json
