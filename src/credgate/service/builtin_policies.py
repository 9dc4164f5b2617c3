"""Built-in policies."""

from __future__ import annotations

ROOT_POLICY = "root"
DEFAULT_POLICY = "default"

# Every token carries ``default`` unless created with no_default_policy (as in OpenBao).
DEFAULT_POLICY_TEXT = """\
# Built-in: what every token may do with itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
path "sys/capabilities-self" {
  capabilities = ["update"]
}
# An agent may follow its own approval requests (the service shows each agent only its own)
# and flag its own session as tainted after reading untrusted text.
path "sys/approvals/+" {
  capabilities = ["read"]
}
path "sys/sessions/+/taint" {
  capabilities = ["update"]
}
path "sys/sessions/+/inspect" {
  capabilities = ["update"]
}
# An agent may see the elevation profiles, ask for an elevation, follow its own, activate and
# give back its own, and propose a grant and follow it. The service shows an agent only its
# own records; only operators approve, deny, accept or reject.
path "sys/elevation-profiles/" {
  capabilities = ["list"]
}
path "sys/elevation-profiles/+" {
  capabilities = ["read"]
}
path "sys/elevations" {
  capabilities = ["update"]
}
path "sys/elevations/" {
  capabilities = ["list"]
}
path "sys/elevations/+" {
  capabilities = ["read"]
}
path "sys/elevations/+/activate" {
  capabilities = ["update"]
}
path "sys/elevations/+/revoke" {
  capabilities = ["update"]
}
path "sys/proposals" {
  capabilities = ["update"]
}
path "sys/proposals/" {
  capabilities = ["list"]
}
path "sys/proposals/+" {
  capabilities = ["read"]
}
"""
