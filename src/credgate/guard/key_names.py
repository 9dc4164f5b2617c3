"""What a key name says about its value: ``DB_PASSWORD`` holds a password, ``apiKey`` a key,
``password_min_length`` and ``next_page_token`` hold nothing secret."""

from __future__ import annotations

import functools
import re
from typing import Literal

__all__ = ["KeyKind", "classify_key", "split_key"]

KeyKind = Literal["password", "token", "api_key", "secret"]

_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# The last segment names something *about* the secret, not the secret itself.
_NOT_A_VALUE_SUFFIX = frozenset(
    [
        "name",
        "names",
        "id",
        "ids",
        "file",
        "files",
        "filename",
        "path",
        "paths",
        "dir",
        "url",
        "uri",
        "urls",
        "endpoint",
        "host",
        "hosts",
        "type",
        "types",
        "kind",
        "length",
        "len",
        "size",
        "count",
        "max",
        "min",
        "limit",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "exp",
        "lifetime",
        "timeout",
        "header",
        "headers",
        "prefix",
        "suffix",
        "format",
        "field",
        "fields",
        "env",
        "var",
        "vars",
        "label",
        "hint",
        "placeholder",
        "regex",
        "pattern",
        "policy",
        "required",
        "enabled",
        "enable",
        "disabled",
        "version",
        "algorithm",
        "alg",
        "hash",
        "hashed",
        "digest",
        "ref",
        "arn",
        "location",
        "mode",
        "provider",
        "store",
        "source",
        "schema",
        "template",
        "usage",
        "scope",
        "scopes",
        "method",
        "issuer",
        "audience",
        "rotation",
        "reset",
        "changed",
        "updated",
        "created",
        "at",
        "date",
        "time",
        "index",
        "column",
        "param",
        "description",
        "desc",
        "help",
        "text",
        "message",
        "msg",
        "error",
        "errors",
        "title",
        "prompt",
        "rules",
        "strength",
        "validator",
        "validation",
        "visible",
        "toggle",
        "input",
        "form",
        "button",
        "icon",
        "class",
        "style",
        "generator",
        "manager",
        "handler",
        "factory",
        "cache",
        "storage",
        "type",
        "policy",
        "secretref",
        "selector",
        "mount",
        "engine",
        "backend",
        "command",
        "cmd",
        "flag",
        "flags",
        "option",
        "options",
        "setting",
        "settings",
        "sid",
    ]
)
# Any of these segments means the value is not a credential (pagination, counters, CSRF...).
_NOT_A_VALUE_SEGMENT = frozenset(
    [
        "page",
        "pagination",
        "next",
        "continuation",
        "cursor",
        "csrf",
        "xsrf",
        "tokenizer",
        "tokens",
        "max",
        "num",
        "nonce",
        "idempotency",
        "sort",
        "secretsmanager",
        "secretmanager",
        "keyvault",
        "keystore",
        "keychain",
        "keyring",
        "foreign",
        "partition",
        "row",
        "public",
        "publishable",
        "pub",
        "fingerprint",
        "checksum",
        "existing",
    ]
)
# ``<qualifier>_key`` is a credential (api_key, secret_key, signing_key...).
_KEY_QUALIFIERS = frozenset(
    [
        "api",
        "access",
        "secret",
        "private",
        "auth",
        "signing",
        "sign",
        "encryption",
        "encrypt",
        "master",
        "client",
        "app",
        "application",
        "account",
        "storage",
        "service",
        "subscription",
        "admin",
        "deploy",
        "webhook",
        "bot",
        "consumer",
        "shared",
        "session",
        "hmac",
        "jwt",
        "crypto",
        "cipher",
        "aes",
        "license",
        "server",
        "x",
        "root",
        "ingest",
        "write",
    ]
)
_JOINED_KEYS = frozenset(
    [
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "authkey",
        "masterkey",
        "signingkey",
        "encryptionkey",
        "licensekey",
        "clientkey",
        "subscriptionkey",
        "appkey",
        "serverkey",
        "adminkey",
        "sharedkey",
        "hmackey",
    ]
)
_PASS_NOT_PASSWORD = ("bypass", "compass", "overpass", "underpass", "passenger", "passport")


def split_key(key: str) -> list[str]:
    """Lower-case segments of a key name: ``x-apiKey`` -> ``['x', 'api', 'key']``."""
    segments: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", key):
        segments.extend(p.lower() for p in _PARTS.findall(part))
    return segments


@functools.lru_cache(maxsize=4096)
def classify_key(key: str) -> KeyKind | None:
    """What kind of credential a value under ``key`` is, or None when it is not one."""
    segments = split_key(key)
    if not segments:
        return None
    if segments[-1] in _NOT_A_VALUE_SUFFIX or (segments[-1].isdigit() and len(segments) == 1):
        return None
    if any(s in _NOT_A_VALUE_SEGMENT for s in segments):
        return None
    joined = "".join(segments)
    if any(w in joined for w in ("password", "passwd", "passphrase")):
        return "password"
    for s in segments:
        if s in ("pass", "pwd", "pw", "passw") or (
            s.endswith("pass") and not s.endswith(_PASS_NOT_PASSWORD) and len(s) > 4
        ):
            return "password"
    if "secret" in joined:
        return "secret"
    if any(s == "token" or s.endswith("token") for s in segments):
        return "token"
    for i, s in enumerate(segments):
        if s in _JOINED_KEYS or (s == "key" and i > 0 and segments[i - 1] in _KEY_QUALIFIERS):
            return "api_key"
    if segments[-1] == "key" and len(segments) >= 2 and re.fullmatch(r"[A-Z0-9_]+", key.strip("-")):
        return "api_key"  # an environment variable such as STRIPE_KEY or PROVIDER_KEY
    if any(
        s in ("credential", "credentials", "creds", "auth", "bearer", "authorization")
        for s in segments
    ):
        return "secret"
    return None
