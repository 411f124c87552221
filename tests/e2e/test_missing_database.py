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


def test_a_command_that_could_create_but_failed_leaves_no_file(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    """`crm add` with a bad address, a deal for nobody, an import whose every row is
    rejected: the file they made for the CRM is removed again, since nothing went in."""
    typo = tmp_path / "crn.db"
    env = {"CRM_DB": str(typo)}
    rejected = tmp_path / "deals.csv"
    rejected.write_text("title,company\nD,Nowhere\n", encoding="utf-8")
    for args in (("add", "Bad", "--email", "nope"), ("deal", "add", "X", "--contact", "kari"),
                 ("import", "contacts", str(tmp_path / "missing.csv")),
                 ("import", "deals", str(rejected))):  # fmt: skip
        result = crm_process(*args, env=env)
        assert result.returncode == 1, result.stderr
        leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("crn"))
        assert leftovers == [], (args, leftovers)
    assert crm_process("add", "Good Person", env=env).returncode == 0
    assert crm_process("add", "Bad", "--email", "nope", env=env).returncode == 1
    assert typo.exists()  # a database with a change in it is never removed
    assert crm_process("contact", "list", "--json", env=env).stdout.count("Good Person") == 1


def test_an_empty_file_is_no_database_and_stays_empty(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    empty = tmp_path / "crm.db"
    empty.touch()
    env = {"CRM_DB": str(empty)}
    listed = crm_process("contact", "list", env=env)
    assert listed.returncode == 0 and listed.stderr.startswith(f"There is no database at {empty} yet")
    assert empty.stat().st_size == 0
    assert crm_process("db", "doctor", env=env).returncode == 3
    assert crm_process("add", "Ada", env=env).returncode == 0 and empty.stat().st_size > 0


def test_no_folder_is_made_for_a_restore_or_a_demo(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    crm_process("add", "Ada", env={"CRM_DB": str(tmp_path / "crm.db")})
    assert (
        crm_process(
            "db", "backup", str(tmp_path / "bk.db"), env={"CRM_DB": str(tmp_path / "crm.db")}
        ).returncode
        == 0
    )
    for args in (("db", "restore", str(tmp_path / "bk.db"), "--yes"), ("demo",)):
        result = crm_process(*args, env={"CRM_DB": str(tmp_path / "typo" / "crm.db")})
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert "no folder" in result.stderr and not (tmp_path / "typo").exists()
    demo = crm_process("demo", "--path", str(tmp_path / "nope" / "demo.db"))
    assert demo.returncode == 1 and not (tmp_path / "nope").exists()


def test_a_link_to_a_database_not_made_yet_makes_it_private(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "real.db")
    assert crm_process("add", "Ada", env={"CRM_DB": str(link)}).returncode == 0
    assert (tmp_path / "real.db").stat().st_mode & 0o777 == 0o600


def test_an_empty_db_or_config_option_is_refused(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    """`--db "$DB"` with DB unset must not write to the real database."""
    for option in ("--db", "--config"):
        result = crm_process(option, "", "add", "Ada")
        assert (
            result.returncode == 2
            and result.stderr == f"crm: {option} is empty; give a file (see 'crm --help').\n"
        )
    assert not any(tmp_path.rglob("crm.db"))
