"""A brokered HTTP request before and after its secrets are filled in.

:func:`plan_request` checks what the agent sent (URL, headers, body), finds the secret
references in it and says where the call goes; :meth:`RequestPlan.render` fills in the values
once the pipeline has fetched them. Nothing here does I/O.

Where references may appear:

- the URL's path and query (values are percent-encoded there); never in the scheme,
  user-info, host or port, so a value can never choose where it is sent, nor leak through a
  DNS lookup;
- header values (as is; a value with a line break or NUL is refused: header injection);
- the body (as is).

:meth:`RequestPlan.binding` is what an approval for the call is bound to: the method, the URL
template, every header (name in lower case, value template) but a few reference-free
transport ones (:data:`UNBOUND_HEADERS`), and the body template's SHA-256 and length.
Templates hold references, never values, so the binding holds none either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from credgate.domain.egress import normalise_host
from credgate.domain.secret_refs import (
    MAX_REFERENCES,
    Placeholder,
    SecretRef,
    find_references,
    substitute,
)
from credgate.errors import InvalidRequest
from credgate.service import schemas as s

__all__ = ["UNBOUND_HEADERS", "RenderedRequest", "RequestPlan", "plan_request"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}\Z")
#: Headers credgate sets itself (or that would let a request smuggle another one).
_RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
    }
)
_BAD_HEADER_CHARS = re.compile(r"[\r\n\x00]")
#: Transport headers an approval is not bound to, when they hold no secret reference: they
#: change how an answer is encoded or cached, not what the call does (a client library may
#: set its own). Any other header, and these with a reference, is part of the binding.
UNBOUND_HEADERS = frozenset(
    {"accept", "accept-encoding", "accept-language", "user-agent", "cache-control", "pragma"}
)


@dataclass(frozen=True)
class RenderedRequest:
    """The request as it will be sent: holds secret values, so its repr shows none."""

    method: str
    url: httpx.URL
    headers: list[tuple[str, str]]
    body: bytes | None

    def __repr__(self) -> str:
        return f"RenderedRequest(method={self.method!r}, host={self.url.host!r})"


@dataclass(frozen=True)
class RequestPlan:
    """A checked request template: where it goes and which secrets it needs (no values)."""

    method: str
    scheme: str
    host: str  # normalised (lower case, no brackets)
    port: int  # explicit or the scheme's default
    url: str
    url_refs: tuple[Placeholder, ...]
    headers: tuple[tuple[str, str, tuple[Placeholder, ...]], ...]
    body: str | None
    body_refs: tuple[Placeholder, ...]

    @property
    def refs(self) -> tuple[SecretRef, ...]:
        """Every distinct reference, in order of first appearance."""
        seen: dict[SecretRef, None] = {}
        for ph in self.url_refs:
            seen.setdefault(ph.ref, None)
        for _, _, refs in self.headers:
            for ph in refs:
                seen.setdefault(ph.ref, None)
        for ph in self.body_refs:
            seen.setdefault(ph.ref, None)
        return tuple(seen)

    @property
    def target(self) -> str:
        """``host:port`` as audited and shown in messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def binding(self) -> dict[str, Any]:
        """What an approval of this call is bound to (see the module's docstring)."""
        headers = sorted(
            [name.lower(), template]
            for name, template, refs in self.headers
            if refs or name.lower() not in UNBOUND_HEADERS
        )
        return {
            "method": self.method,
            "url": self.url,
            "host": self.target,
            "headers": headers,
            "body": self.body_digest(),
        }

    def body_digest(self) -> dict[str, Any] | None:
        """The body template's SHA-256 and length in bytes (None without a body)."""
        if self.body is None:
            return None
        data = self.body.encode("utf-8", "surrogatepass")
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    def render(self, values: Mapping[SecretRef, str]) -> RenderedRequest:
        """The request with every reference replaced by its value."""
        url = httpx.URL(
            substitute(self.url, self.url_refs, values, encode=lambda v: quote(v, safe=""))
        )
        headers: list[tuple[str, str]] = []
        for name, template, refs in self.headers:
            value = substitute(template, refs, values)
            if _BAD_HEADER_CHARS.search(value):
                used = ", ".join(str(ph.ref) for ph in refs)
                raise InvalidRequest(
                    f"the header {name!r} would contain a line break or NUL after substituting "
                    f"{used}",
                    hint="a secret with line breaks cannot be sent in a header",
                )
            headers.append((name, value))
        body = None
        if self.body is not None:
            body = substitute(self.body, self.body_refs, values).encode("utf-8")
        return RenderedRequest(self.method, url, headers, body)


def _authority_end(url: str, refs: list[Placeholder]) -> int:
    """Index where the URL's authority ends, with references blanked out first."""
    blanked = list(url)
    for ph in refs:
        blanked[ph.start : ph.end] = "x" * (ph.end - ph.start)
    text = "".join(blanked)
    scheme_end = text.find("://")
    if scheme_end < 0:
        raise InvalidRequest("the url must be absolute: http://host/... or https://host/...")
    start = scheme_end + 3
    ends = [i for i in (text.find(c, start) for c in "/?#") if i >= 0]
    return min(ends) if ends else len(text)


def plan_request(body: s.BrokerHttp) -> RequestPlan:
    """Check a brokered request; :class:`InvalidRequest` for anything malformed."""
    url_refs = find_references(body.url, where="url")
    authority_end = _authority_end(body.url, url_refs)
    if any(ph.start < authority_end for ph in url_refs):
        raise InvalidRequest(
            "a secret reference may not be part of the url's scheme, user-info, host or port",
            hint="put references in the path, the query, a header value or the body",
        )
    try:
        parsed = httpx.URL(body.url)
    except (httpx.InvalidURL, ValueError):
        raise InvalidRequest("the url is not a valid URL") from None
    scheme = parsed.scheme
    if scheme not in ("http", "https"):
        raise InvalidRequest("only http:// and https:// urls can be brokered")
    if parsed.userinfo:
        raise InvalidRequest(
            "the url may not carry user-info (user:password@)",
            hint="send credentials in a header, with a secret reference",
        )
    if not parsed.host:
        raise InvalidRequest("the url has no host")
    port = parsed.port or (443 if scheme == "https" else 80)

    headers: list[tuple[str, str, tuple[Placeholder, ...]]] = []
    for name, template in body.headers.items():
        if not _TOKEN.match(name):
            raise InvalidRequest(f"invalid header name {name[:40]!r}")
        if name.lower() in _RESERVED_HEADERS or name.lower().startswith("proxy-"):
            raise InvalidRequest(
                f"the header {name!r} is set by credgate", hint="leave it out of the request"
            )
        if _BAD_HEADER_CHARS.search(template):
            raise InvalidRequest(f"the header {name!r} contains a line break or NUL")
        headers.append((name, template, tuple(find_references(template, where=f"header {name}"))))
    body_refs: list[Placeholder] = []
    if body.body is not None:
        body_refs = find_references(body.body, where="body")
    plan = RequestPlan(
        method=body.method,
        scheme=scheme,
        host=normalise_host(parsed.host),
        port=port,
        url=body.url,
        url_refs=tuple(url_refs),
        headers=tuple(headers),
        body=body.body,
        body_refs=tuple(body_refs),
    )
    if not plan.refs:
        raise InvalidRequest(
            "the request names no secret",
            hint='brokered calls inject at least one {{secret "path#field"}}',
        )
    if len(plan.refs) > MAX_REFERENCES:
        raise InvalidRequest(f"a brokered request may use at most {MAX_REFERENCES} secrets")
    return plan
