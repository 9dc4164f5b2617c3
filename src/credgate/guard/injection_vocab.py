"""Word lists of the input inspector, as regular-expression fragments (several languages).

Each fragment is a non-capturing alternation meant to be embedded in a larger pattern that
is compiled with ``re.IGNORECASE``. English comes first; French, German, Spanish, Italian,
Portuguese, Russian, Chinese and Japanese follow, with fewer phrasings each. Standard
library only, so the inspector can move into ``credgate.domain``.
"""

from __future__ import annotations

import re

# Things an attacker wants out of the agent: credentials and where they live.
CREDENTIAL = (
    r"(?:api[\s_-]?keys?|access[\s_-]?keys?(?:[\s_-]?ids?)?|secret[\s_-]?(?:access[\s_-]?)?keys?"
    r"|private[\s_-]?keys?|ssh[\s_-]?keys?|signing[\s_-]?(?:keys?|secrets?)|master[\s_-]?keys?"
    r"|(?:aws|gcp|azure|gpg|pgp|encryption|license|deploy)[\s_-]keys?"
    r"|(?:auth|authentication|authorization|access|bearer|refresh|session|api|bot|oauth|id|csrf"
    r"|vault|github|gitlab|slack|npm|pypi|personal[\s_-]access)[\s_-]?tokens?"
    r"|tokens?|passwords?|passwd|passphrases?|passcodes?|credentials?|creds|secrets?"
    r"|env(?:ironment)?[\s_-]?(?:var(?:iable)?s?|files?)|\.env(?:\.\w+)?\b|dotenv"
    r"|id_rsa|id_ed25519|~?/?\.ssh\b|\.aws(?:/credentials)?|\.npmrc|\.netrc|\.pypirc"
    r"|\.docker/config\.json|kubeconfig|keychain|keyring"
    r"|connection[\s_-]?strings?|database[\s_-]?urls?|client[\s_-]?secrets?"
    r"|session[\s_-]?cookies?|cookies|one[\s-]?time[\s-]?(?:codes?|passwords?)|otps?"
    r"|(?:2fa|mfa|verification|recovery|backup)[\s-]codes?|seed[\s_-]?phrases?|mnemonic"
    r"|printenv|os\.environ|process\.env|getenv"
    r"|\$\((?:env|printenv|set|cat\s[^)]{1,80})\)"
    # French
    r"|mots?[\s-]de[\s-]passe|cl[ée]s?\s(?:d['’])?(?:api|priv[ée]es?|secr[èe]tes?|acc[èe]s)"
    r"|jetons?(?:\sd['’]acc[èe]s)?|identifiants?|variables?\sd['’]environnement"
    # German
    r"|api-?schl[üu]ssel\w*|(?:datenbank|root|admin|wlan|master)?passw[öo]rt\w*|kennw[öo]rt\w*"
    r"|zugangsdaten|anmeldedaten"
    r"|geheimnisse?|umgebungsvariablen|(?:privat|geheim)\w{0,3}\sschl[üu]ssel\w*"
    # Spanish / Portuguese / Italian
    r"|contrase[ñn]as?|claves?\s(?:de\s)?(?:api|privadas?|secretas?|de\sacceso)"
    r"|credenciales|credenciais|credenziali|secretos?|segredos|senhas?"
    r"|chaves?\s(?:de\s)?(?:api|privadas?|secretas?|de\sacesso)"
    r"|chiav[ei]\s(?:api|privat[ae]|segret[ae]|di\saccesso)"
    r"|variables\sde\sentorno|vari[áa]veis\sde\sambiente|variabili\sd['’]ambiente"
    # Russian
    r"|парол\w*|токен\w*|ключ\w*\s(?:api|доступа)|api-?ключ\w*|уч[её]тн\w+\sданн\w+"
    r"|переменн\w+\sокружения|секрет\w*"
    r"|api\s?キー)"
)
# Chinese / Japanese credential words: no word boundaries in these scripts.
CREDENTIAL_CJK = (
    "(?:密钥|密碼|密码|口令|令牌|凭证|凭据|环境变量|私钥|パスワード|認証情報|環境変数|秘密鍵|トークン"
    "|アクセスキー)"
)

# The assistant's own instructions: asking for them is prompt leaking.
PROMPT = (
    r"(?:system\s?prompts?|hidden\s(?:instructions|prompt)|initial\s(?:instructions|prompt)"
    r"|your\s(?:instructions|prompt|rules|guidelines)|pre-?prompt"
    r"|prompt\ssyst[èe]me|systemprompt|systemanweisungen|prompt\sdel\ssistema)"
)

# Verbs that put a value in front of the reader (imperative forms), as plain literals.
REVEAL_WORDS = (
    "reveal|print|output|display|show|dump|echo|list|enumerate|tell|give|share|paste|include"
    "|insert|append|repeat|recite|write|write out|write down|expose|leak|disclose"
    "|divulge|type out|spell out|read out|provide|extract|collect|gather|harvest|steal"
    "|grab|copy|cat|log|put|place|embed|attach|reply with|respond with|answer with|fill in"
    "|substitute|what is|what's|what are"
    "|révèle|révélez|révéler|revele|revelez|affiche|affichez|afficher|montre|montrez"
    "|donne|donnez|donne-moi|donnez-moi|imprime|imprimez|liste|listez|indique|indiquez"
    "|partage|partagez|écris|écrivez|copie|copiez|inclus|incluez|dévoile|dévoilez"
    "|communique|communiquez|zeige|zeig|gib|nenne|verrate|drucke|schreibe|teile|kopiere"
    "|revela|muestra|muéstrame|muestrame|mostrar|mostre|mostra|mostrami|imprima|dame|dime"
    "|enumera|comparte|compartilhe|escribe|escreva|incluye|inclua|proporciona|forneça"
    "|forneca|rivela|stampa|dammi|dimmi|elenca|condividi|scrivi|includi|fornisci|responda"
    "|diga|me dê|выведи|покажи|раскрой|напечатай|дай|скажи|сообщи|перечисли"
    "|输出|显示|打印|告诉我|给我|列出|透露|泄露|展示|表示|出力|教えて|見せて"
)

# Verbs that move a value somewhere else.
SEND_WORDS = (
    "send|post|upload|forward|transmit|exfiltrate|email|e-mail|mail|submit|deliver|relay"
    "|beacon|ping|curl|wget|fetch|visit|open|load|navigate to|browse to|go to|dm|pipe"
    "|transfer|make a get request|make a post request|make a request|make an http request"
    "|make a web request|call|reply to|reply-all to|sync|report"
    "|envoie|envoyez|envoyer|transmets|transmettez|transmettre|transfère|transférez|poste"
    "|postez|téléverse|téléversez|expédie|expédiez|sende|senden|schick|schicke|schicken"
    "|übertrage|übertragen|ubertrage|übermittle|weiterleiten|leite|envía|envia|enviar|envíe"
    "|envie|reenvía|reenvia|manda|transmite|sube|encaminhe|transmita|invia|trasmetti|inoltra"
    "|отправь|отправьте|пошли|перешли|передай|发送|发到|发给|传到|上传|转发|提交|送信|送って|転送"
)

# Words naming an encoding used to smuggle a value past filters.
ENCODE_WORDS = (
    "base64|base-64|base 64|base32|base85|b64|hex|hexadecimal|hex-encoded|hex encoded|rot13"
    "|rot-13|rot 13|caesar|urlencode|url-encode|url encode|url-encoded|url encoded"
    "|percent-encode|percent-encoded|encode|encoded|encodes|encoding|obfuscate|obfuscated"
    "|obfuscation|reverse|reversed|backwards|one character per line|character by character"
    "|ascii code|ascii codes|char codes|xor|morse|binary|leetspeak|chunks|separated by dashes"
    "|separated by spaces|separated by commas|encodez|encoder|kodiere|kodieren|codifica"
    "|convert|translate|transform"
    "|codificar|codifique|编码|エンコード"
)


def words_pattern(words: str) -> str:
    """An expression matching any of the ``|``-separated literal ``words`` as whole words.

    Words in scripts written with spaces (Latin, Greek, Cyrillic) must stand alone; Chinese
    and Japanese words match anywhere. Longer words are tried first ("write out" before
    "write").
    """
    literals = sorted(words.split("|"), key=len, reverse=True)
    spaced = [re.escape(w).replace(r"\ ", r"\s+") for w in literals if ord(w[0]) < 0x0530]
    unspaced = [re.escape(w) for w in literals if ord(w[0]) >= 0x0530]
    alternatives = []
    if spaced:
        alternatives.append(r"(?<!\w)(?:" + "|".join(spaced) + r")(?!\w)")
    if unspaced:
        alternatives.append("|".join(unspaced))
    return "(?:" + "|".join(alternatives) + ")"


# Negations that turn a request into advice ("never share your password").
NEGATION = (
    r"(?:never|not|don['’]?t|doesn['’]?t|won['’]?t|cannot|can['’]?t|shouldn['’]?t|no\sone"
    r"|nobody|refuse\sto|ne\sjamais|jamais|nie|niemals|nicht|nunca|jam[áa]s"
    r"|non|mai|никогда|не|不要|切勿|绝不|しないで)"
)

# Words that mark text *about* attacks (articles, docs, detectors), not an attack; literals
# matched at the start of a word (``attack`` also covers "attackers").
META_WORDS = (
    "for example|for instance|e.g.|such as|looks like|like this|known as|so-called"
    "|phrases like|phrase like|phrases such as|payload|strings like|string like|example"
    "|attack|malicious|adversar|injection|jailbreak prompt|red team|red-team|researcher"
    "|classic|typical|technique|detector|detect|filter flags|filter blocks|filters flag"
    "|flags input|mitigat|defense|defence|vulnerab|owasp|phishing|scam|beware|regression test"
    "|test suite|like \"|like '|like “|like ‘|like «|like `|par exemple|exemple|beispiel"
    "|por ejemplo|ejemplo|esempio|exemplo|例如|比如"
)
