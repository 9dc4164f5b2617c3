"""Tables for risk and autonomy (issue 4): namespace settings, sessions, approvals,
suggestions, elevation profiles, elevations and grant proposals.

Domain records are stored whole as JSON in ``record`` (see :mod:`.codec`); the columns beside
it are what queries filter on and what compare-and-set transitions check (``status``).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text

from credgate.adapters.storage.schema import metadata

namespace_settings = Table(
    "namespace_settings",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("risk_config", Text, nullable=False, default=""),  # HCL/JSON, see risk-and-autonomy.md
    Column("updated_at", Float, nullable=False),
    Column("updated_by", String(64), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("session_id", String(128), primary_key=True),
    Column("principal_id", String(64), nullable=True),
    Column("tainted", Boolean, nullable=False, default=False),
    Column("reasons", Text, nullable=False, default="[]"),  # JSON list of {time, by, reason}
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # approval | suggestion
    Column("namespace", String(600), nullable=False),
    Column("principal_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("record", Text, nullable=False),
    Index("ix_approvals_namespace_status", "namespace", "status"),
)

elevation_profiles = Table(
    "elevation_profiles",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("record", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

elevations = Table(
    "elevations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("namespace", String(600), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("record", Text, nullable=False),
    Index("ix_elevations_namespace_status", "namespace", "status"),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("namespace", String(600), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("record", Text, nullable=False),
)

# Taint that follows a token lineage (issue 15): the key is the lineage root, the agent's
# top-most token in a chain of its own tokens (children and elevations share their root).
token_taints = Table(
    "token_taints",
    metadata,
    Column("accessor", String(64), primary_key=True),
    Column("namespace", String(600), nullable=False),
    Column("principal_id", String(64), nullable=True),
    Column("reasons", Text, nullable=False, default="[]"),  # JSON list of {time, by, reason}
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Each audit writer's chain head, checkpointed periodically (issue 15): verify compares every
# chain's tail with it, so a truncated or re-written tail is found without an operator anchor.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("writer", String(200), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", Float, nullable=False),
)
