"""Shared sign-off rules: who may decide, distinct approvers, clean reasons."""

from __future__ import annotations

import pytest

from credgate.domain.sign_off import SignOff, add_approval, check_decider, clean_text
from credgate.errors import Conflict, Denied, InvalidRequest


def test_only_operators_other_than_the_requester_decide() -> None:
    """Agents never decide, requesters never decide their own, operators need an identity."""
    check_decider("op_1", "operator", "agt_1")
    with pytest.raises(Denied):
        check_decider("agt_2", "agent", "agt_1")
    with pytest.raises(Denied):
        check_decider("agt_1", "operator", "agt_1")
    with pytest.raises(InvalidRequest):
        check_decider("", "operator", "agt_1")


def test_denials_do_not_count_towards_approvals() -> None:
    """An operator who denied earlier is not counted as an approver."""
    sign_offs = (SignOff("op_1", 1.0, False, "no"),)
    updated, complete = add_approval(sign_offs, "op_2", 2.0, "", 2)
    assert not complete
    updated, complete = add_approval(updated, "op_1", 3.0, "changed my mind", 2)
    assert complete


def test_same_approver_twice_is_a_conflict() -> None:
    """A second approval by the same operator would fake a four-eyes check."""
    updated, _ = add_approval((), "op_1", 1.0, "", 2)
    with pytest.raises(Conflict):
        add_approval(updated, "op_1", 2.0, "", 2)


def test_clean_text_keeps_newlines_and_refuses_controls() -> None:
    """Multi-line reasons are fine; escape sequences and NULs are not."""
    assert clean_text("  a\n\tb  ", field="reason", max_chars=10, required=True) == "a\n\tb"
    for bad in ("\x1b[31mred", "a\x00b", "a\u200bb", "a\u2028b"):
        with pytest.raises(InvalidRequest):
            clean_text(bad, field="reason", max_chars=100, required=False)
    with pytest.raises(InvalidRequest, match="must be text"):
        clean_text(42, field="reason", max_chars=100, required=False)
    assert clean_text(None, field="reason", max_chars=100, required=False) == ""
