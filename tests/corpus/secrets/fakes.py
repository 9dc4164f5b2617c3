# ruff: noqa: E501 -- provider formats read best as one expression per line
"""Fake credentials for the labelled corpus: syntactically valid, random, never real.

Every value is drawn from a seeded :class:`random.Random`, so a corpus file is reproducible
byte for byte. The shapes follow the providers' published formats (prefix, alphabet, length);
nothing here was ever issued by a provider, and checksummed formats (GitHub) are not given a
valid checksum.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
BASE62 = DIGITS + UPPER + LOWER
BASE64 = UPPER + LOWER + DIGITS + "+/"
BASE64URL = UPPER + LOWER + DIGITS + "-_"
HEX = "0123456789abcdef"
BASE32 = UPPER + "234567"

WORDS = [
    "amber",
    "anchor",
    "apple",
    "arrow",
    "autumn",
    "badger",
    "banjo",
    "basil",
    "beacon",
    "birch",
    "bison",
    "blossom",
    "bramble",
    "breeze",
    "cactus",
    "canyon",
    "carbon",
    "cedar",
    "cherry",
    "cobalt",
    "comet",
    "copper",
    "coral",
    "cosmic",
    "crane",
    "crimson",
    "dahlia",
    "delta",
    "denim",
    "ember",
    "falcon",
    "fennel",
    "fjord",
    "forest",
    "garnet",
    "glacier",
    "granite",
    "harbor",
    "hazel",
    "heron",
    "indigo",
    "island",
    "jasper",
    "juniper",
    "kestrel",
    "lantern",
    "lemon",
    "lilac",
    "lotus",
    "maple",
    "marble",
    "meadow",
    "mercury",
    "meteor",
    "mango",
    "nectar",
    "nickel",
    "oasis",
    "olive",
    "onyx",
    "orchid",
    "osprey",
    "otter",
    "pebble",
    "pepper",
    "pine",
    "planet",
    "plum",
    "prairie",
    "quartz",
    "raven",
    "reef",
    "river",
    "saffron",
    "sage",
    "salmon",
    "sierra",
    "silver",
    "spruce",
    "summit",
    "tango",
    "thistle",
    "thunder",
    "tiger",
    "topaz",
    "tulip",
    "tundra",
    "velvet",
    "violet",
    "walnut",
    "willow",
    "zephyr",
]


@dataclass(frozen=True)
class S:
    """A labelled secret to place in a template: its type and its value."""

    type: str
    value: str


class Fakes:
    """Random credentials in provider formats."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def mixed(self, alphabet: str, n: int) -> str:
        """Random text that contains at least one digit, upper and lower letter when possible."""
        while True:
            value = self.chars(alphabet, n)
            classes = [
                set(value) & set(c) for c in (DIGITS, UPPER, LOWER) if set(c) & set(alphabet)
            ]
            if all(classes):
                return value

    def b64(self, nbytes: int, *, url: bool = False, pad: bool = True) -> str:
        raw = self.rng.randbytes(nbytes)
        out = base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)
        text = out.decode()
        return text if pad else text.rstrip("=")

    # --- providers -------------------------------------------------------------------------

    def aws_access_key_id(self) -> S:
        prefix = self.rng.choice(["AKIA", "AKIA", "AKIA", "ASIA"])
        return S("aws_access_key_id", prefix + self.chars(BASE32, 16))

    def aws_secret_access_key(self) -> S:
        return S("aws_secret_access_key", self.mixed(BASE64, 40))

    def aws_session_token(self) -> S:
        return S("aws_session_token", "IQoJb3JpZ2luX2Vj" + self.b64(300, pad=False))

    def github_token(self) -> S:
        kind = self.rng.choice(["ghp", "ghp", "gho", "ghu", "ghs", "ghr"])
        return S("github_token", f"{kind}_" + self.mixed(BASE62, 36))

    def github_pat(self) -> S:
        return S(
            "github_token", "github_pat_" + self.mixed(BASE62, 22) + "_" + self.mixed(BASE62, 59)
        )

    def gitlab_token(self) -> S:
        prefix = self.rng.choice(["glpat-", "glpat-", "glpat-", "gldt-", "glrt-", "glptt-"])
        if prefix == "glptt-":
            return S("gitlab_token", prefix + self.chars(HEX, 40))
        return S("gitlab_token", prefix + self.mixed(BASE62 + "_-", 20))

    def slack_bot_token(self) -> S:
        return S(
            "slack_token",
            f"xoxb-{self.chars(DIGITS, 12)}-{self.chars(DIGITS, 13)}-{self.mixed(BASE62, 24)}",
        )

    def slack_user_token(self) -> S:
        return S(
            "slack_token",
            f"xoxp-{self.chars(DIGITS, 12)}-{self.chars(DIGITS, 12)}-{self.chars(DIGITS, 13)}-"
            + self.chars(HEX, 32),
        )

    def slack_webhook(self) -> S:
        return S(
            "slack_webhook",
            f"https://hooks.slack.com/services/T{self.chars(UPPER + DIGITS, 8)}/"
            f"B{self.chars(UPPER + DIGITS, 10)}/{self.mixed(BASE62, 24)}",
        )

    def stripe_key(self) -> S:
        prefix = self.rng.choice(["sk_live_", "sk_live_", "rk_live_", "sk_test_"])
        n = self.rng.choice([24, 99])
        body = ("51" + self.mixed(BASE62, n - 2)) if n == 99 else self.mixed(BASE62, n)
        return S("stripe_key", prefix + body)

    def stripe_webhook_secret(self) -> S:
        return S("stripe_key", "whsec_" + self.mixed(BASE62, 32))

    def stripe_publishable(self) -> str:
        return "pk_live_" + self.mixed(BASE62, 24)

    def openai_key(self) -> S:
        shape = self.rng.random()
        if shape < 0.5:
            body = self.mixed(BASE62 + "_-", 74) + "T3BlbkFJ" + self.mixed(BASE62 + "_-", 74)
            return S("openai_api_key", "sk-proj-" + body)
        if shape < 0.75:
            return S(
                "openai_api_key",
                "sk-" + self.mixed(BASE62, 20) + "T3BlbkFJ" + self.mixed(BASE62, 20),
            )
        return S(
            "openai_api_key",
            "sk-svcacct-" + self.mixed(BASE62 + "_-", 74) + "T3BlbkFJ" + self.mixed(BASE62, 74),
        )

    def anthropic_key(self) -> S:
        kind = self.rng.choice(["api03", "api03", "admin01"])
        return S("anthropic_api_key", f"sk-ant-{kind}-" + self.mixed(BASE64URL, 93) + "AA")

    def google_api_key(self) -> S:
        return S("google_api_key", "AIza" + self.mixed(BASE62 + "_-", 35))

    def google_oauth_secret(self) -> S:
        return S("google_oauth_client_secret", "GOCSPX-" + self.mixed(BASE62 + "_-", 28))

    def google_client_id(self) -> str:
        return (
            f"{self.chars(DIGITS, 12)}-{self.chars(LOWER + DIGITS, 32)}.apps.googleusercontent.com"
        )

    def azure_storage_key(self) -> S:
        return S("azure_storage_key", self.b64(64))

    def azure_sas_signature(self) -> S:
        return S(
            "azure_sas_token",
            self.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
        )

    def azure_service_bus_key(self) -> S:
        return S("azure_storage_key", self.b64(32))

    def azure_client_secret(self) -> S:
        alphabet = BASE62 + "_~.-"
        return S(
            "azure_client_secret",
            self.chars(alphabet, 3) + self.chars(DIGITS, 1) + "Q~" + self.mixed(alphabet, 34),
        )

    def azure_client_secret_legacy(self) -> S:
        return S("azure_client_secret", self.mixed(BASE62 + "-_.~", 34))

    def twilio_account_sid(self) -> S:
        return S("twilio_account_sid", "AC" + self.chars(HEX, 32))

    def twilio_api_key(self) -> S:
        return S("twilio_api_key", "SK" + self.chars(HEX, 32))

    def twilio_auth_token(self) -> S:
        return S("twilio_auth_token", self.chars(HEX, 32))

    def sendgrid_key(self) -> S:
        return S(
            "sendgrid_api_key", "SG." + self.mixed(BASE64URL, 22) + "." + self.mixed(BASE64URL, 43)
        )

    def npm_token(self) -> S:
        return S("npm_token", "npm_" + self.mixed(BASE62, 36))

    def pypi_token(self) -> S:
        return S("pypi_token", "pypi-AgEIcHlwaS5vcmc" + self.b64(120, url=True, pad=False))

    def vault_token(self) -> S:
        return S("vault_token", "hvs." + self.mixed(BASE62 + "_-", 90))

    def huggingface_token(self) -> S:
        return S("huggingface_token", "hf_" + self.mixed(UPPER + LOWER, 34))

    def digitalocean_token(self) -> S:
        return S("digitalocean_token", "dop_v1_" + self.chars(HEX, 64))

    def shopify_token(self) -> S:
        return S("shopify_token", "shpat_" + self.chars(HEX, 32))

    def datadog_api_key(self) -> S:
        return S("api_key", self.chars(HEX, 32))

    def telegram_bot_token(self) -> S:
        return S(
            "telegram_bot_token",
            f"{self.rng.randint(10**8, 10**10 - 1)}:AA" + self.mixed(BASE64URL, 33),
        )

    def discord_webhook(self) -> S:
        return S(
            "discord_webhook",
            f"https://discord.com/api/webhooks/{self.chars(DIGITS, 19)}/{self.mixed(BASE64URL, 68)}",
        )

    def generic_api_key(self) -> S:
        shape = self.rng.random()
        if shape < 0.4:
            return S("api_key", self.mixed(BASE62, self.rng.choice([24, 32, 40, 48])))
        if shape < 0.7:
            return S("api_key", self.chars(HEX, self.rng.choice([32, 40, 64])))
        if shape < 0.9:
            return S("api_key", self.b64(self.rng.choice([24, 32]), url=self.rng.random() < 0.5))
        return S("api_key", self.uuid())

    def jwt(self) -> S:
        alg = self.rng.choice(["HS256", "RS256", "ES256"])
        header = {"alg": alg, "typ": "JWT"}
        if self.rng.random() < 0.5:
            header["kid"] = self.chars(BASE62, 16)
        now = self.rng.randint(1_700_000_000, 1_800_000_000)
        payload = {
            "sub": self.uuid() if self.rng.random() < 0.5 else f"user-{self.rng.randint(1, 99999)}",
            "iss": self.rng.choice(
                ["https://auth.acme-corp.io", "https://login.internal.example.net/", "api-gateway"]
            ),
            "aud": self.rng.choice(["orders-api", "billing", "web"]),
            "iat": now,
            "exp": now + self.rng.choice([300, 900, 3600, 86400]),
        }
        if self.rng.random() < 0.5:
            payload["scope"] = " ".join(
                self.rng.sample(
                    ["read", "write", "admin", "orders:read", "users:write", "openid", "profile"], 3
                )
            )
        sig_bytes = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]

        def enc(obj: object) -> str:
            return (
                base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode())
                .decode()
                .rstrip("=")
            )

        return S("jwt", f"{enc(header)}.{enc(payload)}.{self.b64(sig_bytes, url=True, pad=False)}")

    def private_key(self, *, escaped: bool = False, indent: str = "") -> S:
        kind = self.rng.choice(
            ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]
        )
        size = {
            "RSA PRIVATE KEY": 1190,
            "PRIVATE KEY": 1216,
            "EC PRIVATE KEY": 121,
            "OPENSSH PRIVATE KEY": 400,
        }[kind]
        prefix = {
            "RSA PRIVATE KEY": "MIIEpAIBAAKCAQEA",
            "PRIVATE KEY": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
            "EC PRIVATE KEY": "MHcCAQEEI",
            "OPENSSH PRIVATE KEY": "b3BlbnNzaC1rZXktdjEAAAAA",
        }[kind]
        body = prefix + self.b64(size)
        width = 70 if kind == "OPENSSH PRIVATE KEY" else 64
        lines = [body[i : i + width] for i in range(0, len(body), width)]
        nl = "\\n" if escaped else "\n" + indent
        block = f"-----BEGIN {kind}-----{nl}" + nl.join(lines) + f"{nl}-----END {kind}-----"
        return S("private_key", block)

    def certificate(self, indent: str = "") -> str:
        body = "MIIDdzCCAl+gAwIBAgIE" + self.b64(700)
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        nl = "\n" + indent
        return (
            "-----BEGIN CERTIFICATE-----" + nl + nl.join(lines) + nl + "-----END CERTIFICATE-----"
        )

    def ssh_public_key(self) -> str:
        return (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
            + self.b64(32, pad=False)
            + f" {self.word()}@{self.word()}-laptop"
        )

    # --- passwords and plain values ------------------------------------------------------------

    def password(self) -> S:
        shape = self.rng.random()
        if shape < 0.45:
            return S("password", self.mixed(BASE62 + "!#%*+-_.@^", self.rng.randint(14, 28)))
        if shape < 0.8:
            word = self.word().capitalize()
            return S("password", f"{word}{self.rng.randint(10, 9999)}{self.rng.choice('!#$%&*?@')}")
        words = self.rng.sample(WORDS, 4)
        return S("password", "-".join(words) + str(self.rng.randint(1, 99)))

    def url_safe_password(self) -> S:
        return S("password", self.mixed(BASE62 + "-_.~", self.rng.randint(14, 28)))

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def uuid(self) -> str:
        h = self.chars(HEX, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.rng.choice('89ab')}{h[17:20]}-{h[20:]}"

    def sha(self, n: int = 40) -> str:
        return self.chars(HEX, n)

    def host(self) -> str:
        return self.rng.choice(
            [
                f"{self.word()}-db.internal",
                f"{self.word()}.{self.word()}.svc.cluster.local",
                f"db-{self.rng.randint(1, 9)}.{self.word()}.example.net",
                f"{self.word()}-prod.c{self.chars(LOWER + DIGITS, 12)}.eu-west-1.rds.amazonaws.com",
                f"10.0.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
            ]
        )

    def user(self) -> str:
        return self.rng.choice(
            [
                "app",
                "svc_" + self.word(),
                self.word() + "_rw",
                "deploy",
                "etl",
                "reporting",
                "admin_" + self.word(),
            ]
        )

    def ip(self) -> str:
        return ".".join(str(self.rng.randint(1, 254)) for _ in range(4))
