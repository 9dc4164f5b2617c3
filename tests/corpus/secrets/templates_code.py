# ruff: noqa: E501 -- templates are documents quoted verbatim, with the documents' line lengths
"""Source-code documents: Python, JavaScript/TypeScript, Go, Terraform, shell, Java, PHP, Ruby."""

from __future__ import annotations

from typing import Any

from builder import render
from fakes import Fakes, S

Doc = tuple[str, str, list[dict[str, Any]]]

PY_FILLER = [
    'def health() -> dict[str, str]:\n    return {"status": "ok"}\n',
    "logger = logging.getLogger(__name__)\n",
    "RETRY_BACKOFF = [0.5, 1, 2, 4]\nTIMEOUT_SECONDS = 30\n",
    "class Config:\n    debug: bool = False\n    workers: int = 4\n",
    "def chunked(items, size):\n    for i in range(0, len(items), size):\n        yield items[i : i + size]\n",
    "# TODO(ops): move to the secret manager before the audit\n",
    'FEATURE_FLAGS = {"new_checkout": True, "beta_search": False}\n',
    'CACHE_KEY_PREFIX = "orders:v2:"\nMAX_TOKENS = 4096\n',
    'def parse_ts(value: str) -> datetime:\n    return datetime.fromisoformat(value.replace("Z", "+00:00"))\n',
]
JS_FILLER = [
    "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n",
    "export const PAGE_SIZE = 50;\n",
    "function formatPrice(cents) {\n  return `$${(cents / 100).toFixed(2)}`;\n}\n",
    "const tokenizer = new Tokenizer({ maxTokens: 2048 });\n",
    '// keep in sync with the mobile app\nexport const API_VERSION = "2024-06-01";\n',
]
GO_FILLER = [
    "func must(err error) {\n\tif err != nil {\n\t\tpanic(err)\n\t}\n}\n",
    "const defaultTimeout = 30 * time.Second\n",
    'type Order struct {\n\tID    string `json:"id"`\n\tTotal int64  `json:"total"`\n}\n',
]


def _filler(f: Fakes, pool: list[str], n: int) -> str:
    return "\n".join(f.rng.sample(pool, min(n, len(pool))))


def python_settings(f: Fakes) -> Doc:
    q = f.rng.choice(['"', "'"])
    pw = f.password()
    secret_key = S(
        "secret",
        "django-insecure-"
        + f.mixed("abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)", 50).replace(q, "x"),
    )
    tpl = f"""import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = {q}«sk»{q}
DEBUG = False
ALLOWED_HOSTS = ["«host»", "localhost"]

DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "«db»",
        "USER": "«user»",
        "PASSWORD": {q}«pw»{q},
        "HOST": "«host»",
        "PORT": "5432",
    }}
}}
EMAIL_HOST_PASSWORD = os.environ["EMAIL_HOST_PASSWORD"]
SESSION_COOKIE_AGE = 1209600
«filler»"""
    text, spans = render(
        tpl,
        {
            "sk": secret_key,
            "pw": pw,
            "host": f.host(),
            "db": f.word(),
            "user": f.user(),
            "filler": _filler(f, PY_FILLER, 2),
        },
    )
    return "python", text, spans


def python_boto(f: Fakes) -> Doc:
    akid, sak = f.aws_access_key_id(), f.aws_secret_access_key()
    style = f.rng.random()
    if style < 0.5:
        tpl = """import boto3

# quick script for the nightly export, do not commit
session = boto3.Session(
    aws_access_key_id="«akid»",
    aws_secret_access_key="«sak»",
    region_name="eu-west-1",
)
s3 = session.client("s3")
for obj in s3.list_objects_v2(Bucket="«bucket»")["Contents"]:
    print(obj["Key"], obj["ETag"])
"""
    else:
        tpl = """import boto3
import os

ACCESS_KEY = '«akid»'
SECRET_KEY = '«sak»'
client = boto3.client('sqs', aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
queue_url = os.environ.get("QUEUE_URL")
resp = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
"""
    text, spans = render(
        tpl, {"akid": akid, "sak": sak, "bucket": f"{f.word()}-exports-{f.rng.randint(100, 999)}"}
    )
    return "python", text, spans


def python_requests(f: Fakes) -> Doc:
    token = f.rng.choice(
        [f.github_token, f.openai_key, f.anthropic_key, f.generic_api_key, f.huggingface_token]
    )()
    header = f.rng.choice(
        [
            'Authorization": f"Bearer {TOKEN}',
            'Authorization": "token " + TOKEN',
            'X-API-Key": TOKEN',
        ]
    )
    tpl = """import requests

TOKEN = "«token»"
BASE = "https://api.«domain».com/v1"


def list_items(page_token=None):
    params = {"page_size": 100}
    if page_token:
        params["page_token"] = page_token
    headers = {"«header»}
    r = requests.get(f"{BASE}/items", headers=headers, params=params, timeout=10)
    r.raise_for_status()
    return r.json()
«filler»"""
    text, spans = render(
        tpl,
        {"token": token, "header": header, "domain": f.word(), "filler": _filler(f, PY_FILLER, 2)},
    )
    return "python", text, spans


def python_dataclass(f: Fakes) -> Doc:
    pw, key = f.password(), f.generic_api_key()
    tpl = """from dataclasses import dataclass


@dataclass
class SmtpSettings:
    host: str = "smtp.«domain».com"
    port: int = 587
    username: str = "«user»"
    password: str = "«pw»"


@dataclass
class WebhookSettings:
    url: str = "https://hooks.«domain».com/in"
    signing_key: str = "«key»"
    retries: int = 3

def connect(settings: SmtpSettings, password: str | None = None):
    password = password or settings.password
    return smtplib.SMTP(settings.host, settings.port).login(settings.username, password)
"""
    text, spans = render(tpl, {"pw": pw, "key": key, "domain": f.word(), "user": f.user()})
    return "python", text, spans


def python_sqlalchemy(f: Fakes) -> Doc:
    pw = f.url_safe_password()
    scheme = f.rng.choice(["postgresql+psycopg", "mysql+pymysql", "postgresql"])
    tpl = """from sqlalchemy import create_engine, text

# read replica for the reporting job
engine = create_engine("«scheme»://«user»:«pw»@«host»:5432/«db»", pool_pre_ping=True)
local = create_engine("postgresql://postgres:postgres@localhost:5432/test")
with engine.connect() as conn:
    rows = conn.execute(text("select id, sha from deploys where sha = :sha"), {"sha": "«sha»"})
"""
    text, spans = render(
        tpl,
        {
            "scheme": scheme,
            "user": f.user(),
            "pw": pw,
            "host": f.host(),
            "db": f.word(),
            "sha": f.sha(),
        },
    )
    return "python", text, spans


def js_config(f: Fakes) -> Doc:
    stripe, sendgrid = f.stripe_key(), f.sendgrid_key()
    tpl = """// config/production.js
module.exports = {
  port: process.env.PORT || 8080,
  stripe: {
    secretKey: '«stripe»',
    publishableKey: '«pk»',
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET,
  },
  mail: {
    provider: 'sendgrid',
    apiKey: "«sendgrid»",
    from: 'no-reply@«domain».com',
  },
  session: { cookieName: 'sid', maxAge: 86400 },
};
«filler»"""
    text, spans = render(
        tpl,
        {
            "stripe": stripe,
            "pk": f.stripe_publishable(),
            "sendgrid": sendgrid,
            "domain": f.word(),
            "filler": _filler(f, JS_FILLER, 2),
        },
    )
    return "javascript", text, spans


def js_fetch(f: Fakes) -> Doc:
    token = f.rng.choice([f.jwt, f.slack_bot_token, f.generic_api_key, f.gitlab_token])()
    tpl = """import fetch from "node-fetch";

const headers = {
  "Content-Type": "application/json",
  Authorization: "Bearer «token»",
  "X-Request-Id": "«uuid»",
};

export async function postEvent(event) {
  const res = await fetch("https://events.«domain».io/v2/ingest", {
    method: "POST",
    headers,
    body: JSON.stringify(event),
  });
  if (!res.ok) throw new Error(`ingest failed: ${res.status}`);
}
«filler»"""
    text, spans = render(
        tpl,
        {"token": token, "uuid": f.uuid(), "domain": f.word(), "filler": _filler(f, JS_FILLER, 2)},
    )
    return "javascript", text, spans


def ts_firebase(f: Fakes) -> Doc:
    key = f.google_api_key()
    tpl = """import { initializeApp } from "firebase/app";

const firebaseConfig = {
  apiKey: "«key»",
  authDomain: "«proj».firebaseapp.com",
  projectId: "«proj»",
  storageBucket: "«proj».appspot.com",
  messagingSenderId: "«sender»",
  appId: "1:«sender»:web:«appid»",
};

export const app = initializeApp(firebaseConfig);
"""
    text, spans = render(
        tpl,
        {
            "key": key,
            "proj": f"{f.word()}-{f.rng.randint(1000, 9999)}",
            "sender": f.chars("0123456789", 12),
            "appid": f.sha(22),
        },
    )
    return "typescript", text, spans


def go_client(f: Fakes) -> Doc:
    tok, pw = (
        f.rng.choice([f.github_pat, f.github_token, f.digitalocean_token, f.vault_token])(),
        f.password(),
    )
    tpl = """package main

import (
	"database/sql"
	"net/http"
	"os"
)

const apiToken = "«tok»"

var dbPassword string = "«pw»"

func newClient() *http.Client {
	return &http.Client{Timeout: defaultTimeout}
}

func openDB() (*sql.DB, error) {
	user := os.Getenv("DB_USER")
	password := os.Getenv("DB_PASSWORD")
	_ = password
	return sql.Open("postgres", "host=«host» user="+user+" password="+dbPassword+" sslmode=require")
}

«filler»"""
    text, spans = render(
        tpl, {"tok": tok, "pw": pw, "host": f.host(), "filler": _filler(f, GO_FILLER, 2)}
    )
    return "go", text, spans


def go_struct(f: Fakes) -> Doc:
    sid, token = f.twilio_account_sid(), f.twilio_auth_token()
    tpl = """package notify

var twilioConfig = Config{
	AccountSID: "«sid»",
	AuthToken:  "«token»",
	From:       "+1555«num»",
}

func (c Config) Validate() error {
	if c.AuthToken == "" {
		return errors.New("notify: missing auth token")
	}
	return nil
}
"""
    text, spans = render(tpl, {"sid": sid, "token": token, "num": f.chars("0123456789", 7)})
    return "go", text, spans


def terraform_provider(f: Fakes) -> Doc:
    akid, sak, pw = f.aws_access_key_id(), f.aws_secret_access_key(), f.password()
    tpl = """provider "aws" {
  region     = "us-east-1"
  access_key = "«akid»"
  secret_key = "«sak»"
}

resource "aws_db_instance" "orders" {
  identifier        = "orders-«env»"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  username          = "«user»"
  password          = "«pw»"
  allocated_storage = 50
  tags = {
    Owner = "platform"
    CostCenter = "«cc»"
  }
}

resource "random_password" "api" {
  length  = 32
  special = false
}
"""
    text, spans = render(
        tpl,
        {
            "akid": akid,
            "sak": sak,
            "pw": pw,
            "env": f.rng.choice(["prod", "staging"]),
            "user": f.user(),
            "cc": f.chars("0123456789", 6),
        },
    )
    return "terraform", text, spans


def terraform_variables(f: Fakes) -> Doc:
    tok = f.rng.choice([f.generic_api_key, f.datadog_api_key, f.shopify_token])()
    tpl = """variable "datadog_api_key" {
  type      = string
  sensitive = true
  default   = "«tok»"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "kubernetes_secret" "app" {
  metadata { name = "app-secrets" }
  data = {
    db_password = var.db_password
  }
}
"""
    text, spans = render(tpl, {"tok": tok})
    return "terraform", text, spans


def shell_deploy(f: Fakes) -> Doc:
    tok, pw, npm = (
        f.rng.choice([f.gitlab_token, f.github_token, f.generic_api_key])(),
        f.password(),
        f.npm_token(),
    )
    pwq = pw.value.replace("'", "")
    pw = S(pw.type, pwq)
    tpl = """#!/usr/bin/env bash
set -euo pipefail

export DEPLOY_TOKEN=«tok»
export PGPASSWORD='«pw»'
echo "//registry.npmjs.org/:_authToken=«npm»" > ~/.npmrc

curl -fsS -H "PRIVATE-TOKEN: ${DEPLOY_TOKEN}" "https://gitlab.«domain».com/api/v4/projects/«pid»/pipelines"
psql -h «host» -U «user» -c "select count(*) from jobs where status = 'queued'"
sha256sum dist/app.tar.gz  # «sha»
"""
    text, spans = render(
        tpl,
        {
            "tok": tok,
            "pw": pw,
            "npm": npm,
            "domain": f.word(),
            "pid": str(f.rng.randint(10, 999)),
            "host": f.host(),
            "user": f.user(),
            "sha": f.sha(64),
        },
    )
    return "shell", text, spans


def shell_curl(f: Fakes) -> Doc:
    user, pw = f.user(), f.password()
    pw = S(pw.type, pw.value.replace("'", "").replace('"', ""))
    key = f.rng.choice([f.sendgrid_key, f.stripe_key, f.openai_key, f.generic_api_key])()
    tpl = """# reproduce the 401 from the ticket
curl -u «user»:«pw» https://jenkins.«domain».internal/job/release/api/json
curl https://api.«domain».com/v3/mail/send \\
  -H "Authorization: Bearer «key»" \\
  -H "Content-Type: application/json" \\
  -d '{"personalizations":[{"to":[{"email":"ops@«domain».com"}]}]}'
"""
    text, spans = render(tpl, {"user": user, "pw": pw, "key": key, "domain": f.word()})
    return "shell", text, spans


def java_properties_code(f: Fakes) -> Doc:
    pw = f.password()
    tpl = """package com.«org».billing;

public final class DbConfig {
    private static final String URL = "jdbc:postgresql://«host»:5432/billing";
    private static final String USER = "«user»";
    private static final String PASSWORD = "«pw»";
    private static final int POOL_SIZE = 20;

    public static DataSource dataSource() {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(URL);
        cfg.setUsername(USER);
        cfg.setPassword(PASSWORD);
        return new HikariDataSource(cfg);
    }
}
"""
    text, spans = render(tpl, {"org": f.word(), "host": f.host(), "user": f.user(), "pw": pw})
    return "java", text, spans


def php_config(f: Fakes) -> Doc:
    pw, key = f.password(), f.generic_api_key()
    pw = S(pw.type, pw.value.replace("'", ""))
    tpl = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', '«user»');
define('DB_PASSWORD', '«pw»');
define('DB_HOST', '«host»');
define('AUTH_KEY', '«key»');
define('WP_DEBUG', false);
$table_prefix = 'wp_';
"""
    text, spans = render(tpl, {"user": f.user(), "pw": pw, "host": f.host(), "key": key})
    return "php", text, spans


def ruby_initializer(f: Fakes) -> Doc:
    key = f.rng.choice([f.stripe_key, f.sendgrid_key, f.generic_api_key])()
    pw = f.password()
    tpl = """# config/initializers/payments.rb
Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY", "«key»")
Rails.application.configure do
  config.action_mailer.smtp_settings = {
    address: "smtp.«domain».com",
    user_name: "«user»",
    password: "«pw»",
    authentication: :plain,
  }
end
"""
    text, spans = render(tpl, {"key": key, "domain": f.word(), "user": f.user(), "pw": pw})
    return "ruby", text, spans


def csharp_appsettings_code(f: Fakes) -> Doc:
    acct = f"{f.word()}{f.rng.randint(10, 99)}store"
    key = f.azure_storage_key()
    secret = f.rng.choice([f.azure_client_secret, f.azure_client_secret_legacy])()
    tpl = """var blob = new BlobServiceClient(
    "DefaultEndpointsProtocol=https;AccountName=«acct»;AccountKey=«key»;EndpointSuffix=core.windows.net");
var credential = new ClientSecretCredential(
    tenantId: "«tenant»",
    clientId: "«client»",
    clientSecret: "«secret»");
"""
    text, spans = render(
        tpl, {"acct": acct, "key": key, "secret": secret, "tenant": f.uuid(), "client": f.uuid()}
    )
    return "csharp", text, spans


TEMPLATES = [
    python_settings,
    python_boto,
    python_requests,
    python_dataclass,
    python_sqlalchemy,
    js_config,
    js_fetch,
    ts_firebase,
    go_client,
    go_struct,
    terraform_provider,
    terraform_variables,
    shell_deploy,
    shell_curl,
    java_properties_code,
    php_config,
    ruby_initializer,
    csharp_appsettings_code,
]
