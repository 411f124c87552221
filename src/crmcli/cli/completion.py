"""crm completion SHELL: print a completion script.

Run as a module in a checkout, it regenerates what is generated from the commands:

    python -m crmcli.cli.completion --write   # completions/* and the README's reference
    python -m crmcli.cli.completion --check   # exit 1 and name the stale files, writing nothing
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from crmcli.cli.options import new_app
from crmcli.render.completion import SHELLS

app = new_app("Shell completion scripts.")

REPOSITORY = Path(__file__).resolve().parents[3]
COMPLETIONS_DIR = REPOSITORY / "completions"
README = REPOSITORY / "README.md"


@app.command("completion")
def completion(
    shell: Annotated[
        str, typer.Argument(help="bash, zsh or fish.", metavar="SHELL", click_type=click.Choice(SHELLS))
    ],
) -> None:
    """Print the completion script for bash, zsh or fish (see the README to install it)."""
    sys.stdout.write(script_for(shell))


def script_for(shell: str) -> str:
    from crmcli.cli import GLOBAL_OPTIONS, get_root
    from crmcli.render.completion import script

    return script(shell, get_root(), GLOBAL_OPTIONS)


def generated_files() -> dict[Path, str]:
    """Every generated file of the repository and the text it should hold."""
    from crmcli.cli import get_root
    from crmcli.render.completion import FILES
    from crmcli.render.reference import reference_markdown, replace_section

    files = {COMPLETIONS_DIR / name: script_for(shell) for shell, name in FILES.items()}
    readme = README.read_text(encoding="utf-8")
    files[README] = replace_section(readme, reference_markdown(get_root()))
    return files


def stale_files() -> list[Path]:
    return [
        path
        for path, text in generated_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def write_all() -> list[Path]:
    """Rewrite the generated files that changed; returns them."""
    changed = []
    for path, text in generated_files().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def _main(argv: list[str]) -> int:
    if not COMPLETIONS_DIR.is_dir() or not README.is_file():
        print(f"{REPOSITORY} is not a crm checkout (no completions/ or README.md).", file=sys.stderr)
        return 1
    if argv == ["--write"]:
        changed = write_all()
        for path in changed:
            print(f"wrote {path.relative_to(REPOSITORY)}")
        if not changed:
            print("everything was up to date")
        return 0
    if argv == ["--check"]:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path.relative_to(REPOSITORY)}", file=sys.stderr)
        if stale:
            print("regenerate with: python -m crmcli.cli.completion --write", file=sys.stderr)
        return 1 if stale else 0
    print("usage: python -m crmcli.cli.completion --write | --check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
