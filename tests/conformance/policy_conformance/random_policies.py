"""Random policy sets over a small segment alphabet, so that their rules overlap, and probe
paths built to land on the edges of those rules.

Everything is drawn from one ``random.Random``: the same seed gives the same cases.
"""

from __future__ import annotations

import random

from policy_conformance.cases import CapabilityCase, PolicySpec

COMMON_SEGMENTS = ("secret", "secret", "a", "ab", "b", "data", "x", "foo")
RARE_SEGMENTS = (
    "ü",
    "Secret",
    "A",
    "..",
    "+a",
    "a+b",
    "*",
    "日本",
    "a b",
    "*+",
    "{{identity.entity.id}}",
)
CAPABILITIES = ("create", "read", "update", "delete", "list", "patch", "sudo", "scan")
CAPABILITY_WEIGHTS = (2, 5, 3, 2, 4, 2, 2, 2)
OLD_STYLE = ("read", "write", "sudo", "deny")
PROBE_TAILS = ("", "x", "a", "/y", "b/c", "ab", "/", "/a/")
NAMESPACES = ("ns1/", "ns1/ns2/", "ns3/")


def _segment(rng: random.Random, plus_chance: float) -> str:
    roll = rng.random()
    if roll < plus_chance:
        return "+"
    if roll < plus_chance + 0.07:
        return rng.choice(RARE_SEGMENTS)
    return rng.choice(COMMON_SEGMENTS)


def _raw_rule_path(rng: random.Random) -> str:
    special = rng.random()
    if special < 0.03:
        return "*"
    if special < 0.05:
        return "+"
    if special < 0.06:
        return rng.choice(("", "/*", "+/*"))
    count = rng.choices((1, 2, 3, 4), weights=(2, 4, 3, 1))[0]
    segments = [_segment(rng, 0.1)]
    if segments[0] != "+" and rng.random() < 0.5:
        segments[0] = "secret"
    segments += [_segment(rng, 0.2) for _ in range(count - 1)]
    path = "/".join(segments)
    ending = rng.choices(
        ("exact", "glob", "slash-glob", "slash", "double-glob", "plus-glob"),
        weights=(40, 15, 25, 7, 3, 3),
    )[0]
    if ending == "glob" and not path.endswith("+"):
        path += "*"
    elif ending in ("glob", "slash-glob"):
        path += "/*"
    elif ending == "slash":
        path += "/"
    elif ending == "double-glob":
        path += "**"
    elif ending == "plus-glob":
        path += "/+/*"
    if rng.random() < 0.05 and "/" in path:
        cut = rng.choice([i for i, ch in enumerate(path) if ch == "/"])
        path = path[:cut] + "/" + path[cut:]
    return path


def rule_path(rng: random.Random) -> str:
    """A rule path OpenBao accepts (never containing ``+*``), sometimes with leading slashes."""
    while True:
        path = _raw_rule_path(rng)
        if "+*" not in path:
            break
    lead = rng.random()
    if lead < 0.15:
        path = "/" + path
    elif lead < 0.17:
        path = "//" + path
    return path


def _capability_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []
    roll = rng.random()
    if roll < 0.06:
        caps: list[str] | None = []
    elif roll < 0.22:
        caps = ["deny"]
    elif roll < 0.25:
        caps = rng.sample(("read", "list", "update"), 1)
        caps.insert(rng.randrange(2), "deny")
    elif roll < 0.27:
        caps = None
    else:
        caps = sorted(
            set(rng.choices(CAPABILITIES, weights=CAPABILITY_WEIGHTS, k=rng.randint(1, 3)))
        )
        rng.shuffle(caps)
    if rng.random() < 0.1:
        lines.append(f'policy = "{rng.choice(OLD_STYLE)}"')
        if caps is not None and rng.random() < 0.5:
            caps = None
    if caps is not None:
        lines.append("capabilities = [" + ", ".join(f'"{c}"' for c in caps) + "]")
    if rng.random() < 0.06:
        lines.append(
            rng.choice(
                (
                    'allowed_parameters = { "foo" = ["a"] }',
                    'denied_parameters = { "*" = [] }',
                    'required_parameters = ["foo"]',
                    'max_wrapping_ttl = "1h"',
                    'expiration = "2000-01-01T00:00:00Z"',
                    'expiration = "2999-01-01T00:00:00Z"',
                )
            )
        )
    return lines


def policy_text(rng: random.Random, paths: list[str]) -> str:
    """HCL for one block per path, in order, with random capabilities and layout."""
    blocks = []
    for path in paths:
        lines = _capability_lines(rng)
        if not lines:
            blocks.append(f'path "{path}" {{}}')
        elif len(lines) <= 2 and rng.random() < 0.7:
            blocks.append(f'path "{path}" {{ {" ".join(lines)} }}')
        else:
            body = "".join(f"  {line}\n" for line in lines)
            blocks.append(f'path "{path}" {{\n{body}}}')
    return "\n".join(blocks) + "\n"


def _toggle_leading_slash(rng: random.Random, path: str) -> str:
    if rng.random() >= 0.2:
        return path
    if path.startswith("/") and not path.startswith("//"):
        return path[1:]
    return "/" + path if not path.startswith("/") else path


def _instantiate(rng: random.Random, rule: str) -> str:
    """A concrete path the rule may match: ``+`` filled in, a trailing ``*`` expanded."""
    stem = rule[:-1] if rule.endswith("*") else rule
    parts = [
        rng.choice((*COMMON_SEGMENTS, "", "zz")) if part == "+" else part
        for part in stem.split("/")
    ]
    path = "/".join(parts)
    if rule.endswith("*"):
        path += rng.choice(PROBE_TAILS)
    return path


def _probe_variants(rng: random.Random, rule: str) -> list[str]:
    normal = rule[1:] if rule.startswith("/") else rule
    concrete = _instantiate(rng, normal)
    variants = [normal, concrete, concrete + "/", concrete + "/" + rng.choice(COMMON_SEGMENTS)]
    if len(concrete) > 1:
        variants.append(concrete[:-1])
    if "/" in concrete:
        cut = rng.choice([i for i, ch in enumerate(concrete) if ch == "/"])
        variants.append(concrete[:cut] + "/" + concrete[cut:])
        variants.append(concrete[:cut] + "/.." + concrete[cut:])
    variants += ["/" + concrete, "//" + concrete, concrete.swapcase(), concrete + "//"]
    variants.append(_instantiate(rng, normal))
    return variants


def probes_for(rng: random.Random, rules: list[str], limit: int) -> tuple[str, ...]:
    """Up to ``limit`` distinct probe paths around ``rules``, plus a few generic ones."""
    pool: list[str] = []
    for rule in rules:
        pool += _probe_variants(rng, rule)
    rng.shuffle(pool)
    generic = ["secret/", "x", "/", rng.choice(COMMON_SEGMENTS) + "/" + rng.choice(PROBE_TAILS)]
    chosen: list[str] = []
    for probe in [*pool, *rng.sample(generic, 2)]:
        if probe.strip() and probe == probe.strip() and probe not in chosen:
            chosen.append(probe)
        if len(chosen) >= limit:
            break
    return tuple(chosen)


def random_case(rng: random.Random, case_id: str, *, namespaced: bool = False) -> CapabilityCase:
    """1-4 policies of 1-8 blocks drawn from a shared pool of 2-8 rule paths."""
    pool = [rule_path(rng) for _ in range(rng.randint(2, 8))]
    token_namespace = request_namespace = ""
    if namespaced:
        token_namespace = rng.choice(NAMESPACES[:2])
        request_namespace = rng.choice(("", *NAMESPACES))
        pool += [rng.choice(("ns2/", "+/", "ns1/")) + rule_path(rng).lstrip("/")]
    policies = []
    for index in range(rng.choices((1, 2, 3, 4), weights=(4, 3, 2, 1))[0]):
        paths = [
            _toggle_leading_slash(rng, rng.choice(pool) if rng.random() < 0.85 else rule_path(rng))
            for _ in range(rng.randint(1, 8))
        ]
        policies.append(PolicySpec(f"{case_id}-p{index}", policy_text(rng, paths), token_namespace))
    rules = sorted({p for spec in policies for p in _paths_of(spec.text)})
    probes = list(probes_for(rng, rules, limit=rng.randint(8, 16)))
    if namespaced:
        probes += [rng.choice(("ns2/", "ns1/")) + p.lstrip("/") for p in probes[:3]]
        probes = list(dict.fromkeys(probes))
    return CapabilityCase(
        id=case_id,
        policies=tuple(policies),
        probes=tuple(probes),
        namespace=request_namespace,
        token_namespace=token_namespace,
    )


TOURNAMENT_SEGMENTS = ("b", "c", "bb", "x+y", "b")


def _tournament_rule(rng: random.Random, target: list[str]) -> str:
    segments = [seg if i == 0 or rng.random() < 0.55 else "+" for i, seg in enumerate(target)]
    roll = rng.random()
    if roll < 0.25:
        return "/".join(segments[: rng.randint(1, len(segments) - 1)]) + "/*"
    if roll < 0.35:
        cut = rng.randint(1, len(segments) - 1)
        return "/".join(segments[:cut]) + "/" + target[cut][:1] + "*"
    return "/".join(segments)


def tournament_case(rng: random.Random, case_id: str) -> CapabilityCase:
    """3-6 rules (``+`` segments, globs, exact) that all match one target path, with
    different capabilities, so the probes show which rule wins the priority order (§4.4)."""
    target = ["a"] + [rng.choice(TOURNAMENT_SEGMENTS) for _ in range(rng.randint(2, 4))]
    rules: list[str] = []
    for _ in range(40):
        rule = _tournament_rule(rng, target)
        if "+*" not in rule and rule not in rules:
            rules.append(rule)
        if len(rules) >= rng.randint(3, 6):
            break
    blocks = []
    for rule in rules:
        caps = rng.sample(CAPABILITIES, rng.randint(1, 2)) if rng.random() < 0.85 else ["deny"]
        quoted = ", ".join(f'"{c}"' for c in caps)
        blocks.append(f'path "{rule}" {{ capabilities = [{quoted}] }}\n')
    split = rng.randint(1, len(blocks))
    texts = ["".join(blocks[:split]), "".join(blocks[split:])]
    policies = tuple(PolicySpec(f"{case_id}-p{i}", text) for i, text in enumerate(texts) if text)
    path = "/".join(target)
    changed = list(target)
    changed[rng.randrange(1, len(target))] = rng.choice(TOURNAMENT_SEGMENTS)
    probes = [path, path + "/", path + "/b", "/".join(target[:-1]), "/".join(changed)]
    probes += [_instantiate(rng, rule) for rule in rules]
    return CapabilityCase(id=case_id, policies=policies, probes=tuple(dict.fromkeys(probes)))


def _paths_of(text: str) -> list[str]:
    """The rule paths of a policy this module wrote (``path "<p>" {`` at a line start)."""
    found = []
    for line in text.splitlines():
        if line.startswith('path "'):
            found.append(line[len('path "') : line.index('" {')])
    return found
