"""The vocabulary shared by the input inspector's rules: :class:`Rule`, :class:`Hit`, kinds.

A :class:`Rule` matches one kind of phrase (an override, a form of address, a credential
word, a verb...). ``weight`` is its weight as evidence on its own; 0 means it only counts in
combination (a credential word alone is not suspicious, "send the API key to URL" is; the
combinations live in :mod:`credgate.guard.inspector_scoring`). Rule ids are stable: they
are what ``credgate inspect`` reports.

Finding a rule's matches fast (see :mod:`credgate.guard.inspector_scan`): ``starts`` are
lowercase literals every match begins with, the scanner tries the expression only where one
occurs; a rule whose matches begin anywhere names ``anchors`` instead, literals found inside
every match, and is searched within ``radius`` characters of them. ``before``, when set, is
an expression the text just before a match must end with (line starts, sentence starts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FLAGS = re.IGNORECASE | re.MULTILINE

# Kinds: what a match is, used by the combination rules.
OVERRIDE = "override"
ADDRESS = "address"
CRED = "credential"
PROMPT_TARGET = "prompt"
REVEAL_VERB = "reveal"
SEND_VERB = "send"
CHANNEL = "channel"
EXFIL = "exfil"
ENCODE_WORD = "encode"
TOOL = "tool"
ROLEPLAY = "roleplay"
SECRECY = "secrecy"
# Kinds only searched near a credential, prompt or channel (they are common words).
NEAR_TARGET_KINDS = frozenset({REVEAL_VERB, SEND_VERB, ENCODE_WORD})


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    category: str
    weight: float
    description: str
    pattern: str
    starts: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    radius: int = 0
    before: str = ""


def _split(literals: str) -> tuple[str, ...]:
    return tuple(filter(None, literals.split("|")))


def rule(
    rule_id: str,
    kind: str,
    category: str,
    weight: float,
    text: str,
    pattern: str,
    *,
    starts: str = "",
    anchors: str = "",
    radius: int = 0,
    before: str = "",
) -> Rule:
    """A :class:`Rule`; ``starts`` and ``anchors`` are ``|``-separated lowercase literals."""
    return Rule(
        rule_id,
        kind,
        category,
        weight,
        text,
        pattern,
        _split(starts),
        _split(anchors),
        radius,
        before,
    )


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule match: ``start``/``end`` index the text the rules ran on."""

    rule: Rule
    start: int
    end: int
