"""The missing-rate error shows the shape of a rate with a placeholder, never a made-up
figure that someone could copy (0.1 is about a hundredth of what one USD is in NOK)."""

from __future__ import annotations

import re

from helpers import one_sentence


def test_a_missing_rate_is_asked_for_with_a_placeholder_not_a_figure(crm) -> None:  # noqa: ANN001
    crm.write_config('base_currency = "NOK"\n')
    crm.ok("deal", "add", "U", "-a", "50 USD")

    message = one_sentence(crm.fails("forecast").stderr)

    assert message == (
        f"crm: There is no exchange rate for USD to NOK: add it to [currencies] rates in {crm.config}, "
        'as rates = { USD = "<NOK for one USD>" }.'
    )
    assert not re.search(r"USD = \"?[0-9]", message)
