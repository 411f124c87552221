"""--as-of across the commands that take it: an empty value is a mistake, not "now"."""

from __future__ import annotations

import pytest

from helpers import one_sentence


@pytest.mark.parametrize(
    "command",
    [
        ("sla", "check"),
        ("agenda",),
        ("pipeline",),
        ("forecast",),
        ("report", "weekly"),
        ("report", "monthly"),
    ],
)
def test_an_empty_as_of_is_refused_in_one_sentence(crm, command) -> None:  # noqa: ANN001
    """A script whose variable came out empty (`--as-of "$WHEN"`) would otherwise get today's
    figures, or an sla check that records and escalates, under the moment it asked for."""
    crm.ok("add", "Kari Nordmann")
    result = crm.fails(*command, "--as-of", "")
    assert one_sentence(result.stderr).startswith("crm: An empty date cannot be read; use YYYY-MM-DD")
    assert result.stdout == ""
    whitespace = crm.fails(*command, "--as-of", "  ")
    assert one_sentence(whitespace.stderr) == one_sentence(result.stderr)
