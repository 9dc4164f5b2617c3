"""Provider credential formats: each is found exactly, a near miss is not, examples are not."""

from __future__ import annotations

import pytest
from output_filter_samples import B62, HEX, PROVIDER_SAMPLES, UPPER_DIGITS, fake

from credgate.guard import OutputFilter
from credgate.guard.engine import ENGINES, hyperscan_available

ENGINE_PARAMS = [
    pytest.param(
        engine,
        marks=pytest.mark.skipif(
            engine == "hyperscan" and not hyperscan_available(), reason="no hyperscan wheel"
        ),
    )
    for engine in ENGINES
]


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def guard(request: pytest.FixtureRequest) -> OutputFilter:
    return OutputFilter(engine=request.param)


CONTEXTS = ["{}", "value: {} end", '"{}"', "x={}\n", "(see {}).", "é→{}←ü"]


@pytest.mark.parametrize(("kind", "value"), PROVIDER_SAMPLES, ids=[k for k, _ in PROVIDER_SAMPLES])
@pytest.mark.parametrize("context", CONTEXTS)
def test_provider_credential_is_found_with_its_exact_span(
    guard: OutputFilter, kind: str, value: str, context: str
) -> None:
    """A leaked provider key would reach the agent, or be masked with part of it showing."""
    text = context.format(value)
    start = text.index(value)
    findings = guard.scan(text)
    assert [(f.start, f.end, f.type) for f in findings] == [(start, start + len(value), kind)]


NEAR_MISSES = [
    "ghp_" + fake(B62, 35, "short"),  # one character short
    "ghx_" + fake(B62, 36, "prefix"),  # unknown prefix
    "xghp_" + fake(B62, 36, "glued"),  # glued to a word
    "AKIA" + fake(UPPER_DIGITS, 15, "akia15"),  # 19 characters
    "AKIA" + fake(UPPER_DIGITS, 16, "akia") + "Z",  # 21 characters
    "pk_live_" + fake(B62, 24, "pk"),  # Stripe publishable key: public by design
    "sk_live_" + "x" * 24,  # placeholder
    "AIza" + fake(B62, 34, "aiza34"),
    "npm_" + fake(B62, 35, "npm35"),
    "SG." + fake(B62, 22, "sg") + "." + fake(B62, 42, "sg42"),
    "SK" + fake(HEX, 31, "sk31"),
    "AC" + fake(HEX, 32, "acup").upper(),  # an account SID is lower-case hex
    "glpat-" + fake(B62, 19, "gl19"),
    "hf_" + fake(B62, 33, "hf33"),
    "xoxb-not-a-real-token-this-will-not-work",
    "sk-ant-" + "x" * 10,
    "eyJhbGciOiJIUzI1NiJ9.notjson.signature",
]


@pytest.mark.parametrize("value", NEAR_MISSES)
def test_near_miss_is_not_a_finding(guard: OutputFilter, value: str) -> None:
    """Masking look-alikes would garble ordinary output and train users to ignore the filter."""
    assert guard.scan(f"value: {value} end") == []


DOCUMENTED_EXAMPLES = [
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "STRIPE_KEY=sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
    "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
]


@pytest.mark.parametrize("text", DOCUMENTED_EXAMPLES)
def test_documented_example_keys_are_not_findings(guard: OutputFilter, text: str) -> None:
    """Docs and tutorials quote these keys; masking them would only add noise."""
    assert guard.scan(text) == []


def test_aws_secret_key_is_found_next_to_its_key_id_or_its_name(guard: OutputFilter) -> None:
    """An AWS secret key alone is 40 random characters; with its id or name it is a leak."""
    akid, secret = "AKIA" + fake(UPPER_DIGITS, 16, "pair"), fake(B62 + "/+", 40, "secret")
    csv = f"Access key ID,Secret access key\n{akid},{secret}\n"
    assert [f.type for f in guard.scan(csv)] == ["aws_access_key_id", "aws_secret_access_key"]
    ini = f"aws_secret_access_key = {secret}\n"
    assert [(f.start, f.type) for f in guard.scan(ini)] == [(24, "aws_secret_access_key")]
    assert guard.scan(f"checksum {secret} ok") == []


def test_twilio_auth_token_is_found_after_an_account_sid(guard: OutputFilter) -> None:
    """A Twilio client built with (sid, token) exposes the token, not only the SID."""
    sid, token = "AC" + fake(HEX, 32, "sid"), fake(HEX, 32, "token")
    findings = guard.scan(f'client = Client("{sid}", "{token}")')
    assert [f.type for f in findings] == ["twilio_account_sid", "twilio_auth_token"]


def test_azure_storage_connection_string_masks_the_account_key(guard: OutputFilter) -> None:
    """The account key in a connection string opens the whole storage account."""
    key = fake(B62 + "+/", 86, "azkey") + "=="
    text = f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={key};EndpointSuffix=core"
    assert guard.mask(text) == (
        "DefaultEndpointsProtocol=https;AccountName=acme;"
        "AccountKey=[REDACTED:azure_storage_key];EndpointSuffix=core"
    )


def test_credgate_tokens_need_a_valid_checksum(guard: OutputFilter) -> None:
    """credgate's own tokens are found even glued to text; random cg_ strings are not."""
    from credgate.domain.tokens import generate_token

    token = generate_token(lambda n: bytes(range(n)))
    text = f"trace x{token}Z and cg_{fake(B62, 39, 'cg')}"
    findings = guard.scan(text)
    assert [(f.start, f.end, f.type) for f in findings] == [(7, 7 + len(token), "credgate_token")]
