"""Shell completions are generated from the CLI; stale scripts fail here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crmcli.cli import get_root
from crmcli.render.completion import FILES, script

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"
REGENERATE = "regenerate them with: python -m crmcli.cli.completion --write"


@pytest.mark.parametrize("shell", sorted(FILES))
def test_committed_scripts_match_the_cli(shell: str) -> None:
    committed = (COMPLETIONS / FILES[shell]).read_text(encoding="utf-8")
    assert committed == script(shell, get_root()), f"completions/{FILES[shell]} is stale; {REGENERATE}"


@pytest.mark.parametrize("shell", sorted(FILES))
def test_scripts_are_valid_shell(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    done = subprocess.run([shell, "-n", str(COMPLETIONS / FILES[shell])], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def bash_complete(*words: str) -> list[str]:
    line = " ".join(f"'{w}'" for w in words)
    code = (
        f"source {COMPLETIONS / 'crm.bash'}; COMP_WORDS=(crm {line}); COMP_CWORD={len(words)}; "
        '_crm; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    return subprocess.run(["bash", "-c", code], capture_output=True, text=True).stdout.split()


def test_bash_completes_commands_options_and_choices() -> None:
    assert bash_complete("con") == ["config", "contact"]
    assert "list" in bash_complete("contact", "")
    assert bash_complete("contact", "list", "--so") == ["--sort"]
    # Global options with values are skipped wherever they stand.
    assert bash_complete("--db", "x.db", "contact", "li") == ["list"]


def test_completion_command_prints_scripts(crm) -> None:  # noqa: ANN001
    assert crm.ok("completion", "bash").stdout == script("bash", get_root())
    crm.fails("completion", "powershell")
