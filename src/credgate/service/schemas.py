"""Request bodies, validated the same way for every door (HTTP, CLI, SDK, MCP).

Pydantic models with ``extra="forbid"``: an unknown field is an error, not silently ignored.
The OpenAPI document is generated from these models, so documentation and validation agree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from credgate.errors import InvalidRequest

Duration = int | str  # seconds, or "90s" / "15m" / "1h" / "7d"
Name = str


MAX_VERSION = 2**31 - 1  # versions are stored as 32-bit integers


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NamespaceCreate(Body):
    description: str = Field(default="", max_length=1024)
    mount_kv: bool = Field(
        default=True, description="Mount a KV version 2 engine at secret/ in the new namespace."
    )


class AgentCreate(Body):
    max_autonomy: int = Field(
        default=3, ge=0, le=3, description="The highest autonomy level the agent may get (0-3)."
    )
    owner: str = Field(
        min_length=1,
        max_length=256,
        description="The accountable human (e-mail or user name). Required.",
    )
    description: str = Field(default="", max_length=1024)
    policies: list[Name] = Field(default_factory=list, max_length=64)


class AgentUpdate(Body):
    max_autonomy: int | None = Field(default=None, ge=0, le=3)
    owner: str | None = Field(default=None, min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=1024)
    policies: list[Name] | None = Field(default=None, max_length=64)


class OperatorCreate(Body):
    description: str = Field(default="", max_length=1024)
    policies: list[Name] = Field(default_factory=list, max_length=64)


class TokenCreate(Body):
    agent: str | None = Field(
        default=None, max_length=128, description="Issue a token for this agent."
    )
    operator: str | None = Field(
        default=None, max_length=128, description="Issue a token for this operator."
    )
    policies: list[Name] | None = Field(default=None, max_length=64)
    no_default_policy: bool = False
    ttl: Duration | None = None
    max_ttl: Duration | None = None
    num_uses: int = Field(default=0, ge=0, le=1_000_000)
    display_name: str = Field(default="", max_length=256)
    meta: dict[str, str] = Field(default_factory=dict, max_length=32)


class TokenRenew(Body):
    increment: Duration | None = None


class AccessorBody(Body):
    accessor: str = Field(min_length=1, max_length=64)


class PolicyWrite(Body):
    policy: str = Field(min_length=1, max_length=65_536)


class CapabilitiesBody(Body):
    paths: list[str] | str = Field(description="Paths, or a comma-separated string of paths.")


class MountCreate(Body):
    type: Literal["kv"] = "kv"
    description: str = Field(default="", max_length=1024)
    options: dict[str, str] = Field(default_factory=dict, max_length=8)


class KVWriteOptions(Body):
    cas: int | None = Field(default=None, ge=0, le=MAX_VERSION)


class KVWrite(Body):
    data: dict[str, Any]
    options: KVWriteOptions = Field(default_factory=KVWriteOptions)


class KVVersions(Body):
    versions: list[Annotated[int, Field(ge=1, le=MAX_VERSION)]] = Field(
        min_length=1, max_length=1000
    )


class KVMetadataWrite(Body):
    max_versions: int | None = Field(default=None, ge=0, le=1000)
    cas_required: bool | None = None
    custom_metadata: dict[str, str] | None = Field(default=None, max_length=64)


class KVRollback(Body):
    version: int = Field(ge=1, le=MAX_VERSION)


class ApprovalDecision(Body):
    reason: str = Field(default="", max_length=1000)


class SessionTaint(Body):
    reason: str = Field(min_length=1, max_length=500)
    source: str = Field(
        default="api", max_length=64, description="Who flagged it: api, inspector, ..."
    )


class SessionInspect(Body):
    text: str = Field(
        min_length=1, max_length=1_048_576, description="Untrusted text the session read."
    )
    source: str = Field(
        default="api", max_length=64, description="Where it came from: web, email, tool..."
    )


class RiskConfigWrite(Body):
    config: str = Field(
        min_length=1, max_length=65_536, description="HCL or JSON risk configuration."
    )


class WebhookCreate(Body):
    url: str = Field(min_length=8, max_length=2048)
    format: Literal["json", "slack"] = "json"
    events: list[str] | None = Field(default=None, max_length=32)
    include_children: bool = False
    secret: str | None = Field(default=None, min_length=16, max_length=256)
    description: str = Field(default="", max_length=1024)


class AuditHash(Body):
    value: str = Field(min_length=1, max_length=65_536)


class ElevationProfileWrite(Body):
    policies: list[Name] = Field(
        min_length=1, max_length=32, description="The policies an elevation adds (never root)."
    )
    max_ttl: Duration = Field(description="The longest duration an agent may ask for (<= 7d).")
    approval_required: bool = True
    approvers_required: int = Field(
        default=1, ge=1, le=5, description="Distinct operators who must approve."
    )
    description: str = Field(default="", max_length=500)


class ElevationCreate(Body):
    profile: Name = Field(min_length=1, max_length=64)
    justification: str = Field(min_length=1, max_length=1000, description="Why; required.")
    duration: Duration = Field(description="How long the elevated token lives (<= max_ttl).")


class Reason(Body):
    reason: str = Field(default="", max_length=1000)


class ElevationActivate(Body):
    pass


class ProposalCreate(Body):
    path: str = Field(
        min_length=1, max_length=512, description="A policy path, e.g. secret/data/staging/x/*."
    )
    capabilities: list[str] = Field(min_length=1, max_length=8)
    justification: str = Field(min_length=1, max_length=1000)


class ProposalAccept(Body):
    policy: Name | None = Field(
        default=None,
        max_length=128,
        description="The policy the grant is appended to (default: proposal-<agent name>).",
    )
    reason: str = Field(default="", max_length=1000)


def parse_body(model: type[Body], raw: Any) -> Any:
    """Validate ``raw`` (decoded JSON) into ``model``; errors name the field, never echo values."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidRequest("the request body must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidRequest(
            f"{where}: {first['msg']}",
            hint=f"see the {model.__name__} schema in /v1/openapi.json",
        ) from None


class BrokerHttp(Body):
    """A brokered HTTP call: credgate substitutes ``{{secret "path#field"}}`` references in the
    URL's path and query, the header values and the body, makes the call, masks the answer."""

    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    url: str = Field(min_length=1, max_length=8192, description="http:// or https:// URL.")
    headers: dict[str, str] = Field(default_factory=dict, max_length=64)
    body: str | None = Field(default=None, description="Sent as is (UTF-8), after substitution.")
    timeout: float = Field(
        default=10.0, gt=0, description="Seconds to connect and per read; capped (60)."
    )
    max_response_bytes: int = Field(
        default=1 << 20, ge=1, description="Larger responses are refused; capped (10 MiB)."
    )
