"""Companies through the real CLI."""

from __future__ import annotations


def test_company_lifecycle(crm) -> None:  # noqa: ANN001
    made = crm.ok(
        "company",
        "add",
        "Fjordline AS",
        "--domain",
        "https://www.Fjordline.no/about",
        "--industry",
        "logistics",
        "--employees",
        "240",
        "--revenue",
        "30000000",
        "--country",
        "NO",
        "--tag",
        "enterprise",
        "--json",
    ).json()
    assert made["domain"] == "fjordline.no"
    assert made["revenue_currency"] == "EUR"
    crm.fails("company", "add", "Other", "--domain", "fjordline.no")  # the domain is taken
    crm.ok("add", "Kari", "--company", "fjordline.no")
    view = crm.ok("show", "company:fjordline", "--json").json()
    assert [p["name"] for p in view["people"]] == ["Kari"]
    crm.ok("company", "edit", "fjordline.no", "--employees", "250", "--untag", "enterprise")
    shown = crm.ok("company", "show", "Fjord", "--json").json()["company"]
    assert shown["employees"] == 250 and shown["tags"] == []
    assert crm.ok("company", "list", "--search", "logist", "--json").json()[0]["people"] == 1
    crm.fails("company", "add", "X", "--employees", "many")
    crm.fails("company", "add", "X", "--domain", "not a domain")
    crm.fails("company", "delete", "fjord")
    crm.ok("company", "delete", "fjord", "--yes")
    assert crm.ok("show", "kari", "--json").json()["contact"]["company_id"] is None


def test_show_falls_back_to_companies(crm) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Nordlys Energi")
    assert crm.ok("show", "nordlys", "--json").json()["company"]["name"] == "Nordlys Energi"
    crm.fails("show", "nothing-here")


def test_industry_and_field_filters_ignore_case(crm) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Statkraft", "--industry", "Energy", "--field", "tier=Gold")
    crm.ok("company", "add", "Øl AS", "--industry", "Ølbrygging", "--field", "tier=ÅPEN")

    def names(*args: str) -> list[str]:
        return [r["name"] for r in crm.ok(*args, "--json").json()]

    assert names("company", "list", "--industry", "energy") == ["Statkraft"]
    assert names("company", "list", "--industry", "ølbrygging") == ["Øl AS"]
    assert names("company", "list", "--field", "tier=gold") == ["Statkraft"]
    assert names("company", "list", "--field", "tier=åpen") == ["Øl AS"]
    exported = crm.ok("export", "companies", "--industry", "ENERGY").stdout.splitlines()
    assert len(exported) == 2 and ",Statkraft," in exported[1]


def test_a_semicolon_separates_tags_as_a_comma_does(crm, tmp_path) -> None:  # noqa: ANN001
    """So that no tag holds a separator, and an export imports back the same tags."""
    crm.ok("company", "add", "Fjordline AS", "--domain", "fjordline.no", "--tag", "ferry;cargo")
    crm.ok("company", "edit", "fjordline.no", "--tag", "vip; nordic", "--untag", "cargo;ferry")
    assert crm.ok("company", "show", "fjordline.no", "--json").json()["company"]["tags"] == ["nordic", "vip"]
    crm.ok("export", "companies", "-o", str(tmp_path / "companies.csv"))
    copy = type(crm)(tmp_path / "copy.db", crm.config)
    copy.ok("import", "companies", str(tmp_path / "companies.csv"), "--tag", "moved;2026")
    assert copy.ok("company", "show", "fjordline.no", "--json").json()["company"]["tags"] == [
        "2026", "moved", "nordic", "vip"
    ]  # fmt: skip
