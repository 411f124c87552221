"""crm completion SHELL: print a completion script; `--write` regenerates completions/."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from crmcli.cli.options import new_app
from crmcli.errors import Invalid

app = new_app("Shell completion scripts.")

COMPLETIONS_DIR = Path(__file__).resolve().parents[3] / "completions"


@app.command("completion")
def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
) -> None:
    """Print the completion script for bash, zsh or fish (see the README to install it)."""
    from crmcli.cli import get_root
    from crmcli.render.completion import SHELLS, script

    if shell not in SHELLS:
        raise Invalid(f"No completion for {shell!r}; use one of {', '.join(SHELLS)}.")
    sys.stdout.write(script(shell, get_root()))


def write_all(folder: Path = COMPLETIONS_DIR) -> list[Path]:
    """Regenerate every script in `folder` (the repository's completions/)."""
    from crmcli.cli import get_root
    from crmcli.render.completion import FILES, script

    root = get_root()
    written = []
    for shell, name in FILES.items():
        target = folder / name
        target.write_text(script(shell, root), encoding="utf-8")
        written.append(target)
    return written


def write_reference(readme: Path = COMPLETIONS_DIR.parent / "README.md") -> Path:
    """Regenerate the command reference section of the README."""
    from crmcli.cli import get_root
    from crmcli.render.reference import reference_markdown, replace_section

    text = readme.read_text(encoding="utf-8")
    readme.write_text(replace_section(text, reference_markdown(get_root())), encoding="utf-8")
    return readme


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        for path in [*write_all(), write_reference()]:
            print(f"wrote {path}")
    else:
        sys.exit("usage: python -m crmcli.cli.completion --write")
