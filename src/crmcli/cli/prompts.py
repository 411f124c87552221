"""The only module that imports questionary; called only when a person is at a terminal."""

from __future__ import annotations

import click


def text(question: str) -> str:
    import questionary

    answer = questionary.text(question).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise click.Abort()
    return str(answer).strip()


def confirm(question: str) -> bool:
    import questionary

    answer = questionary.confirm(question, default=False).ask()
    if answer is None:
        raise click.Abort()
    return bool(answer)


def pick(question: str, candidates: list[tuple[int, str]]) -> int:
    import questionary

    choices = [questionary.Choice(f"#{i}  {label}", value=i) for i, label in candidates]
    answer = questionary.select(question, choices=choices).ask()
    if answer is None:
        raise click.Abort()
    return int(answer)
