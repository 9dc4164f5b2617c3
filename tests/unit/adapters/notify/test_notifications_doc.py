"""The receiver snippet in docs/concepts/notifications.md really verifies credgate's requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from credgate.domain.notifications import KINDS, SUBJECT_FIELDS
from credgate.domain.webhook_signature import sign

DOC = Path(__file__).parents[4] / "docs" / "concepts" / "notifications.md"
SECRET = "whsec_doc-test-secret-0123456789"
BODY = b'{"id":"ntf_1","type":"notify.action"}'
T = 1_800_000_000


@pytest.fixture(scope="module")
def verify() -> Callable[..., None]:
    """The `verify` function exactly as the documentation prints it."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    [snippet] = [b for b in blocks if "def verify(" in b]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    fn: Callable[..., None] = namespace["verify"]
    return fn


def test_doc_snippet_accepts_a_real_signature(verify: Callable[..., None]) -> None:
    """A receiver that copies the docs accepts what credgate sends."""
    verify(SECRET, sign(SECRET.encode(), T, BODY), BODY, now=T + 10)


@pytest.mark.parametrize(
    ("body", "now", "header"),
    [
        (BODY + b"x", T, None),
        (BODY, T + 301, None),
        (BODY, T, "t=1800000000,v1=ü" + "0" * 63),
        (BODY, T, "v1=00"),
    ],
    ids=["tampered", "replayed", "non-ascii", "no-timestamp"],
)
def test_doc_snippet_refuses_bad_requests(
    verify: Callable[..., None], body: bytes, now: float, header: str | None
) -> None:
    """The documented receiver refuses forged, replayed and malformed requests cleanly."""
    with pytest.raises(ValueError, match=r"signature|malformed"):
        verify(SECRET, header or sign(SECRET.encode(), T, BODY), body, now=now)


def test_every_event_type_is_documented() -> None:
    """A new notification type cannot ship without a line in the events table."""
    text = DOC.read_text(encoding="utf-8")
    missing = [k for k in KINDS if f"| `{k}` |" not in text]
    assert missing == []


def test_doc_example_uses_only_allowed_subject_fields() -> None:
    """The documented JSON body matches what the code can actually produce."""
    text = DOC.read_text(encoding="utf-8")
    subject = text.split('"subject": {', 1)[1].split("}", 1)[0]
    fields = set(re.findall(r'"([a-z_]+)":', subject))
    assert fields
    assert fields <= SUBJECT_FIELDS
