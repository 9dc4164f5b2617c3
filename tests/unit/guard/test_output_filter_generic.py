"""Format-free detection: credential-named assignments in code, config and prose; URLs with
passwords; Authorization headers; PEM private keys; JWTs. And what must stay untouched."""

from __future__ import annotations

import pytest
from output_filter_samples import B62, HEX, fake, jwt, pem

from credgate.guard import OutputFilter

PW = "Tr0ub4dor&3x"  # a human password: letters, digits, a symbol
KEY = fake(B62, 32, "generic-key")
HEXKEY = fake(HEX, 32, "generic-hex")


@pytest.fixture(scope="module")
def guard() -> OutputFilter:
    return OutputFilter()


# (document, the secret it contains)
POSITIVE = [
    (f'password = "{PW}"', PW),
    (f"DB_PASSWORD={PW}", PW),
    (f"export PGPASSWORD='{PW}'", PW),
    (f"  password: {PW}\n", PW),
    (f'{{"password": "{PW}", "user": "app"}}', PW),
    (f'password: str = "{PW}"', PW),
    (f'var dbPassword string = "{PW}"', PW),
    (f"spring.datasource.password={PW}", PW),
    (f"<password>{PW}</password>", PW),
    (f'<add key="SmtpPassword" value="{PW}" />', PW),
    (f"define('DB_PASSWORD', '{PW}');", PW),
    (f'command: ["redis-server", "--requirepass", "{PW}"]', PW),
    (f"./configure --with-db-password={PW}", PW),
    (f'- name: CACHE_PASSWORD\n  value: "{PW}"', PW),
    (f'variable "db_password" {{\n  type = string\n  default = "{PW}"\n}}', PW),
    (f"machine api.example.com login deploy password {PW}", PW),
    (f"CREATE ROLE reporting WITH LOGIN PASSWORD '{PW}';", PW),
    (f"my password is {PW}", PW),
    (f"the admin password for the staging console is {PW} until Friday", PW),
    (f"Server=db;User ID=sa;Password={PW};Encrypt=True", PW),
    (f'auth=("deploy", "{PW}")', PW),
    (f'$p = ConvertTo-SecureString "{PW}" -AsPlainText -Force', PW),
    (f"docker login registry.example.io -u ci -p {PW}", PW),
    (f"curl -u deploy:{PW} https://jenkins.internal/api", PW),
    (f"mysql -u root -p{PW} -h db orders", PW),
    (f"パスワード: {PW}", PW),
    (f"la contraseña del servidor es {PW}", PW),
    (f"Passwort für das Dashboard: {PW}", PW),
    (f"api_key = '{KEY}'", KEY),
    (f'"apiKey": "{KEY}"', KEY),
    (f"X-Api-Key: {KEY}", KEY),
    (f"DD_API_KEY={HEXKEY}", HEXKEY),
    (f"PAYMENT_PROVIDER_KEY: {HEXKEY}", HEXKEY),
    (f"client_secret: {KEY}", KEY),
    (f"jwt:\n  secret: {KEY}\n", KEY),
    (f'pub const API_KEY: &str = "{KEY}";', KEY),
    (f'os.Setenv("API_TOKEN", "{KEY}")', KEY),
    (f"the secret is {KEY}", KEY),
    (f"Authorization: Bearer {KEY}", KEY),
    (f"postgres://app:{PW}@db.internal:5432/orders", PW),
    (f"mongodb+srv://svc:{PW}@cluster0.abcde.mongodb.net/db", PW),
    (f"redis://:{PW}@cache:6379/0", PW),
    (f"https://deploy:{KEY}@git.example.com/repo.git", KEY),
]


@pytest.mark.parametrize(("text", "secret"), POSITIVE, ids=[t[:40] for t, _ in POSITIVE])
def test_credential_in_context_is_found_and_only_the_value_masked(
    guard: OutputFilter, text: str, secret: str
) -> None:
    """The value would leak, or the key name and syntax around it would be masked too."""
    start = text.index(secret)
    assert [(f.start, f.end) for f in guard.scan(text)] == [(start, start + len(secret))]


NEGATIVE = [
    'password = os.environ["DB_PASSWORD"]',
    "password=os.getenv('DB_PASSWORD')",
    'password: ""',
    "password: ********",
    "password: ${DB_PASSWORD}",
    "token: ${{ secrets.DEPLOY_TOKEN }}",
    'api_key: "{{ vault_api_key }}"',
    "API_KEY=your-api-key-here",
    "SECRET_KEY=<your-secret-key>",
    "DB_PASSWORD=changeme",
    "password=password",
    "client = Client(api_key=api_key, password=password)",
    "password = settings.DB_PASSWORD",
    "password = get_password()",
    '"password=" + dbPassword + ";"',
    "password_min_length = 12",
    "secretName: tls-cert",
    '"nextPageToken": "eyJvZmZzZXQiOjEwMH0="',
    "max_tokens: 4096",
    f"cache_key = '{KEY}'",
    f'idempotency_key = "{fake(HEX, 8, "u")}-1234-4abc-8def-{fake(HEX, 12, "v")}"',
    "The password must be at least 12 characters.",
    "my token expired again",
    "password reset link sent to the user",
    "Password: required",
    "db_password: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]",
    "admin_password_hash: $2b$12$abcdefghijklmnopqrstuuOqhJ1nB8P2n3s4d5f6g7h8j9k0l1m2",
    "postgres://user:password@localhost:5432/dbname",
    "postgres://postgres:postgres@localhost:5432/test",
    "mongodb+srv://<username>:<password>@cluster0.mongodb.net/",
    "https://0123456789abcdef0123456789abcdef@o12345.ingest.sentry.io/123456",
    "Authorization: Bearer $TOKEN",
    "Authorization: Bearer <token>",
    f"commit {fake(HEX, 40, 'sha')}",
    f"request id {fake(HEX, 8, 'r')}-ab12-4cde-8f01-{fake(HEX, 12, 'q')}",
    '"integrity": "sha512-' + fake(B62 + "+/", 86, "integrity") + '=="',
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + fake(B62 + "+/", 43, "ssh") + " me@laptop",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_placeholders_references_and_ids_are_not_findings(guard: OutputFilter, text: str) -> None:
    """Masking references, placeholders and hashes would garble code and logs for nothing."""
    assert guard.scan(text) == []


def test_pem_private_key_is_masked_whole_and_a_certificate_is_not(guard: OutputFilter) -> None:
    """Half a private key is still a private key; a certificate is public."""
    key = pem("RSA PRIVATE KEY", "pem")
    cert = pem("CERTIFICATE", "cert")
    text = f"key:\n{key}\ncert:\n{cert}\n"
    assert guard.mask(text) == f"key:\n[REDACTED:private_key]\ncert:\n{cert}\n"


def test_pem_private_key_escaped_in_json_and_unterminated(guard: OutputFilter) -> None:
    """Service-account JSON escapes newlines; truncated output cuts the END line."""
    escaped = pem("PRIVATE KEY", "sa", escaped=True)
    doc = f'{{"private_key": "{escaped}\\n", "client_email": "x@y"}}'
    assert guard.mask(doc) == '{"private_key": "[REDACTED:private_key]\\n", "client_email": "x@y"}'
    truncated = pem("OPENSSH PRIVATE KEY", "cut").rsplit("\n", 1)[0]
    assert guard.mask(f"{truncated}\n\nDone.") == "[REDACTED:private_key]\n\nDone."


def test_pem_block_without_key_material_is_not_a_finding(guard: OutputFilter) -> None:
    """Documentation shows '-----BEGIN RSA PRIVATE KEY-----\\n...' with no key in it."""
    assert guard.scan("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----") == []


def test_jwt_needs_a_json_header(guard: OutputFilter) -> None:
    """A signed token is a credential; base64 that merely starts like one is not."""
    token = jwt("jwt-test")
    assert [f.type for f in guard.scan(f"token {token}")] == ["jwt"]
    assert guard.scan("eyJub3QiOiJhIGp3dCJ9.eyJub3QiOjF9.c2lnbmF0dXJlX2xvbmdfZW5vdWdo") == []


def test_basic_authorization_header_is_found_only_when_it_decodes_to_a_password(
    guard: OutputFilter,
) -> None:
    """A Basic header carries user:password in base64; other base64 after 'basic' is not one."""
    import base64

    blob = base64.b64encode(f"deploy:{PW}".encode()).decode()
    assert [f.type for f in guard.scan(f"Authorization: Basic {blob}")] == ["basic_auth"]
    assert guard.scan("a basic aGVsbG8gd29ybGQ= example") == []


def test_url_password_type_depends_on_the_scheme(guard: OutputFilter) -> None:
    """Operators filter findings by type: a database DSN is not a web login."""
    assert [f.type for f in guard.scan(f"postgres://app:{PW}@db/x")] == ["connection_string"]
    assert [f.type for f in guard.scan(f"https://app:{PW}@example.com/")] == ["url_password"]
