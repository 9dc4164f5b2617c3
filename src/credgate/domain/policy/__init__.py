"""OpenBao-compatible ACL policies: parse HCL/JSON policies, compile them, answer requests.

``parse_policy`` reads a policy exactly as OpenBao 2.7 accepts it; ``ACL`` compiles the
policies of one token and answers ``capabilities`` (``sys/capabilities``) and ``authorize``
(a real request, raising :class:`credgate.errors.Denied`). See ``docs/concepts/policies.md``.
"""

from credgate.domain.policy.acl import ACL, OPERATIONS, Grant
from credgate.domain.policy.parse import canonical_namespace, parse_policy
from credgate.domain.policy.rules import CAPABILITIES, Policy, Rule, RuleKind, bits_to_names

__all__ = [
    "ACL",
    "CAPABILITIES",
    "OPERATIONS",
    "Grant",
    "Policy",
    "Rule",
    "RuleKind",
    "bits_to_names",
    "canonical_namespace",
    "parse_policy",
]
