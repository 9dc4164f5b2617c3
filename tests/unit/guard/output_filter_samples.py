"""Fake credentials for the output filter tests: random-looking, deterministic, never real.

``fake(alphabet, n, salt)`` draws ``n`` characters from ``alphabet`` with a seed derived from
``salt``, so every test gets the same value on every run without a literal token in the code.
"""

from __future__ import annotations

import base64
import json
import random
import string

B62 = string.digits + string.ascii_letters
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + "234567"


def fake(alphabet: str, n: int, salt: str = "") -> str:
    """``n`` random characters of ``alphabet`` (with a digit, a lower and an upper letter
    when the alphabet has them, so values look like real key material)."""
    rng = random.Random(f"{alphabet}:{n}:{salt}")
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        needed = [set(c) for c in (string.digits, string.ascii_lowercase, string.ascii_uppercase)]
        if all(set(value) & c for c in needed if c & set(alphabet)):
            return value


def jwt(salt: str = "") -> str:
    def enc(obj: object) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    header = enc({"alg": "HS256", "typ": "JWT"})
    payload = enc({"sub": "agent-7", "aud": "orders", "exp": 1893456000})
    return f"{header}.{payload}.{fake(B64URL, 43, salt)}"


def pem(label: str = "RSA PRIVATE KEY", salt: str = "", escaped: bool = False) -> str:
    body = base64.b64encode(random.Random(salt).randbytes(600)).decode()
    nl = "\\n" if escaped else "\n"
    lines = nl.join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----{nl}{lines}{nl}-----END {label}-----"


#: One sample per provider format: (finding type, value).
PROVIDER_SAMPLES: list[tuple[str, str]] = [
    ("aws_access_key_id", "AKIA" + fake(UPPER_DIGITS, 16, "aws")),
    ("aws_access_key_id", "ASIA" + fake(UPPER_DIGITS, 16, "aws2")),
    ("github_token", "ghp_" + fake(B62, 36, "gh")),
    ("github_token", "gho_" + fake(B62, 36, "gho")),
    ("github_token", "ghs_" + fake(B62, 36, "ghs")),
    ("github_token", "github_pat_" + fake(B62, 22, "pat1") + "_" + fake(B62, 59, "pat2")),
    ("gitlab_token", "glpat-" + fake(B62 + "_-", 20, "gl")),
    ("gitlab_token", "glptt-" + fake(HEX, 40, "glptt")),
    (
        "slack_token",
        f"xoxb-{fake(string.digits, 12, 's1')}-{fake(string.digits, 13, 's2')}-"
        + fake(B62, 24, "s3"),
    ),
    (
        "slack_webhook",
        "https://hooks.slack.com/services/T"
        + fake(string.ascii_uppercase + string.digits, 8, "t")
        + "/B"
        + fake(string.ascii_uppercase + string.digits, 10, "b")
        + "/"
        + fake(B62, 24, "w"),
    ),
    ("stripe_key", "sk_live_" + fake(B62, 24, "stripe")),
    ("stripe_key", "rk_live_" + fake(B62, 99, "rk")),
    ("stripe_key", "whsec_" + fake(B62, 32, "whsec")),
    (
        "openai_api_key",
        "sk-proj-" + fake(B62 + "_-", 74, "oa1") + "T3BlbkFJ" + fake(B62 + "_-", 74, "oa2"),
    ),
    ("openai_api_key", "sk-" + fake(B62, 20, "ol1") + "T3BlbkFJ" + fake(B62, 20, "ol2")),
    ("anthropic_api_key", "sk-ant-api03-" + fake(B64URL, 93, "ant") + "AA"),
    ("google_api_key", "AIza" + fake(B62 + "_-", 35, "google")),
    ("google_oauth_client_secret", "GOCSPX-" + fake(B62 + "_-", 28, "gocspx")),
    ("azure_client_secret", fake(B62, 3, "az1") + "8Q~" + fake(B62 + "_~.-", 34, "az2")),
    ("twilio_api_key", "SK" + fake(HEX, 32, "twk")),
    ("twilio_account_sid", "AC" + fake(HEX, 32, "twa")),
    ("sendgrid_api_key", "SG." + fake(B64URL, 22, "sg1") + "." + fake(B64URL, 43, "sg2")),
    ("npm_token", "npm_" + fake(B62, 36, "npm")),
    ("pypi_token", "pypi-AgEIcHlwaS5vcmc" + fake(B64URL, 150, "pypi")),
    ("vault_token", "hvs." + fake(B62 + "_-", 90, "vault")),
    ("huggingface_token", "hf_" + fake(string.ascii_letters, 34, "hf")),
    ("digitalocean_token", "dop_v1_" + fake(HEX, 64, "do")),
    ("shopify_token", "shpat_" + fake(HEX, 32, "shop")),
    ("telegram_bot_token", "5123456789:AA" + fake(B64URL, 33, "tg")),
    (
        "discord_webhook",
        "https://discord.com/api/webhooks/"
        + fake(string.digits, 19, "dw")
        + "/"
        + fake(B64URL, 68, "dw2"),
    ),
    ("databricks_token", "dapi" + fake(HEX, 32, "dapi")),
    ("postman_api_key", "PMAK-" + fake(HEX, 24, "pm1") + "-" + fake(HEX, 34, "pm2")),
    (
        "age_secret_key",
        "AGE-SECRET-KEY-1" + fake(string.ascii_uppercase + string.digits, 58, "age"),
    ),
    ("jwt", jwt("provider")),
]
