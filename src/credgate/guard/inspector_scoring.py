"""From rule matches to weighted findings: pairs, clusters and combinations.

A credential word is not evidence; "print the API key" is a request for one; "send the API
key to https://..." is exfiltration; any of those next to a line that addresses the
assistant, overrides its instructions, asks for secrecy or sits in hidden text is an
injection. This module turns matches (:class:`Evidence`) into :class:`Finding` objects:

1. rules that count on their own (overrides, role markers, secrecy...) become findings with
   their weight times the context factor;
2. verbs pair with the credential, prompt or channel they govern (same sentence, verb first,
   not negated); an imperative verb weighs more than a described one;
3. matches closer than :data:`CLUSTER_GAP` characters form a cluster; a cluster holding an
   instruction framing *and* a credential or tool action, or holding either inside hidden
   text, yields a combination finding.

Findings of one category do not add up (ten quoted payloads are one piece of evidence);
:mod:`credgate.guard.inspector` combines categories.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from credgate.guard.injection_rules import (
    ADDRESS,
    CHANNEL,
    CRED,
    ENCODE_WORD,
    EXFIL,
    OVERRIDE,
    PROMPT_TARGET,
    REVEAL_VERB,
    ROLEPLAY,
    SECRECY,
    SEND_VERB,
    TOOL,
    Rule,
)
from credgate.guard.injection_vocab import NEGATION

CLUSTER_GAP = 250
OBJECT_REACH = 100  # a verb governs a credential this far after it
CHANNEL_REACH = 220  # a send verb reaches a channel this far after it
_FRAMING = frozenset({OVERRIDE, ADDRESS, SECRECY, ROLEPLAY})
# Tool rules only an agent can act on (its memory, prompt, approvals): they frame like an
# address does. Adding an MCP server or running a command also fits a README for humans.
_AGENT_ONLY = frozenset({"tool.reconfigure", "tool.approve"})

_IMPERATIVE = re.compile(
    r"(?:[.!?]\s+|[\n:;>\]\)•*—–\-\"'“‘«(`|]\s*|\n\s*(?:[-*•]|\d+[.)])\s*|,\s*"
    r"|\b(?:please|kindly|now|then|and|also|first|next|finally|immediately|just|simply|always"
    r"|you\s(?:must|should|shall|will|need\sto|have\sto|are\sto|are\srequired\sto|can\snow)"
    r"(?:\s(?:now|also|then|immediately|first))?|need\syou\sto|want\syou\sto|make\ssure\sto"
    r"|be\ssure\sto|remember\sto|forget\sto|(?:task|job|goal)\sis\sto|required\sto"
    r"|expected\sto|instructed\sto|asked\sto)\s+)\Z",
    re.IGNORECASE,
)
_NEGATED = re.compile(rf"(?<!\w){NEGATION}(?!\w)[^.!?\n]{{0,25}}\Z", re.IGNORECASE)
_BREAK = re.compile(
    r"[.!?。！？](?:\s|$)|\n\s*\n|\\n|</?(?:p|br|li|div|h\d|tr|td|ul|ol)\b|\"\s*[,}\]]",
    re.IGNORECASE,
)
# Send verbs that only move data when they have somewhere to go (a URL, an address).
_NEEDS_CHANNEL = frozenset(
    {
        "fetch",
        "call",
        "open",
        "load",
        "visit",
        "navigate to",
        "browse to",
        "go to",
        "ping",
        "curl",
        "wget",
        "sync",
        "report",
        "pipe",
        "beacon",
        "dm",
        "relay",
        "make a get request",
        "make a post request",
        "make a request",
        "make an http request",
        "make a web request",
    }
)
_ENCODE_VERBS = frozenset(
    {
        "encode",
        "encodez",
        "encoder",
        "kodiere",
        "kodieren",
        "codifica",
        "codificar",
        "codifique",
        "convert",
        "translate",
        "transform",
        "reverse",
        "obfuscate",
        "xor",
        "urlencode",
        "url-encode",
        "percent-encode",
        "编码",
        "エンコード",
    }
)
_CODE_BEFORE = frozenset("._/$\\")
_PRONOUN = re.compile(
    r"\s*(?:it|them|this|that|these|those|everything|all\sof\s(?:it|them)|its\svalue"
    r"|their\svalues|the\s(?:value|values|result|results|output|contents?|file|data))\b",
    re.IGNORECASE,
)
_STRONG_TARGET = re.compile(
    r"id_rsa|id_ed25519|\.ssh|\.aws|credentials|\.env\b|\.npmrc|\.netrc|\.pypirc|kubeconfig"
    r"|private[\s_-]?keys?|secret[\s_-]?(?:access[\s_-]?)?keys?|printenv|environ|process\.env"
    r"|environment\s?variables|env\s?vars|\$\(|_secret|_token|_key\b|master\s?key"
    r"|root\s?password|seed\s?phrase|\b(?:all|every|each|any)\b",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"header|authori[sz]ation\s*:|\bbearer\b|basic\sauth|x-api-key|--header|\s-H\s", re.IGNORECASE
)
_IMAGE_BEFORE = re.compile(
    r"(?:!\[[^\]\n]{0,200}\]\(\s*|<img\b[^>]{0,200}\bsrc\s*=\s*[\"']?)\Z", re.IGNORECASE
)


class Damping(Protocol):
    """Where a match stands lowers its weight (see :mod:`credgate.guard.inspector_context`)."""

    def factor(self, start: int, end: int, *, hidden: bool = False) -> float: ...


@dataclass(frozen=True, slots=True)
class Constant:
    """The same factor everywhere (decoded blobs: their surroundings were weighed already)."""

    value: float = 1.0

    def factor(self, start: int, end: int, *, hidden: bool = False) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class Evidence:
    """A rule match: ``start``/``end`` in the scanned text, ``span`` in the caller's text.
    ``hidden`` names the hidden region or encoding it was found in."""

    rule: Rule
    start: int
    end: int
    span: tuple[int, int]
    damping: Damping
    hidden: str | None = None

    @property
    def factor(self) -> float:
        return self.damping.factor(self.start, self.end, hidden=self.hidden is not None)


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    description: str
    category: str
    start: int
    end: int
    weight: float


def score(text: str, evidence: list[Evidence]) -> list[Finding]:
    """Findings for the matches of one text (the document itself or a decoded blob)."""
    findings: list[Finding] = []
    actions: list[Evidence] = []  # evidence that an action on credentials/tools is asked
    for e in evidence:
        if e.rule.weight > 0:
            findings.append(
                _finding(e.rule.id, e.rule.description, e.rule.category, [e], e.rule.weight)
            )
        if e.rule.kind in (EXFIL, TOOL):
            actions.append(e)
        if e.rule.id == "exfil.url_placeholder" and _IMAGE_BEFORE.search(
            text, max(0, e.start - 240), e.start
        ):
            findings.append(
                _finding(
                    "exfil.markdown_image",
                    "an image or link whose URL carries a credential "
                    "slot: rendering it sends the value out",
                    "exfiltration",
                    [e],
                    0.75,
                )
            )
    for pair, weight, rule_id, description, category in _pairs(text, evidence):
        findings.append(_finding(rule_id, description, category, pair, weight))
        if weight >= 0.25:
            actions.extend(pair)
    findings += _clusters(evidence, {id(e) for e in actions})
    return findings


def _finding(
    rule_id: str, description: str, category: str, parts: list[Evidence], weight: float
) -> Finding:
    start = min(p.span[0] for p in parts)
    end = max(p.span[1] for p in parts)
    factor = max(p.factor for p in parts)
    return Finding(rule_id, description, category, start, end, round(weight * factor, 4))


def _pairs(
    text: str, evidence: list[Evidence]
) -> Iterable[tuple[list[Evidence], float, str, str, str]]:
    objects = [e for e in evidence if e.rule.kind in (CRED, PROMPT_TARGET)]
    channels = [e for e in evidence if e.rule.kind in (CHANNEL, EXFIL)]
    verbs = [e for e in evidence if e.rule.kind in (REVEAL_VERB, SEND_VERB, ENCODE_WORD)]
    object_starts = [o.start for o in objects]
    channel_starts = [c.start for c in channels]
    for n, verb in enumerate(verbs):
        kind = verb.rule.kind
        if (verb.start and text[verb.start - 1] in _CODE_BEFORE) or text.startswith("(", verb.end):
            continue  # code, not prose: client.secrets.read(), print(token)
        if _NEGATED.search(text, max(0, verb.start - 48), verb.start):
            continue
        word = " ".join(text[verb.start : verb.end].lower().split())
        imperative = ord(text[verb.start]) >= 0x2E80 or bool(
            _IMPERATIVE.search("\n" + text[max(0, verb.start - 60) : verb.start])
        )
        limit = verbs[n + 1].start if n + 1 < len(verbs) else len(text)
        obj = _object(text, verb, objects, object_starts, limit)
        if obj is None:
            continue
        strong = bool(_STRONG_TARGET.search(text, max(0, obj.start - 30), obj.end))
        damp = 0.3 if _HEADER.search(text, min(verb.start, obj.start), obj.end + 60) else 1.0
        if kind == ENCODE_WORD:
            if obj.rule.kind == CRED:
                weight = 0.5 if imperative and word in _ENCODE_VERBS else 0.2
                yield (
                    [verb, obj],
                    weight * damp,
                    "encode.credential",
                    (
                        "asks to encode a credential (base64, hex, rot13...), a way to smuggle it "
                        "past filters"
                    ),
                    "encoding",
                )
            continue
        if obj.rule.kind == PROMPT_TARGET:
            if kind == REVEAL_VERB:
                yield (
                    [verb, obj],
                    0.35 if imperative else 0.15,
                    "request.prompt_leak",
                    ("asks the assistant to reveal its own instructions"),
                    "credential_request",
                )
            continue
        channel = _channel(text, verb, channels, channel_starts)
        if channel is not None:
            base = 0.65 if kind == SEND_VERB else 0.5
            damp = 0.3 if _HEADER.search(text, verb.start, channel.end + 40) else 1.0
            yield (
                [verb, obj, channel],
                base * (1.0 if imperative else 0.6) * damp,
                ("exfil.send_credential"),
                "asks to send a credential to an outside address",
                "exfiltration",
            )
        elif kind == SEND_VERB:
            if word not in _NEEDS_CHANNEL:
                yield (
                    [verb, obj],
                    (0.3 if imperative else 0.15) * damp,
                    "exfil.send_credential",
                    ("asks to send a credential somewhere"),
                    "exfiltration",
                )
        else:
            weight = (0.5 if strong else 0.3) if imperative else (0.25 if strong else 0.12)
            yield (
                [verb, obj],
                weight * damp,
                "request.reveal_credential",
                ("asks to show or hand over a credential"),
                "credential_request",
            )


def _object(
    text: str, verb: Evidence, objects: list[Evidence], starts: list[int], limit: int
) -> Evidence | None:
    """The credential or prompt the verb governs: after it in the same clause, before the
    next verb; for "send it to..." or an encoding word, the one just before it. ``starts``
    are the objects' start offsets (the objects are sorted by start)."""
    i = bisect.bisect_left(starts, verb.end)
    if i < len(objects):
        obj = objects[i]
        near = obj.start < limit and obj.start - verb.end <= OBJECT_REACH
        if near and not _BREAK.search(text, verb.end, obj.start):
            return obj
    if verb.rule.kind == ENCODE_WORD or (
        verb.rule.kind == SEND_VERB and _PRONOUN.match(text, verb.end)
    ):
        j = bisect.bisect_left(starts, verb.start) - 1
        while j >= 0 and objects[j].end > verb.start:
            j -= 1
        near = j >= 0 and verb.start - objects[j].end <= OBJECT_REACH + 60
        if near and not _BREAK.search(text, objects[j].end, verb.start):
            return objects[j]
    return None


def _channel(
    text: str, verb: Evidence, channels: list[Evidence], starts: list[int]
) -> Evidence | None:
    i = bisect.bisect_left(starts, verb.end)
    if i < len(channels):
        channel = channels[i]
        if channel.start - verb.end <= CHANNEL_REACH and not _BREAK.search(
            text, verb.end, channel.start
        ):
            return channel
    return None


def _clusters(evidence: list[Evidence], actions: set[int]) -> list[Finding]:
    findings: list[Finding] = []
    cluster: list[Evidence] = []
    reach = -1
    for e in sorted(evidence, key=lambda e: e.start):
        if cluster and e.start - reach > CLUSTER_GAP:
            findings += _combine(cluster, actions)
            cluster = []
        cluster.append(e)
        reach = max(reach, e.end)
    if cluster:
        findings += _combine(cluster, actions)
    return findings


def _combine(cluster: list[Evidence], actions: set[int]) -> list[Finding]:
    framing = [
        e
        for e in cluster
        if (e.rule.kind in _FRAMING or e.rule.id in _AGENT_ONLY) and e.rule.weight > 0
    ]
    acting = [e for e in cluster if id(e) in actions]
    hidden = [e for e in cluster if e.hidden is not None]
    out: list[Finding] = []
    if framing and acting:
        out.append(
            _finding(
                "combo.instruction_with_target",
                "an instruction aimed at the assistant asks "
                "for credentials, a tool change or an outside channel",
                "combination",
                framing + acting,
                0.8,
            )
        )
    elif len({e.rule.kind for e in framing}) > 1:
        has_override = any(e.rule.kind == OVERRIDE for e in framing)
        out.append(
            _finding(
                "combo.framed_instruction",
                "two framings of an injected instruction "
                "together (override, addressing, secrecy, role-play)",
                "combination",
                framing,
                0.7 if has_override else 0.6,
            )
        )
    meaningful = [e for e in hidden if e.rule.weight > 0 or id(e) in actions]
    if meaningful:
        where = meaningful[0].hidden or ""
        out.append(
            _finding(
                "combo.hidden_instruction",
                f"instruction-like text hidden in {where}",
                "combination",
                meaningful,
                0.8,
            )
        )
    return out
