"""Shell completions: generated from the command tree, static, and stale files fail here.

Behaviour is checked by running the scripts in the real shells: bash through its
completion variables, fish through `complete -C`, zsh with its completion builtins
replaced by functions that print what they are given (zsh only runs them inside a
completion widget).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click
import pytest

from crmcli.cli import COMMANDS, GLOBAL_OPTIONS, get_root
from crmcli.cli.completion import COMPLETIONS_DIR, script_for, stale_files
from crmcli.render.completion import FILES, script, walk

REGENERATE = "regenerate them with: python -m crmcli.cli.completion --write"


def needs(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")


@pytest.mark.parametrize("shell", sorted(FILES))
def test_committed_scripts_match_the_cli(shell: str) -> None:
    committed = (COMPLETIONS_DIR / FILES[shell]).read_text(encoding="utf-8")
    assert committed == script_for(shell), f"completions/{FILES[shell]} is stale; {REGENERATE}"


def test_check_names_nothing_when_up_to_date() -> None:
    stale = [p.name for p in stale_files()]
    assert stale == [], f"stale generated files {stale}; {REGENERATE}"


@pytest.mark.parametrize("shell", sorted(FILES))
def test_scripts_are_valid_shell(shell: str) -> None:
    needs(shell)
    done = subprocess.run([shell, "-n", str(COMPLETIONS_DIR / FILES[shell])], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_command_of_the_tree_is_completed() -> None:
    paths = {spec.path for spec in walk(get_root(), GLOBAL_OPTIONS)}
    assert {f"crm {name}" for name in COMMANDS} <= paths
    bash_script = script_for("bash")
    for path in paths:
        assert f'"{path}")' in bash_script


def test_a_newly_registered_group_is_picked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(COMMANDS, "zz-new", ("crmcli.cli.config", None))
    paths = [spec.path for spec in walk(get_root(), GLOBAL_OPTIONS)]
    assert "crm zz-new" in paths and "crm zz-new path" in paths


def test_output_is_deterministic() -> None:
    assert script_for("bash") == script_for("bash")
    assert [s.path for s in walk(get_root())] == sorted(
        (s.path for s in walk(get_root())), key=lambda p: p.split()
    )


def test_completion_command_prints_scripts(crm) -> None:  # noqa: ANN001
    for shell in FILES:
        assert crm.ok("completion", shell).stdout == script_for(shell)
    result = crm.fails("completion", "powershell", code=2)
    assert "powershell" in result.stderr and len(result.stderr.splitlines()) == 1


# --- the scripts of the real tree, in bash ----------------------------------------------


def bash_complete(script_path: Path, *words: str, cwd: Path | None = None) -> list[str]:
    """What bash offers when TAB is pressed after `crm WORDS` (the last word is being typed)."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    code = (
        f"source '{script_path}'; COMP_WORDS=(crm {quoted}); COMP_CWORD={len(words)}; "
        '_crm; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, cwd=cwd)
    assert done.stderr == ""
    return sorted(line for line in done.stdout.splitlines() if line)


BASH = COMPLETIONS_DIR / "crm.bash"


def test_bash_completes_commands_and_subcommands() -> None:
    assert bash_complete(BASH, "con") == ["config", "contact"]
    assert {"add", "list", "show", "tag"} <= set(bash_complete(BASH, "contact", ""))


def test_bash_completes_options_of_the_command_being_typed() -> None:
    assert bash_complete(BASH, "contact", "list", "--so") == ["--sort"]
    assert bash_complete(BASH, "-") == sorted(["--config", "--db", "--help", "-h", "--user", "--version"])
    # After the arguments a command takes, options are offered without typing "-".
    assert "--json" in bash_complete(BASH, "contact", "list", "")
    assert bash_complete(BASH, "contact", "show", "") == []  # a reference to type


def test_bash_skips_options_and_their_values() -> None:
    assert bash_complete(BASH, "--db", "x.db", "contact", "li") == ["list"]
    assert bash_complete(BASH, "contact", "--user", "ada", "li") == ["list"]
    # `--db=x.db`, which bash splits at "=".
    assert bash_complete(BASH, "--db", "=", "x.db", "contact", "li") == ["list"]
    assert bash_complete(BASH, "contact", "list", "--sort", "") == []


def test_bash_completes_files_and_choices(tmp_path: Path) -> None:
    (tmp_path / "work.db").touch()
    (tmp_path / "notes.txt").touch()
    assert bash_complete(BASH, "--db", "wo", cwd=tmp_path) == ["work.db"]
    assert bash_complete(BASH, "contact", "list", "--db", "=", "n", cwd=tmp_path) == ["notes.txt"]
    assert bash_complete(BASH, "completion", "") == ["bash", "fish", "zsh"]
    assert bash_complete(BASH, "completion", "z") == ["zsh"]


# --- every feature of the generator, on a small tree of its own -------------------------


@click.group(name="crm")
@click.option("--db", metavar="PATH", help="A database.")
def sample_root(db: str | None) -> None:
    """Sample."""


@sample_root.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "two words"]), help="Format.")
@click.option("--into", type=click.Path(file_okay=False), help="A folder.")
@click.option("--quiet", "-q", is_flag=True, help="Say nothing.")
@click.argument("kind", type=click.Choice(["deals", "cases"]))
@click.argument("files", nargs=-1, type=click.Path())
def sample_export(fmt: str, into: str, quiet: bool, kind: str, files: tuple[str, ...]) -> None:
    """Export: it's "quoted" and has a colon: here."""


@pytest.fixture
def sample(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "data").mkdir()
    (tmp_path / "data.csv").touch()
    out = {}
    for shell, name in FILES.items():
        out[shell] = tmp_path / name
        out[shell].write_text(script(shell, sample_root, ("--db",)), encoding="utf-8")
    return out


def test_sample_in_bash(sample: dict[str, Path]) -> None:
    folder = sample["bash"].parent
    assert subprocess.run(["bash", "-n", str(sample["bash"])]).returncode == 0
    assert bash_complete(sample["bash"], "") == ["export"]
    assert bash_complete(sample["bash"], "export", "--format", "") == ["csv", "json", "two words"]
    assert bash_complete(sample["bash"], "export", "--format", "=", "t") == ["two words"]
    assert bash_complete(sample["bash"], "export", "--into", "d", cwd=folder) == ["data"]
    assert bash_complete(sample["bash"], "export", "") == ["cases", "deals"]
    words = ["export", "-q", "--db", "x", "deals", "data."]
    assert bash_complete(sample["bash"], *words, cwd=folder) == ["data.csv"]
    assert bash_complete(sample["bash"], "export", "-") == sorted(
        ["--db", "--format", "--help", "--into", "--quiet", "-q"]
    )


def test_sample_in_fish(sample: dict[str, Path]) -> None:
    needs("fish")
    folder = sample["fish"].parent

    def fish_complete(line: str) -> list[str]:
        code = f"source '{sample['fish']}'; complete -C '{line}'"
        done = subprocess.run(["fish", "-N", "-c", code], capture_output=True, text=True, cwd=folder)
        assert done.stderr == ""
        return sorted(row.split("\t")[0] for row in done.stdout.splitlines())

    assert fish_complete("crm ") == ["export"]
    assert fish_complete("crm export --format ") == ["csv", "json", "two words"]
    assert fish_complete("crm export ") == ["cases", "deals"]
    assert fish_complete("crm export --db x deals data.") == ["data.csv"]
    assert fish_complete("crm export --into d") == ["data/"]
    assert fish_complete("crm export --q") == ["--quiet"]


def test_sample_in_zsh(sample: dict[str, Path]) -> None:
    needs("zsh")
    assert subprocess.run(["zsh", "-n", str(sample["zsh"])]).returncode == 0

    def zsh_complete(*words: str) -> str:
        # Stand-ins for the completion builtins: print what would be offered.
        stubs = (
            'compadd() { [[ $1 == -- ]] && shift; print -r -- "values: $*"; }\n'
            '_describe() { local -a a; a=("${(@P)${@[-1]}}"); print -r -- "$3: ${a[*]}"; }\n'
            '_files() { print -r -- "files $*"; }\n'
            "compset() { :; }\n"
        )
        code = f"{stubs}source '{sample['zsh']}' >/dev/null 2>&1\nwords=(crm \"$@\"); CURRENT=$#words; _crm"
        done = subprocess.run(["zsh", "-f", "-c", code, "zsh", *words], capture_output=True, text=True)
        assert done.stderr == ""
        return done.stdout.strip()

    assert zsh_complete("") == 'command: export:Export: it\'s "quoted" and has a colon: here'
    assert zsh_complete("export", "--format", "") == "values: csv json two words"
    assert zsh_complete("export", "--format=") == "values: csv json two words"
    assert zsh_complete("export", "--into", "") == "files -/"
    assert zsh_complete("export", "") == "values: deals cases"
    assert zsh_complete("--db", "x", "export", "deals", "") == "files"
    assert zsh_complete("export", "-").startswith("option: --db:A database --format:Format")


def test_real_tree_in_zsh_and_fish() -> None:
    """The committed zsh and fish scripts find the same commands as bash does."""
    needs("zsh")
    needs("fish")
    fish = subprocess.run(
        ["fish", "-N", "-c", f"source '{COMPLETIONS_DIR / 'crm.fish'}'; complete -C 'crm contact '"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert sorted(r.split("\t")[0] for r in fish.stdout.splitlines()) == bash_complete(BASH, "contact", "")
    code = (
        '_describe() { local -a a; a=("${(@P)${@[-1]}}"); print -rl -- "${a[@]%%:*}"; }\n'
        f"source '{COMPLETIONS_DIR / '_crm'}' >/dev/null 2>&1\nwords=(crm contact ''); CURRENT=3; _crm"
    )
    zsh = subprocess.run(["zsh", "-f", "-c", code], capture_output=True, text=True)
    assert sorted(zsh.stdout.split()) == bash_complete(BASH, "contact", "")
