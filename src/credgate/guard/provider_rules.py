"""Provider credential formats: prefixes, alphabets and lengths published by each provider.

Each entry is a :class:`~credgate.guard.rule.Rule`: the anchor is what Hyperscan looks for,
the pattern delimits the credential with boundaries, and ``accept`` drops documented examples
and placeholders (``ghp_xxxx...``). Formats that cannot be told apart from random text alone
(an AWS secret key, a Twilio auth token) are found only next to something that names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from credgate.domain.tokens import TOKEN_LENGTH, TOKEN_PATTERN, find_tokens
from credgate.guard.findings import Finding
from credgate.guard.rule import Rule, rule
from credgate.guard.value_checks import (
    character_classes,
    is_documented_example,
    is_placeholder,
    is_reference,
    looks_random,
)

__all__ = ["CREDGATE_TOKEN_RULE", "PROVIDER_RULES"]


def _secret(match: re.Match[str]) -> str:
    return match.group("secret")


def _real(match: re.Match[str]) -> bool:
    """Not a documented example, not a placeholder such as ``ghp_xxxxxxxx...``."""
    value = _secret(match)
    return not is_documented_example(value) and not is_placeholder(value)


def _random_key(match: re.Match[str]) -> bool:
    value = _secret(match)
    return _real(match) and looks_random(value, min_length=16)


def _aws_secret(match: re.Match[str]) -> bool:
    value = _secret(match)
    return _real(match) and character_classes(value) >= 3 and looks_random(value)


def _not_reference(match: re.Match[str]) -> bool:
    value = _secret(match)
    return _real(match) and not is_reference(value, quoted=True)


def _slack(match: re.Match[str]) -> bool:
    return _real(match) and sum(c.isdigit() for c in _secret(match)) >= 6


# Left and right boundaries: a token glued to other token characters is a different string.
_L = r"(?<![A-Za-z0-9_\-])"
_R = r"(?![A-Za-z0-9_\-])"
_AWS_ID = r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}"
_B64_40 = r"[A-Za-z0-9/+]{40}"
_ASSIGN = r"""["'\]]?\s*(?::=|=>|[:=,])\s*["']?"""

_AWS: list[Rule] = [
    rule(
        "aws.access_key_id",
        "aws_access_key_id",
        rf"(?<![A-Za-z0-9])(?P<secret>{_AWS_ID})(?![A-Za-z0-9])",
        _AWS_ID,
        before=24,
        after=4,
        accept=_real,
    ),
    rule(
        "aws.secret_access_key",
        "aws_secret_access_key",
        rf"(?i:secret[_.\- ]?(?:access[_.\- ]?)?key)(?:[\w.\-]{{0,20}}){_ASSIGN}"
        rf"(?P<secret>{_B64_40})(?![A-Za-z0-9/+=])",
        r"secret[_.\- ]?(?:access[_.\- ]?)?key",
        before=24,
        after=120,
        caseless_anchors=True,
        accept=_aws_secret,
    ),
    rule(
        "aws.secret_access_key_near_id",
        "aws_secret_access_key",
        rf"(?:AKIA|ASIA)[A-Z0-9]{{16}}[\s\S]{{1,160}}?(?<![A-Za-z0-9/+=])"
        rf"(?P<secret>(?=[A-Za-z0-9/+]{{0,39}}[0-9])(?=[A-Za-z0-9/+]{{0,39}}[a-z])"
        rf"(?=[A-Za-z0-9/+]{{0,39}}[A-Z]){_B64_40})(?![A-Za-z0-9/+=])",
        r"(?:AKIA|ASIA)[A-Z0-9]{16}",
        before=24,
        after=210,
        accept=_aws_secret,
    ),
    rule(
        "aws.session_token",
        "aws_session_token",
        r"(?<![A-Za-z0-9/+])(?P<secret>(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+=]{100,})",
        r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)",
        before=20,
        after=2048,
    ),
]

_VCS: list[Rule] = [
    rule(
        "github.token",
        "github_token",
        r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9_])",
        r"gh[pousr]_[A-Za-z0-9]{36}",
        before=44,
        after=260,
        accept=_real,
    ),
    rule(
        "github.fine_grained_pat",
        "github_token",
        r"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9_]{82,})(?![A-Za-z0-9_])",
        r"github_pat_[A-Za-z0-9_]{82}",
        before=96,
        after=64,
        accept=_real,
    ),
    rule(
        "gitlab.token",
        "gitlab_token",
        rf"{_L}(?P<secret>(?:glpat|gldt|glrt|glcbt|glimt|glft|glsoat|gloas|glffct|glagent|glwt)"
        rf"-[A-Za-z0-9_\-]{{20,}}(?:\.[0-9a-z]{{2}}\.[0-9a-z]{{7,11}})?|glptt-[0-9a-f]{{40}}"
        rf"|GR1348941[A-Za-z0-9_\-]{{20,}}){_R}",
        (
            r"gl(?:pat|dt|rt|cbt|imt|ft|soat|oas|ffct|agent|wt)-[A-Za-z0-9_\-]{20}",
            r"glptt-[0-9a-f]{40}",
            r"GR1348941[A-Za-z0-9_\-]{20}",
        ),
        before=64,
        after=300,
        accept=_real,
    ),
]

_CHAT_AND_MAIL: list[Rule] = [
    rule(
        "slack.token",
        "slack_token",
        r"(?<![A-Za-z0-9\-])(?P<secret>xox(?:[abposr]|e(?:\.xox[bp])?)-[0-9A-Za-z\-]{10,250})"
        r"(?![0-9A-Za-z\-])",
        r"xox[abposre][\-.]",
        before=8,
        after=300,
        accept=_slack,
    ),
    rule(
        "slack.app_token",
        "slack_token",
        r"(?<![A-Za-z0-9\-])(?P<secret>xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)(?![0-9A-Za-z\-])",
        r"xapp-[0-9]-",
        before=8,
        after=300,
        accept=_real,
    ),
    rule(
        "slack.webhook",
        "slack_webhook",
        r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,200})",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/",
        before=40,
        after=220,
        accept=_real,
    ),
    rule(
        "discord.webhook",
        "discord_webhook",
        r"(?P<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{5,30}/"
        r"[A-Za-z0-9_\-]{30,100})",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/",
        before=40,
        after=160,
        accept=_real,
    ),
    rule(
        "telegram.bot_token",
        "telegram_bot_token",
        r"(?<![0-9])(?P<secret>\d{8,10}:AA[A-Za-z0-9_\-]{33})(?![A-Za-z0-9_\-])",
        r"[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}",
        before=48,
        after=4,
        accept=_real,
    ),
    rule(
        "sendgrid.api_key",
        "sendgrid_api_key",
        rf"{_L}(?P<secret>SG\.[A-Za-z0-9_\-]{{22}}\.[A-Za-z0-9_\-]{{43}}){_R}",
        r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
        before=72,
        after=4,
        accept=_real,
    ),
    rule(
        "twilio.api_key",
        "twilio_api_key",
        r"(?<![A-Za-z0-9])(?P<secret>SK[0-9a-fA-F]{32})(?![A-Za-z0-9])",
        r"SK[0-9a-fA-F]{32}",
        before=36,
        after=4,
        accept=_real,
    ),
    rule(
        "twilio.account_sid",
        "twilio_account_sid",
        r"(?<![A-Za-z0-9])(?P<secret>AC[0-9a-f]{32})(?![A-Za-z0-9])",
        r"AC[0-9a-f]{32}",
        before=36,
        after=4,
        accept=_real,
    ),
    rule(
        "twilio.auth_token_near_sid",
        "twilio_auth_token",
        r"AC[0-9a-f]{32}[\s\S]{1,120}?(?<![A-Za-z0-9])(?P<secret>[0-9a-f]{32})(?![A-Za-z0-9])",
        r"AC[0-9a-f]{32}",
        before=36,
        after=170,
        accept=_random_key,
    ),
    rule(
        "mailgun.api_key",
        "api_key",
        r"(?<![A-Za-z0-9_\-])(?P<secret>key-[0-9a-f]{32})(?![A-Za-z0-9])",
        r"key-[0-9a-f]{32}",
        before=40,
        after=4,
        accept=_random_key,
    ),
    rule(
        "mailchimp.api_key",
        "api_key",
        r"(?<![A-Za-z0-9])(?P<secret>[0-9a-f]{32}-us\d{1,2})(?![A-Za-z0-9])",
        r"[0-9a-f]{32}-us[0-9]",
        before=40,
        after=4,
        accept=_random_key,
    ),
]

_PAYMENTS_AND_AI: list[Rule] = [
    rule(
        "stripe.secret_key",
        "stripe_key",
        r"(?<![A-Za-z0-9_])(?P<secret>(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,247}"
        r"|whsec_[A-Za-z0-9]{24,})(?![A-Za-z0-9])",
        (r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10}", r"whsec_[A-Za-z0-9]{24}"),
        before=36,
        after=260,
        accept=_real,
    ),
    rule(
        "square.token",
        "square_token",
        rf"{_L}(?P<secret>sq0(?:atp|csp)-[0-9A-Za-z_\-]{{22,43}}|EAAA[A-Za-z0-9_\-]{{60}}){_R}",
        (r"sq0(?:atp|csp)-[0-9A-Za-z_\-]{22}", r"EAAA[A-Za-z0-9_\-]{60}"),
        before=70,
        after=40,
        accept=_real,
    ),
    rule(
        "anthropic.api_key",
        "anthropic_api_key",
        rf"{_L}(?P<secret>sk-ant-[a-z]{{2,8}}\d{{2}}-[A-Za-z0-9_\-]{{20,200}}){_R}",
        r"sk-ant-[a-z]{2,8}[0-9]{2}-",
        before=20,
        after=220,
        accept=_real,
    ),
    rule(
        "openai.api_key",
        "openai_api_key",
        rf"{_L}(?P<secret>sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{{20,300}}"
        rf"|sk-[A-Za-z0-9]{{20}}T3BlbkFJ[A-Za-z0-9]{{20}}|sk-[A-Za-z0-9]{{48}}){_R}",
        (r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20}", r"T3BlbkFJ", r"sk-[A-Za-z0-9]{48}"),
        before=330,
        after=330,
        accept=_real,
        at_start=False,
    ),
    rule(
        "sk_prefixed.api_key",
        "api_key",
        rf"{_L}(?P<secret>sk-[A-Za-z0-9]{{32,64}}){_R}",
        r"sk-[A-Za-z0-9]{32}",
        before=40,
        after=40,
        priority=70,
        accept=_random_key,
    ),
    rule(
        "huggingface.token",
        "huggingface_token",
        r"(?<![A-Za-z0-9_])(?P<secret>hf_[A-Za-z]{34})(?![A-Za-z0-9_])",
        r"hf_[A-Za-z]{34}",
        before=40,
        after=4,
        accept=_real,
    ),
]

_CLOUD: list[Rule] = [
    rule(
        "google.api_key",
        "google_api_key",
        rf"{_L}(?P<secret>AIza[0-9A-Za-z_\-]{{35}}){_R}",
        r"AIza[0-9A-Za-z_\-]{35}",
        before=44,
        after=4,
        accept=_real,
    ),
    rule(
        "google.oauth_client_secret",
        "google_oauth_client_secret",
        rf"{_L}(?P<secret>GOCSPX-[A-Za-z0-9_\-]{{28}}){_R}",
        r"GOCSPX-[A-Za-z0-9_\-]{28}",
        before=40,
        after=4,
        accept=_real,
    ),
    rule(
        "google.oauth_access_token",
        "google_oauth_token",
        rf"{_L}(?P<secret>ya29\.[0-9A-Za-z_\-]{{30,}}){_R}",
        r"ya29\.[0-9A-Za-z_\-]{30}",
        before=40,
        after=2048,
        accept=_real,
    ),
    rule(
        "azure.storage_account_key",
        "azure_storage_key",
        r"(?i:AccountKey|(?:storage|account)[_.\-]?(?:access[_.\-]?)?key\d?)"
        rf"{_ASSIGN}(?P<secret>[A-Za-z0-9+/]{{86}}==)",
        (r"AccountKey", r"(?:storage|account)[_.\-]?(?:access[_.\-]?)?key"),
        before=40,
        after=120,
        caseless_anchors=True,
        accept=_real,
    ),
    rule(
        "azure.shared_access_key",
        "azure_storage_key",
        r"(?i:SharedAccessKey)\s*=\s*(?P<secret>[A-Za-z0-9+/]{42,86}={0,2})(?![A-Za-z0-9+/=])",
        r"SharedAccessKey\s*=",
        before=24,
        after=110,
        caseless_anchors=True,
        accept=_random_key,
    ),
    rule(
        "azure.sas_signature",
        "azure_sas_token",
        r"[?&;]sig=(?P<secret>(?:[A-Za-z0-9+/]|%2[Bb]|%2[Ff]){30,}(?:%3[Dd]|=){0,2})",
        r"[?&;]sig=",
        before=8,
        after=140,
        accept=_random_key,
    ),
    rule(
        "azure.client_secret",
        "azure_client_secret",
        r"(?<![A-Za-z0-9_~.\-])(?P<secret>[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})"
        r"(?![A-Za-z0-9_~.\-])",
        r"[0-9]Q~[A-Za-z0-9_~.\-]{31}",
        before=48,
        after=10,
        accept=_random_key,
        at_start=False,
    ),
    rule(
        "digitalocean.token",
        "digitalocean_token",
        rf"{_L}(?P<secret>do[por]_v1_[a-f0-9]{{64}}){_R}",
        r"do[por]_v1_[a-f0-9]{64}",
        before=76,
        after=4,
        accept=_real,
    ),
    rule(
        "shopify.token",
        "shopify_token",
        rf"{_L}(?P<secret>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{{32}}){_R}",
        r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
        before=40,
        after=4,
        accept=_real,
    ),
    rule(
        "databricks.token",
        "databricks_token",
        rf"{_L}(?P<secret>dapi[a-f0-9]{{32}}(?:-\d)?){_R}",
        r"dapi[a-f0-9]{32}",
        before=40,
        after=6,
        accept=_random_key,
    ),
    rule(
        "hashicorp.vault_token",
        "vault_token",
        r"(?<![A-Za-z0-9_.\-])(?P<secret>hv[sbr]\.[A-Za-z0-9_\-]{24,})(?![A-Za-z0-9_\-])",
        r"hv[sbr]\.[A-Za-z0-9_\-]{24}",
        before=32,
        after=400,
        accept=_real,
    ),
    rule(
        "doppler.token",
        "doppler_token",
        rf"{_L}(?P<secret>dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{{40,44}}){_R}",
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40}",
        before=56,
        after=8,
        accept=_real,
    ),
    rule(
        "pulumi.token",
        "pulumi_token",
        rf"{_L}(?P<secret>pul-[a-f0-9]{{40}}){_R}",
        r"pul-[a-f0-9]{40}",
        before=48,
        after=4,
        accept=_random_key,
    ),
    rule(
        "grafana.token",
        "grafana_token",
        rf"{_L}(?P<secret>glsa_[A-Za-z0-9]{{32}}_[A-Fa-f0-9]{{8}}|glc_[A-Za-z0-9+/]{{32,400}}={{0,2}})",
        (r"glsa_[A-Za-z0-9]{32}_", r"glc_[A-Za-z0-9+/]{32}"),
        before=48,
        after=420,
        accept=_real,
    ),
    rule(
        "sentry.auth_token",
        "sentry_token",
        rf"{_L}(?P<secret>sntrys_[A-Za-z0-9+/=_\-]{{60,}}|sntryu_[a-f0-9]{{64}}){_R}",
        (r"sntrys_[A-Za-z0-9+/=_\-]{60}", r"sntryu_[a-f0-9]{64}"),
        before=80,
        after=400,
        accept=_real,
    ),
    rule(
        "atlassian.api_token",
        "atlassian_token",
        rf"{_L}(?P<secret>ATATT3[A-Za-z0-9_=\-]{{180,}}){_R}",
        r"ATATT3[A-Za-z0-9_=\-]{180}",
        before=200,
        after=100,
        accept=_real,
        at_start=False,
    ),
    rule(
        "age.secret_key",
        "age_secret_key",
        r"(?P<secret>AGE-SECRET-KEY-1[0-9A-Z]{58})",
        r"AGE-SECRET-KEY-1[0-9A-Z]{58}",
        before=80,
        after=4,
        accept=_real,
    ),
    rule(
        "postman.api_key",
        "postman_api_key",
        rf"{_L}(?P<secret>PMAK-[a-f0-9]{{24}}-[a-f0-9]{{34}}){_R}",
        r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        before=72,
        after=4,
        accept=_real,
    ),
    rule(
        "linear.api_key",
        "linear_api_key",
        rf"{_L}(?P<secret>lin_api_[A-Za-z0-9]{{40}}){_R}",
        r"lin_api_[A-Za-z0-9]{40}",
        before=56,
        after=4,
        accept=_real,
    ),
]

_PACKAGES: list[Rule] = [
    rule(
        "npm.token",
        "npm_token",
        r"(?<![A-Za-z0-9_])(?P<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])",
        r"npm_[A-Za-z0-9]{36}",
        before=44,
        after=4,
        accept=_real,
    ),
    rule(
        "npm.npmrc_auth",
        "npm_token",
        r"(?i::_(?:authToken|auth|password))\s*=\s*[\"']?(?P<secret>[^\s\"'#;]{8,})",
        r":_(?:authToken|auth|password)\s*=",
        before=24,
        after=300,
        caseless_anchors=True,
        accept=_not_reference,
    ),
    rule(
        "pypi.token",
        "pypi_token",
        rf"{_L}(?P<secret>pypi-AgE[A-Za-z0-9_\-]{{50,}}){_R}",
        r"pypi-AgE[A-Za-z0-9_\-]{50}",
        before=64,
        after=400,
        accept=_real,
    ),
]

PROVIDER_RULES: tuple[Rule, ...] = (
    *_AWS,
    *_VCS,
    *_CHAT_AND_MAIL,
    *_PAYMENTS_AND_AI,
    *_CLOUD,
    *_PACKAGES,
)


class _CredgateTokenRule(Rule):
    """credgate's own ``cg_`` tokens, confirmed by their CRC32 checksum (no false positive
    short of a 32-bit collision), found glued to other text too."""

    def find(self, text: str, lo: int, hi: int) -> Iterator[Finding]:
        stop = min(len(text), hi + TOKEN_LENGTH)
        for start, end in find_tokens(text[lo:stop]):
            yield Finding(lo + start, lo + end, self.type, self.name, self.priority)


CREDGATE_TOKEN_RULE: Rule = _CredgateTokenRule(
    name="credgate.token",
    type="credgate_token",
    pattern=TOKEN_PATTERN,
    anchors=(r"cg_[0-9A-Za-z]{39}",),
    before=TOKEN_LENGTH + 2,
    after=2,
    priority=95,
)
