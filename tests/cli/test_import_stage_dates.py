"""`crm import contacts`: a new contact's customer_since, churned_at and churn_reason agree
with its lifecycle stage and with each other, and none is in the future.

They used to be taken as the file gave them: a lead with a customer_since, a churned
contact without a churned_at, a churn before the contact became a customer, all counted as
new customers by the KPIs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from helpers import rows, write_csv

HEADER = ["name", "email", "lifecycle_stage", "customer_since", "churned_at", "churn_reason"]
ONLY_CUSTOMERS = "only a customer or a churned contact has one."
ONLY_CHURNED = "only a churned contact has a churned_at or a churn_reason."
# line: (row, the reason it is rejected with, or None when it is imported)
ROWS = {
    2: (
        ["Ghost", "g@g.no", "churned", "2025-01-01", "", "price"],
        "The row is churned with a customer_since but no churned_at; give when they churned, or they "
        "would count as a customer for ever.",
    ),
    3: (["Real", "r@g.no", "customer", "2025-01-01", "", ""], None),
    4: (
        ["Leady", "l@g.no", "lead", "2025-01-01", "", ""],
        f"The row has a customer_since but its lifecycle_stage is lead; {ONLY_CUSTOMERS}",
    ),
    5: (
        ["Other", "o@g.no", "other", "2025-01-01", "", ""],
        f"The row has a customer_since but its lifecycle_stage is other; {ONLY_CUSTOMERS}",
    ),
    6: (
        ["Cust2", "c2@g.no", "customer", "2025-01-01", "2025-06-10", ""],
        f"The row has a churned_at but its lifecycle_stage is customer; {ONLY_CHURNED}",
    ),
    7: (
        ["Backw", "b@g.no", "churned", "2025-05-01", "2024-03-01", "price"],
        "The churned_at '2024-03-01' is before the customer_since '2025-05-01': a contact churns only "
        "after becoming a customer.",
    ),
    8: (["Never", "n@g.no", "churned", "", "", ""], None),  # never counted as a customer
    9: (["Gone", "gone@g.no", "Former customer", "2025-01-15", "2025-03-01", "price"], None),
    10: (
        ["Ahead", "a@g.no", "customer", "2030-01-01", "", ""],
        "The customer_since '2030-01-01' is in the future; a row records what has happened.",
    ),
    11: (
        ["Soon", "s@g.no", "churned", "2025-01-01", "2030-01-01", "price"],
        "The churned_at '2030-01-01' is in the future; a row records what has happened.",
    ),
    12: (
        ["Leadr", "lr@g.no", "lead", "", "", "budget"],
        f"The row has a churn_reason but its lifecycle_stage is lead; {ONLY_CHURNED}",
    ),
    13: (
        ["Both", "both@g.no", "opportunity", "", "2025-01-01", "budget"],
        f"The row has a churned_at and a churn_reason but its lifecycle_stage is opportunity; {ONLY_CHURNED}",
    ),
    14: (
        ["C3", "c3@g.no", "churned", "", "2025-03-01", "price"],
        "The row is churned with a churned_at but no customer_since; give when they became a customer, "
        "or their churn would never count.",
    ),
}
REJECTED = {line: reason for line, (_, reason) in ROWS.items() if reason}


def new_customers(crm, period: str) -> int:  # noqa: ANN001
    kpis = {row["key"]: row["value"] for row in crm.ok("kpi", "--period", period, "--json").json()["kpis"]}
    return int(kpis["new_customers"])


def test_stage_dates_that_contradict_the_stage_reject_the_row(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "g.csv", [HEADER, *(row for row, _ in ROWS.values())])
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "contacts", str(source), "--rejects", str(rejects))
    assert [line for line in result.stderr.splitlines() if line.startswith("  line ")] == [
        f"  line {line}: {reason}" for line, reason in REJECTED.items()
    ]
    assert rows(crm, "SELECT count(*) FROM contacts") == [(0,)]
    assert [r[:2] for r in csv.reader(io.StringIO(rejects.read_text(encoding="utf-8")))][1:] == [
        [str(line), reason] for line, reason in REJECTED.items()
    ]

    crm.fails("import", "contacts", str(source), "--partial")
    stored = rows(crm, "SELECT name, lifecycle_stage, customer_since, churned_at FROM contacts ORDER BY id")
    assert stored == [
        ("Real", "customer", "2025-01-01T00:00:00Z", None),
        ("Never", "churned", None, None),
        ("Gone", "churned", "2025-01-15T00:00:00Z", "2025-03-01T00:00:00Z"),
    ]
    # The QA case counted 5 new customers in January.
    assert new_customers(crm, "2025-01") == 2


def test_a_row_without_stage_dates_is_read_as_before(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "c.csv",
        [HEADER, ["Cleo", "cleo@g.no", "customer", "", "", ""], ["Dan", "dan@g.no", "", "", "", ""]],
    )
    crm.ok("import", "contacts", str(source))
    stored = rows(crm, "SELECT name, lifecycle_stage, customer_since IS NOT NULL FROM contacts ORDER BY id")
    assert stored == [("Cleo", "customer", 1), ("Dan", "other", 0)]


def test_a_churned_contact_with_a_churned_at_needs_its_customer_since(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """It used to be imported and never counted as churned: the KPIs count a customer's churn."""
    source = write_csv(tmp_path / "c.csv", [HEADER, ["C3", "c3@x.no", "churned", "", "2025-09-15", "price"]])
    result = crm.fails("import", "contacts", str(source))
    assert "churned with a churned_at but no customer_since" in result.stderr
    assert rows(crm, "SELECT count(*) FROM contacts") == [(0,)]
    # With both dates the churn counts in its month, and the customer in theirs.
    fixed = write_csv(
        tmp_path / "d.csv", [HEADER, ["C3", "c3@x.no", "churned", "2025-02-01", "2025-09-15", "price"]]
    )
    crm.ok("import", "contacts", str(fixed))
    kpis = {row["key"]: row["value"] for row in crm.ok("kpi", "--period", "2025-09", "--json").json()["kpis"]}
    assert kpis["churned_customers"] == 1
    assert new_customers(crm, "2025-02") == 1
