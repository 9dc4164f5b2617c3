# ruff: noqa: E501 -- templates are documents quoted verbatim, with the documents' line lengths
"""A second wave of templates (notebooks, CI, Ansible, Gradle, Rust/Swift, PowerShell,
Dockerfiles, JSON logs, shell history, tfvars...), in both splits.

They were first written for the held-out split only and measured blind once (the figures are
in benchmarks/RESULTS.md); they then joined the dev split, and templates_heldout.py took their
place as the shapes the scanner was never tuned on.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from builder import render
from fakes import BASE62, Fakes, S

Doc = tuple[str, str, list[dict[str, Any]]]


def _clean(s: S, drop: str = "\"'\\ `$") -> S:
    return S(s.type, "".join(c for c in s.value if c not in drop))


def notebook(f: Fakes) -> Doc:
    key = f.rng.choice([f.openai_key, f.anthropic_key, f.huggingface_token])()
    cell = json.dumps(
        {
            "cell_type": "code",
            "source": [
                "import openai\n",
                'openai.api_key = "KEYMARK"\n',
                "resp = openai.models.list()\n",
            ],
        },
        indent=1,
    )
    out = json.dumps({"output_type": "stream", "text": [f"model count: {f.rng.randint(5, 90)}\n"]})
    tpl = (
        '{\n "cells": [\n'
        + cell.replace("KEYMARK", "«key»")
        + ",\n"
        + out
        + '\n ],\n "nbformat": 4\n}\n'
    )
    text, spans = render(tpl, {"key": key})
    return "notebook", text, spans


def gitlab_ci(f: Fakes) -> Doc:
    pw, tok = _clean(f.password()), f.gitlab_token()
    tpl = """stages: [build, deploy]
variables:
  DOCKER_DRIVER: overlay2
  CI_REGISTRY_PASSWORD: "«pw»"
  DEPLOY_KEY: «tok»
build:
  stage: build
  script:
    - docker login -u "$CI_REGISTRY_USER" -p "$CI_JOB_TOKEN" $CI_REGISTRY
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .
"""
    text, spans = render(tpl, {"pw": pw, "tok": tok})
    return "yaml", text, spans


def ansible_inventory(f: Fakes) -> Doc:
    pw1, pw2 = _clean(f.password()), _clean(f.password())
    tpl = """[web]
web1.«dom».internal ansible_user=deploy ansible_ssh_pass=«pw1»
web2.«dom».internal ansible_user=deploy

[db:vars]
ansible_become=true
ansible_become_password=«pw2»
postgres_version=15
"""
    text, spans = render(tpl, {"dom": f.word(), "pw1": pw1, "pw2": pw2})
    return "ini", text, spans


def kotlin_gradle(f: Fakes) -> Doc:
    key = f.rng.choice([f.google_api_key, f.generic_api_key])()
    tpl = """android {
    defaultConfig {
        applicationId "com.«org».app"
        buildConfigField("String", "MAPS_API_KEY", "\\"«key»\\"")
        versionCode «vc»
    }
}
"""
    text, spans = render(tpl, {"org": f.word(), "key": key, "vc": str(f.rng.randint(10, 400))})
    return "kotlin", text, spans


def rust_swift(f: Fakes) -> Doc:
    k1, k2 = (
        f.rng.choice([f.generic_api_key, f.stripe_key, f.sendgrid_key])(),
        f.rng.choice([f.generic_api_key, f.github_token])(),
    )
    tpl = """// src/config.rs
pub const API_KEY: &str = "«k1»";
pub const TIMEOUT_MS: u64 = 5_000;

// Config.swift
let analyticsToken = "«k2»"
let baseURL = URL(string: "https://api.«dom».com")!
"""
    text, spans = render(tpl, {"k1": k1, "k2": k2, "dom": f.word()})
    return "rust", text, spans


def powershell(f: Fakes) -> Doc:
    pw = _clean(f.password())
    tpl = """$user = "«dom»\\svc_backup"
$password = ConvertTo-SecureString "«pw»" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ($user, $password)
Invoke-Command -ComputerName «host» -Credential $cred -ScriptBlock { Get-Service }
"""
    text, spans = render(
        tpl, {"dom": f.word().upper(), "pw": pw, "host": f.word().upper() + "-SRV01"}
    )
    return "powershell", text, spans


def dockerfile(f: Fakes) -> Doc:
    npm, user, pw = f.npm_token(), f.user(), _clean(f.password())
    tpl = """FROM node:20-alpine AS build
ARG NPM_TOKEN=«npm»
WORKDIR /app
COPY package*.json ./
RUN echo "machine github.com login «user» password «pw»" > ~/.netrc && npm ci
COPY . .
RUN npm run build
"""
    text, spans = render(tpl, {"npm": npm, "user": user, "pw": pw})
    return "dockerfile", text, spans


def request_log_json(f: Fakes) -> Doc:
    tok, key = f.rng.choice([f.jwt, f.generic_api_key, f.github_token])(), f.generic_api_key()
    tpl = """{"ts":"2025-05-02T10:11:12Z","level":"debug","msg":"outbound request","method":"POST","url":"https://api.«dom».io/v1/sync","headers":{"authorization":"Bearer «tok»","x-api-key":"«key»","content-type":"application/json"},"trace_id":"«trace»"}
{"ts":"2025-05-02T10:11:13Z","level":"info","msg":"sync done","items":«n»,"trace_id":"«trace»"}
"""
    text, spans = render(
        tpl,
        {
            "dom": f.word(),
            "tok": tok,
            "key": key,
            "trace": f.sha(32),
            "n": str(f.rng.randint(1, 500)),
        },
    )
    return "log", text, spans


def bash_history(f: Fakes) -> Doc:
    pw1, pw2, pw3 = (_clean(f.password(), "\"'\\ `$!&;|<>()") for _ in range(3))
    akid = f.aws_access_key_id()
    tpl = """ls -la
mysql -u root -p«pw1» -h «host» orders
docker login registry.«dom».io -u ci -p «pw2»
sshpass -p '«pw3»' ssh deploy@«host»
export AWS_ACCESS_KEY_ID=«akid»
git push origin main
"""
    text, spans = render(
        tpl, {"pw1": pw1, "host": f.host(), "dom": f.word(), "pw2": pw2, "pw3": pw3, "akid": akid}
    )
    return "shell_history", text, spans


def heroku_config(f: Fakes) -> Doc:
    pw = f.url_safe_password()
    skb = S("secret", f.sha(128))
    tpl = """{
  "name": "«app»",
  "config_vars": {
    "DATABASE_URL": "postgres://«user»:«pw»@ec2-«ip».compute-1.amazonaws.com:5432/«db»",
    "SECRET_KEY_BASE": "«skb»",
    "RAILS_ENV": "production",
    "WEB_CONCURRENCY": "2"
  }
}
"""
    text, spans = render(
        tpl,
        {
            "app": f.word(),
            "user": f.chars("abcdefghijklmnopqrstuvwxyz", 14),
            "pw": pw,
            "ip": f.ip().replace(".", "-"),
            "db": f.chars("abcdefghijklmnopqrstuvwxyz0123456789", 14),
            "skb": skb,
        },
    )
    return "json", text, spans


def tfvars(f: Fakes) -> Doc:
    tok, pw = (
        f.rng.choice([f.github_token, f.digitalocean_token, f.vault_token])(),
        _clean(f.password()),
    )
    tpl = """region        = "eu-west-3"
instance_type = "t3.large"
github_token  = "«tok»"
db_password   = "«pw»"
tags = { team = "«team»" }
"""
    text, spans = render(tpl, {"tok": tok, "pw": pw, "team": f.word()})
    return "terraform", text, spans


def go_redis(f: Fakes) -> Doc:
    pw = _clean(f.password())
    tpl = """rdb := redis.NewClient(&redis.Options{
	Addr:     "«host»:6379",
	Password: "«pw»",
	DB:       0,
})
"""
    text, spans = render(tpl, {"host": f.host(), "pw": pw})
    return "go", text, spans


def email_onboarding(f: Fakes) -> Doc:
    pw = _clean(f.password())
    tpl = """Welcome to the «dom» partner portal!

Username: «user»@«dom».com
Temporary password: «pw»

You will be asked to choose a new password at first login. Your account id is «uuid».
"""
    text, spans = render(tpl, {"dom": f.word(), "user": f.word(), "pw": pw, "uuid": f.uuid()})
    return "email", text, spans


def python_auth_tuple(f: Fakes) -> Doc:
    pw = _clean(f.password())
    key = f.generic_api_key()
    tpl = """resp = requests.get(
    "https://jira.«dom».com/rest/api/2/search",
    auth=("«user»", "«pw»"),
    params={"jql": "project = OPS"},
)
client = Algolia(app_id="«appid»", admin_api_key="«key»")
"""
    text, spans = render(
        tpl,
        {
            "dom": f.word(),
            "user": f.user(),
            "pw": pw,
            "appid": f.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10),
            "key": key,
        },
    )
    return "python", text, spans


# --- negatives -------------------------------------------------------------------------------


def openapi_spec(f: Fakes) -> Doc:
    text = f"""openapi: 3.0.3
info: {{title: {f.word()} API, version: 1.4.0}}
components:
  securitySchemes:
    apiKey:
      type: apiKey
      name: X-API-Key
      in: header
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
  schemas:
    Token:
      type: object
      properties:
        access_token: {{type: string, example: "<token>"}}
        token_type: {{type: string, example: Bearer}}
        expires_in: {{type: integer, example: 3600}}
"""
    return "yaml", text, []


def i18n_strings(f: Fakes) -> Doc:
    text = """{
  "login.password": "Password",
  "login.password_placeholder": "Enter your password",
  "login.forgot_password": "Forgot your password?",
  "errors.token_expired": "Your session token has expired, please sign in again",
  "errors.invalid_api_key": "The API key is invalid",
  "settings.api_key_help": "Create an API key in Settings > Developer",
  "password": "Mot de passe",
  "token": "Jeton d'accès"
}
"""
    return "json", text, []


def masked_logs(f: Fakes) -> Doc:
    text = f"""2025-03-03 10:00:01 INFO request headers: Authorization: Bearer *** X-Api-Key: ****
2025-03-03 10:00:01 INFO connecting with password=[REDACTED] user={f.user()}
2025-03-03 10:00:02 WARN token=****{f.sha(4)} expired at 2025-03-03T09:59:59Z
2025-03-03 10:00:02 DEBUG dsn=postgres://{f.user()}:********@{f.host()}:5432/app
2025-03-03 10:00:03 INFO rotated secret «redacted» for {f.word()}, version {f.rng.randint(2, 40)}
"""
    return "log", text, []


def generated_secrets_code(f: Fakes) -> Doc:
    text = """import secrets

def new_api_key() -> str:
    api_key = secrets.token_urlsafe(32)
    return api_key

token = generate_token(user_id, ttl=3600)
password = getpass.getpass("Password: ")
secret = hmac.new(key, msg, hashlib.sha256).hexdigest()
client_secret = load_secret(path="/run/secrets/client_secret")
"""
    return "python", text, []


def sealed_secret(f: Fakes) -> Doc:
    text = f"""apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: {f.word()}-db
  namespace: {f.word()}
spec:
  encryptedData:
    password: AgB{f.b64(300, pad=False)}
    username: AgC{f.b64(200, pad=False)}
"""
    return "yaml", text, []


def token_docs(f: Fakes) -> Doc:
    text = f"""## Token formats

GitHub personal access tokens start with `ghp_` followed by 36 characters; fine-grained ones
start with `github_pat_`. Stripe secret keys start with `sk_live_` (publishable keys with
`pk_live_` are safe to embed). AWS access key ids start with `AKIA`, session credentials with
`ASIA`. Rotate any token that appears in a log: revoke it at the provider first.

IAM policy needed to read secrets:

```json
{{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "arn:aws:secretsmanager:us-east-1:{f.chars("0123456789", 12)}:secret:{f.word()}-{f.chars(BASE62, 6)}"}}
```
"""
    return "markdown", text, []


POSITIVE = [
    notebook,
    gitlab_ci,
    ansible_inventory,
    kotlin_gradle,
    rust_swift,
    powershell,
    dockerfile,
    request_log_json,
    bash_history,
    heroku_config,
    tfvars,
    go_redis,
    email_onboarding,
    python_auth_tuple,
]
NEGATIVE = [
    openapi_spec,
    i18n_strings,
    masked_logs,
    generated_secrets_code,
    sealed_secret,
    token_docs,
]
_ = base64
