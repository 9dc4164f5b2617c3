"""The broker's own tables: namespaces, principals, tokens, policies, mounts, KV v2.

Secret values live only in ``kv_versions.ciphertext`` (AES-256-GCM, see
``credgate.adapters.crypto.barrier``); tokens only as keyed hashes.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from credgate.adapters.storage.schema import metadata

namespaces = Table(
    "namespaces",
    metadata,
    Column("path", String(600), primary_key=True),  # canonical: "acme/team-a/"
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64), nullable=True),
)

principals = Table(
    "principals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # operator | agent
    Column("namespace", String(600), nullable=False),
    Column("name", String(128), nullable=False),
    Column("owner", String(256), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="active"),
    Column("policies", Text, nullable=False, default="[]"),  # JSON list of policy names
    Column("max_autonomy", Integer, nullable=False, default=3, server_default="3"),
    Column("meta", Text, nullable=False, default="{}"),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64), nullable=True),
    Column("updated_at", Float, nullable=False),
    Index("uq_principals_namespace_name", "namespace", "name", unique=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("accessor", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("principal_id", String(64), ForeignKey("principals.id"), nullable=True),
    Column("principal_kind", String(16), nullable=False),
    Column("namespace", String(600), nullable=False),
    Column("policies", Text, nullable=False),  # JSON list
    Column("parent_accessor", String(64), nullable=True, index=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("max_expires_at", Float, nullable=True),
    Column("ttl", Float, nullable=True),
    Column("num_uses", Integer, nullable=False, default=0),
    Column("uses_left", Integer, nullable=False, default=0),
    Column("revoked_at", Float, nullable=True),
    Column("display_name", String(256), nullable=False, default=""),
    Column("meta", Text, nullable=False, default="{}"),
    Index("ix_tokens_principal", "principal_id"),
)

policies = Table(
    "policies",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("updated_by", String(64), nullable=True),
)

mounts = Table(
    "mounts",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("path", String(256), primary_key=True),  # "secret/"
    Column("type", String(32), nullable=False),  # "kv"
    Column("options", Text, nullable=False, default="{}"),  # JSON
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

kv_metadata = Table(
    "kv_metadata",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("mount", String(256), primary_key=True),
    Column("key", String(1024), primary_key=True),
    Column("current_version", Integer, nullable=False, default=0),
    Column("oldest_version", Integer, nullable=False, default=0),
    Column("max_versions", Integer, nullable=False, default=0),
    Column("cas_required", Boolean, nullable=False, default=False),
    Column(
        "custom_metadata", Text, nullable=False, default="{}"
    ),  # JSON: environment, data_class...
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

kv_versions = Table(
    "kv_versions",
    metadata,
    Column("namespace", String(600), primary_key=True),
    Column("mount", String(256), primary_key=True),
    Column("key", String(1024), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("ciphertext", LargeBinary, nullable=True),  # NULL once destroyed
    Column("created_at", Float, nullable=False),
    Column("deleted_at", Float, nullable=True),
    Column("destroyed", Boolean, nullable=False, default=False),
)
