"""Mask, block and report: what a caller gets back, and that no value escapes in errors."""

from __future__ import annotations

import pytest
from output_filter_samples import B62, fake

from credgate.errors import Denied, InvalidRequest, OutputBlocked
from credgate.guard import Finding, OutputFilter

TOKEN = "ghp_" + fake(B62, 36, "modes")
KNOWN = "issued-Value-2024"
TEXT = f"deploy with {TOKEN}; the db value is {KNOWN}.\n"


def test_mask_replaces_each_finding_with_its_type() -> None:
    """The agent would see the credential, or lose the text around it."""
    guard = OutputFilter([KNOWN])
    assert guard.mask(TEXT) == (
        "deploy with [REDACTED:github_token]; the db value is [REDACTED:known_value].\n"
    )


def test_apply_follows_the_mode() -> None:
    """The broker calls apply(); each mode must do what its name says."""
    assert OutputFilter(mode="mask").apply(TEXT).startswith("deploy with [REDACTED:")
    assert OutputFilter(mode="report").apply(TEXT) == TEXT
    with pytest.raises(OutputBlocked):
        OutputFilter(mode="block").apply(TEXT)
    assert OutputFilter(mode="block").apply("nothing secret here") == "nothing secret here"


def test_block_raises_a_denied_error_naming_types_never_values() -> None:
    """A block that quoted the secret in its message would leak it through the error path."""
    guard = OutputFilter([KNOWN], mode="block")
    with pytest.raises(OutputBlocked) as caught:
        guard.check(TEXT)
    error = caught.value
    assert isinstance(error, Denied)
    assert error.code == "output_blocked"
    assert error.status == 403
    rendered = " ".join([str(error), repr(error), error.message, error.hint, str(error.to_dict())])
    assert TOKEN not in rendered
    assert KNOWN not in rendered
    assert "2 credentials (github_token, known_value)" in error.message


def test_scan_reports_sorted_merged_findings_without_text() -> None:
    """Findings are stored in audit events: they must point at secrets, not contain them."""
    guard = OutputFilter([KNOWN])
    findings = guard.scan(TEXT)
    assert [f.to_dict() for f in findings] == [
        {"start": 12, "end": 52, "type": "github_token", "rule": "github.token"},
        {"start": 70, "end": 87, "type": "known_value", "rule": "known_value.exact"},
    ]
    assert TOKEN not in repr(findings)


def test_overlapping_findings_are_merged_into_one_mask() -> None:
    """Two detectors on one token must not leave a fragment between two markers."""
    guard = OutputFilter([TOKEN[:20] + "xyz"])
    overlapping = guard.scan(f"token={TOKEN}")
    assert len(overlapping) == 1
    assert guard.mask(f"GITHUB_TOKEN={TOKEN}") == "GITHUB_TOKEN=[REDACTED:github_token]"


def test_unknown_mode_is_refused() -> None:
    """A typo in a mode must not silently disable masking."""
    with pytest.raises(InvalidRequest):
        OutputFilter(mode="off")  # type: ignore[arg-type]


def test_finding_dict_is_the_documented_shape() -> None:
    """credgate scan --format json and the API promise exactly these four keys."""
    assert Finding(1, 5, "jwt", "jwt", 70).to_dict() == {
        "start": 1,
        "end": 5,
        "type": "jwt",
        "rule": "jwt",
    }
