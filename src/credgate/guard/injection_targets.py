"""Rules for what an injected instruction is after: credentials, channels, tools, encodings."""

from __future__ import annotations

from credgate.guard.injection_rules import (
    CHANNEL,
    CRED,
    ENCODE_WORD,
    EXFIL,
    PROMPT_TARGET,
    REVEAL_VERB,
    SECRECY,
    SEND_VERB,
    TOOL,
    Rule,
    rule,
)
from credgate.guard.injection_vocab import (
    CREDENTIAL,
    CREDENTIAL_CJK,
    ENCODE_WORDS,
    PROMPT,
    REVEAL_WORDS,
    SEND_WORDS,
    words_pattern,
)

TARGET_RULES: tuple[Rule, ...] = (
    # -- targets ------------------------------------------------------------------------------
    rule(
        "target.credential",
        CRED,
        "target",
        0.0,
        "names a credential",
        rf"(?:(?<![\w.]){CREDENTIAL}|{CREDENTIAL_CJK})",
        starts=(
            "api|access|secret|private|ssh|signing|master|aws|gcp|azure|gpg|pgp|encryption"
            "|license|deploy|auth|bearer|refresh|session|bot|oauth|id token|id_token|id-token"
            "|idtoken|id_rsa|id_ed25519|csrf|vault|github|gitlab|slack|npm|pypi|personal|token"
            "|passw|passphrase|passcode|credential|creds|env|.env|dotenv|~/.ssh|/.ssh|.ssh|.aws"
            "|.npmrc|.netrc|.pypirc|.docker|kubeconfig|keychain|keyring|connection|database"
            "|client|cookie|one-time|one time|onetime|otp|2fa|mfa|verification|recovery|backup"
            "|seed|mnemonic|printenv|os.environ|process.env|getenv|$(|mot|clé|cle|jeton"
            "|identifiant|variable|datenbank|root|admin|wlan|kennw|zugangsdaten|anmeldedaten"
            "|geheim|umgebungsvariablen|privat|contrase|clave|credenc|credenz|secreto|segredo"
            "|senha|chave|chiav|variáveis|variaveis|variabili|парол|токен|ключ|учетн|учётн"
            "|переменн|секрет|密钥|密碼|密码|口令|令牌|凭证|凭据|环境变量|私钥|パスワード|認証情報|環境変数|秘密鍵|トークン|アクセスキー"
        ),
    ),
    rule(
        "target.env_name",
        CRED,
        "target",
        0.0,
        "names an environment variable that holds a credential",
        r"(?-i:(?<![A-Za-z0-9_])\$?\{?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:KEY|TOKEN|SECRET|PASSWORD"
        r"|PASSWD|PWD|CREDENTIALS?|AUTH|URL)(?:_ID)?\b\}?)",
        anchors="_key|_token|_secret|_password|_passwd|_pwd|_credential|_auth|_url",
        radius=64,
    ),
    rule(
        "target.prompt",
        PROMPT_TARGET,
        "target",
        0.0,
        "names the assistant's instructions",
        rf"(?:\b{PROMPT}|系统提示)",
        starts=(
            "system|hidden|initial|your instructions|your prompt|your rules|your guidelines"
            "|pre-prompt|preprompt|prompt|systemprompt|systemanweisungen|系统提示"
        ),
    ),
    rule(
        "verb.reveal",
        REVEAL_VERB,
        "verb",
        0.0,
        "asks to show a value",
        words_pattern(REVEAL_WORDS),
        starts=REVEAL_WORDS,
    ),
    rule(
        "verb.send",
        SEND_VERB,
        "verb",
        0.0,
        "asks to move a value",
        words_pattern(SEND_WORDS),
        starts=SEND_WORDS,
    ),
    rule(
        "verb.encode",
        ENCODE_WORD,
        "verb",
        0.0,
        "names an encoding",
        words_pattern(ENCODE_WORDS),
        starts=ENCODE_WORDS,
    ),
    rule(
        "channel.url",
        CHANNEL,
        "channel",
        0.0,
        "a URL",
        r"\bhttps?://[^\s\"'<>)\]}]+|\bwww\.[\w-]+\.[\w.-]+",
        starts="http|www.",
    ),
    rule(
        "channel.email",
        CHANNEL,
        "channel",
        0.0,
        "an email address",
        r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b",
        anchors="@",
        radius=80,
    ),
    rule(
        "channel.named",
        CHANNEL,
        "channel",
        0.0,
        "a collection endpoint",
        r"\b(?:webhooks?|pastebin|ngrok|requestbin|interactsh|burpcollaborator|discord\swebhook)\b",
        starts="webhook|pastebin|ngrok|requestbin|interactsh|burpcollaborator|discord",
    ),
    rule(
        "channel.domain",
        CHANNEL,
        "channel",
        0.0,
        "a bare domain name as a destination",
        r"\bto\s(?:[\w-]+\.)+(?:com|net|org|io|dev|xyz|ru|cn|site|app|co|info|biz)\b",
        anchors=".com|.net|.org|.io|.dev|.xyz|.ru|.cn|.site|.app|.co|.info|.biz",
        radius=80,
    ),
    # -- exfiltration forms that are suspicious on their own ------------------------------------
    rule(
        "exfil.url_placeholder",
        EXFIL,
        "exfiltration",
        0.55,
        "a URL with a slot for a credential value",
        r"\bhttps?://[^\s\"'<>)]{0,200}?(?:[?&/=:]|%3D)(?:\{\{?\s*\$?\w*(?:key|token|secret|pass"
        r"|pwd|cred|auth|env|cookie|session)\w*\s*\}?\}|\$\{?\w*(?:KEY|TOKEN|SECRET|PASS|PWD|CRED"
        r"|AUTH|ENV)\w*\}?|<\s*\w*(?:key|token|secret|pass|pwd|cred|auth)\w*\s*>|\[\s*\w*(?:key"
        r"|token|secret|pass|pwd|cred|auth)\w*\s*\]|\$\((?:env|printenv|cat\s[^)]{1,60})\)"
        r"|(?-i:(?:SECRET|TOKEN|API_?KEY|PASSWORD|CREDENTIALS?|[A-Z]+_(?:TOKEN|KEY|SECRET)"
        r"(?:_VALUE)?)\b))",
        starts="http",
    ),
    rule(
        "exfil.command",
        EXFIL,
        "exfiltration",
        0.45,
        "a shell command that uploads data to a remote host",
        r"\b(?:curl\b[^\n`]{0,120}?(?:\s-d\b|\s--data\S*|\s-F\b|\s--form|\s-T\b|\s--upload-file)"
        r"|wget\b[^\n`]{0,120}?--post-(?:data|file)|nc\s+[\w.-]+\s+\d{2,5}\s*<"
        r"|Invoke-WebRequest\b[^\n`]{0,120}?-Body)",
        starts="curl|wget|nc |invoke-webrequest",
    ),
    rule(
        "exfil.command_secret",
        EXFIL,
        "exfiltration",
        0.7,
        "a shell command that ships credentials or the environment to a remote host",
        r"\b(?:curl|wget|nc|scp|rsync|Invoke-WebRequest)\b[^\n`]{0,160}?(?:\$\((?:env|printenv"
        r"|cat\s)|@~?/?[\w./-]*(?:\.env|credentials|id_rsa|id_ed25519|\.npmrc|\.netrc|\.pypirc"
        r"|config\.json)|--post-file=?\s?[\w./~-]*(?:\.env|credentials|id_rsa)|\$HOME/\.ssh"
        r"|~/\.(?:ssh|aws))",
        starts="curl|wget|nc |scp|rsync|invoke-webrequest",
    ),
    rule(
        "exfil.pipe_secret",
        EXFIL,
        "exfiltration",
        0.7,
        "a shell pipeline that sends files or the environment to the network",
        r"\b(?:cat|printenv|env|set)\b[^\n`]{0,60}?\|\s*(?:base64\s*\|\s*)?(?:curl|nc|wget)\b",
        anchors="curl|wget|nc",
        radius=90,
    ),
    # -- encodings meant to get past a filter ---------------------------------------------------
    rule(
        "encode.evasion",
        SECRECY,
        "evasion",
        0.5,
        "says the point is to get past filters or monitoring",
        r"\bso\s(?:that\s)?(?:the\s)?(?:filters?|scanners?|dlp|monitoring|guardrails?|security"
        r"(?:\stools?|\steam)?|nobody|no\sone|the\suser|it)\s(?:does\snot|doesn['’]t|do\snot"
        r"|don['’]t|won['’]t|will\snot|cannot|can['’]t)\s(?:notice|detect|see|catch|flag|block"
        r"|spot|recogni[sz]e)|\b(?:bypass|evade|get\s(?:past|around)|trick)\s(?:the\s)?"
        r"(?:filters?|scanners?|detection|dlp|guardrails?|output\sfilter|redaction|masking)\b"
        r"|\bthe\sfilters?\s(?:don['’]t|do\snot|doesn['’]t)\slike\sraw",
        starts="so|bypass|evade|get past|get around|trick|the filter",
    ),
    # -- changing tools, configuration and permissions -------------------------------------------
    rule(
        "tool.mcp_config",
        TOOL,
        "tool_change",
        0.35,
        "asks to add or change MCP servers or the agent's tool configuration",
        r"\b(?:add|install|register|connect|enable|configure|load|set\sup|include|update"
        r"|modify|edit|change|replace|ajoutez?|f[üu]ge|agrega|a[ñn]ade|adicione|aggiungi)\b"
        r"[^.!?\n]{0,80}?(?:mcp[\s-]?servers?|mcpservers|mcp\.json|mcp[\s-]config"
        r"|claude_desktop_config|\.cursor/mcp|serveur\smcp|mcp-server|servidor\smcp)"
        r"|(?:将\s?)?mcp\s?服务器[^。\n]{0,40}添加",
        anchors="mcp",
        radius=120,
    ),
    rule(
        "tool.install",
        TOOL,
        "tool_change",
        0.25,
        "asks to install or register a new tool for the agent",
        r"\b(?:install|register|enable|add|load)\s(?:the\s|this\s|a\s|a\snew\s|our\s)?"
        r"(?:tool|plugin|extension|skill|function)s?\b[^.!?\n]{0,60}?(?:https?://|as\sa\stool"
        r"|grant|with\saccess|and\s(?:run|call))|\bregister\sthis\sfunction\sas\sa\stool",
        anchors="tool|plugin|extension|skill",
        radius=100,
    ),
    rule(
        "tool.reconfigure",
        TOOL,
        "tool_change",
        0.4,
        "asks the agent to change its own instructions, memory, permissions or allowlists",
        r"\b(?:change|modify|update|edit|rewrite|replace|overwrite|alter|extend)\s(?:your\s"
        r"(?:system\sprompt|instructions|configuration|config|settings|memory|rules|tools?"
        r"|permissions|guidelines|allow\s?list)|the\s(?:system\sprompt|allow\s?list|egress"
        r"\s(?:rules|allow\s?list)|access\spolic(?:y|ies))|the\s`?[\w.]+`?\stool['’]s\sendpoint)"
        r"|\b(?:save|store|remember|write|add)\b[^.!?\n]{0,40}?\b(?:in|to|into)\syour\s"
        r"(?:long[\s-]term\s)?(?:memory|notes)\b"
        r"|\badd\s\S+\sto\s(?:the\s)?(?:allowed\shosts|allow\s?list|egress\sallow\s?list)",
        anchors=(
            "your system prompt|your instructions|your config|your settings|your memory"
            "|your rules|your tool|your permissions|your guidelines|your allow|the system prompt"
            "|allow list|allowlist|egress|access polic|s endpoint|’s endpoint|your long"
            "|your notes|allowed hosts"
        ),
        radius=110,
    ),
    rule(
        "tool.approve",
        TOOL,
        "tool_change",
        0.45,
        "asks the agent to approve requests or grant access by itself",
        r"\b(?:approve|accept|grant)\s(?:all|every|any|my|the)\s(?:pending\s)?(?:credential\s"
        r"|elevation\s|access\s|permission\s)?(?:requests?|approvals?|elevations?|permissions?)"
        r"|\bgrant\s(?:it|them|me|yourself)\s(?:full\s)?(?:access|permission|admin)"
        r"|\bapprove\severy\spermission",
        starts="approve|accept|grant",
    ),
    rule(
        "tool.run_command",
        TOOL,
        "tool_change",
        0.2,
        "asks the agent to run a shell command",
        r"\b(?:run|execute|exec|type)\b\s*:?\s*`?(?:curl|wget|cat|printenv|env|nc|bash|sh"
        r"|powershell|iwr|scp|rsync)\b",
        starts="run|execute|exec|type",
    ),
)
