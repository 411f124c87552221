"""The README documents every command, and its reference is generated from --help."""

from __future__ import annotations

from pathlib import Path

from crmcli.cli import get_root
from crmcli.render.reference import END, START, help_pages, reference_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def _hand_written() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return (text[: text.index(START)] + text[text.index(END) :]).splitlines()


def test_reference_is_up_to_date() -> None:
    text = README.read_text(encoding="utf-8")
    current = text[text.index(START) : text.index(END) + len(END)]
    assert current == reference_markdown(get_root()), (
        "README's command reference is stale; regenerate with: python -m crmcli.cli.completion --write"
    )


def test_every_command_has_help() -> None:
    missing = [path for path, short, _ in help_pages(get_root()) if not short.strip()]
    assert missing == [], f"commands without help text: {missing}"


def test_every_command_is_described_in_the_readme() -> None:
    """Each command appears in the hand-written part: `crm deal move`, or `crm deal add|move|…`."""
    lines = _hand_written()
    undocumented = []
    for path, _, _ in help_pages(get_root())[1:]:
        *group, verb = path.split()
        group_path = " ".join(group)
        documented = any(
            path in line
            or (group_path != "crm" and group_path in line and verb in line.replace("\\|", " ").split("|"))
            or (group_path != "crm" and group_path in line and f"|{verb}" in line.replace("\\|", "|"))
            for line in lines
        )
        if not documented:
            undocumented.append(path)
    assert undocumented == [], f"commands the README does not describe: {undocumented}"


def test_arguments_keep_their_help() -> None:
    """Typer 0.25 with click 8.5 dropped every argument's help (hence the pin on click)."""
    pages = {path: text for path, _, text in help_pages(get_root())}
    assert "REF  Id, e-mail or name prefix." in pages["crm contact show"]
