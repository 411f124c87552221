"""A cron job with a mistyped CRM_DB, as cron runs it: the installed `crm`, pipes, no TTY.

Nothing but a command that adds records makes the database file; a check says there is
none and fails, a read says so on stderr, a change is refused as on an empty CRM.
"""

from __future__ import annotations

from pathlib import Path


def test_a_health_check_on_a_mistyped_path_fails_and_makes_nothing(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    typo = tmp_path / "crn.db"
    env = {"CRM_DB": str(typo)}
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAda Lovelace,ada@example.com\n", encoding="utf-8")

    doctor = crm_process("db", "doctor", env=env)
    assert doctor.returncode == 3 and doctor.stdout == ""
    assert (
        doctor.stderr
        == f"crm: There is no database at {typo} to check; none was made (check --db or CRM_DB).\n"
    )
    migrate = crm_process("db", "migrate", env=env)
    assert migrate.returncode == 1 and migrate.stderr.count("\n") == 1 and str(typo) in migrate.stderr
    for args in (("undo",), ("undo", "--dry-run"), ("contact", "merge", "1", "2", "--yes")):
        refused = crm_process(*args, env=env)
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
        assert refused.stderr.startswith("crm: ") and "There is no database" not in refused.stderr
    dry = crm_process("import", "contacts", str(csv), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stderr.splitlines()[-1].startswith(f"There is no database at {typo} yet, so the dry run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "people.csv"]

    assert crm_process("import", "contacts", str(csv), env=env).returncode == 0  # this one makes it
    assert typo.exists()
    assert crm_process("db", "doctor", env=env).returncode == 0
