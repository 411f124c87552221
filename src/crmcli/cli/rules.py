"""crm rules …: check the routing rules, try them on made-up data, explain past decisions."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

import typer

from crmcli.cli.options import JsonOpt, app_context, new_app

app = new_app("Routing rules: check them, test them, explain what they decided.")


@app.command("check")
def rules_check(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Check the config file; list every problem (file, line, rule, key) and exit 3 if any."""
    from crmcli.errors import ProblemsFound
    from crmcli.render.output import Output
    from crmcli.services.rules import check_config_file

    context = app_context(ctx)
    path = context.config_path
    out = Output()  # not context.out: that one reads the config, which may be the broken file
    checked = check_config_file(path)
    rules, problems = checked.rules, checked.problems
    if json:  # rules: how many the file has, problems or not (null when it cannot be read)
        out.json({"file": str(path), "rules": checked.count, "problems": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            out.line(str(problem))
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise ProblemsFound(f"{count} in {path}; nothing runs until the file is fixed.")
    if not path.exists():
        out.note(f"No config file at {path}: no rules, nothing to check.")
    else:
        events = sorted({r.on for r in rules})
        on = f" on {', '.join(events)}" if events else ""
        out.note(f"{path}: {len(rules)} rule{'s' if len(rules) != 1 else ''}{on}, no problems.")


@app.command("list")
def rules_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List the rules in the order they are tried."""
    from crmcli.render.output import Column
    from crmcli.services.rules import rules_of

    context = app_context(ctx)
    rows = [
        {"index": rule.index + 1, "name": rule.name, "on": rule.on, "when": _outline(rule.when),
         "actions": "; ".join(a.describe() for a in rule.actions) or "(stop)",
         "continue": rule.keep_going, "enabled": rule.enabled}
        for rule in rules_of(context.config)
    ]  # fmt: skip
    if json:
        context.out.json(rows)
        return
    context.out.table(
        rows,
        [Column("index", "#", "right"), Column("name", "Rule"), Column("on", "On"),
         Column("when", "When"), Column("actions", "Then"), Column("continue", "Continue"),
         Column("enabled", "Enabled")],
        empty="No rules in the config.",
    )  # fmt: skip


def _outline(node) -> str:  # type: ignore[no-untyped-def]
    children = getattr(node, "children", None)
    if not children:
        return str(node.describe())
    if node.mode == "not":
        return f"not ({_outline(children[0])})"
    joiner = " and " if node.mode == "all" else " or "
    return "(" + joiner.join(_outline(c) for c in children) + ")"


@app.command("test")
def rules_test(
    ctx: typer.Context,
    event: Annotated[str, typer.Option("--event", "-e", help="The event: lead.created, case.opened …")],
    values: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="FIELD=VALUE", help="A field of the made-up record (repeatable)."),
    ] = None,
    record: Annotated[
        str | None,
        typer.Option("--record", metavar="REF", help="Start from an existing record (contact, case:ID …)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Show which rule would fire for an event and why, condition by condition; writes nothing."""
    from crmcli.errors import Invalid
    from crmcli.services import events, routing
    from crmcli.services.rules import kind_of_event, rules_of

    context = app_context(ctx)
    if event not in events.EVENT_NAMES:
        raise Invalid(f"Unknown event {event!r}; use one of {', '.join(events.EVENT_NAMES)}.")
    pairs = _pairs(values)
    kind = kind_of_event(event)
    rules = [r for r in rules_of(context.config) if r.on == event]
    with _database_to_test_on(context, record) as db:
        record_id, base = _test_subject(context, db, kind, record)
        facts = routing.hypothetical_facts(kind, pairs, base)
        outcomes = routing.decide(db, rules, event, facts, record_id)
    fired = [o for o in outcomes if o.status == "fired"]
    if json:
        context.out.json({"event": event, "record": record, "set": pairs,
                          "rules": [o.as_dict() for o in outcomes],
                          "fired": [o.rule.name for o in fired]})  # fmt: skip
        return
    out = context.out
    given = ", ".join(f"{k} = {v}" for k, v in pairs.items())
    subject = f"{record}" + (f" with {given}" if given else "") if record else (given or "nothing set")
    out.line(f"{event} for {subject}")
    if not rules:
        out.line("No rule names this event; nothing would change.")
        return
    for outcome in outcomes:
        out.line(f"{outcome.rule.index + 1}. {outcome.rule.name}: {outcome.status}")
        if outcome.trace is not None:
            for line in outcome.trace.lines():
                out.line(f"     {line}")
        if outcome.status == "fired":
            steps = "; ".join(routing.describe_step(a, v) for a, v in outcome.plan) or "nothing (stop)"
            out.line(f"     then: {steps}")
    if fired:
        out.line("Would fire: " + ", ".join(f'"{o.rule.name}"' for o in fired) + ".")
    else:
        out.line("No rule matches; nothing would change.")


def _pairs(values: list[str] | None) -> dict[str, str]:
    from crmcli.errors import Invalid

    pairs: dict[str, str] = {}
    for pair in values or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Invalid(f"--set {pair!r} must be written FIELD=VALUE.")
        pairs[key.strip()] = value.strip()
    return pairs


@contextmanager
def _database_to_test_on(context, ref: str | None):  # type: ignore[no-untyped-def]
    """The database to read the record, turns and workloads from. A made-up record needs no
    database: where there is none, an empty one in memory (nobody has had a turn or has any
    work), without the notice that a command reading records found nothing to read."""
    from crmcli.paths import no_database_at

    if ref is not None or not no_database_at(context.db_file):
        yield context.db
        return
    from crmcli.storage.db import open_db

    empty = open_db(":memory:")
    try:
        yield empty
    finally:
        empty.close()


def _test_subject(context, db, kind: str, ref: str | None):  # type: ignore[no-untyped-def]
    """The record id (0 for a made-up one) and its facts (None for a made-up one)."""
    from crmcli.errors import Invalid
    from crmcli.services import routing

    if ref is None:
        return 0, None
    found_kind, record_id = resolve_ref(context, ref)
    if found_kind != kind:
        raise Invalid(f"{ref} is a {found_kind}, but the event is about a {kind}.")
    return record_id, routing.load_facts(db, kind, record_id)


def resolve_ref(context, ref: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A record reference: a contact (id, e-mail, name), or case:ID, deal:ID, company:REF."""
    from crmcli.cli.options import company_ref, contact_ref
    from crmcli.errors import Invalid
    from crmcli.services.refs import parse_id

    kind, sep, rest = ref.partition(":")
    if sep and kind in ("case", "deal", "company", "contact"):
        if kind == "company":
            return "company", company_ref(context, rest)
        if kind == "contact":
            return "contact", contact_ref(context, rest)
        number = parse_id(rest, kind)
        if number is None:
            raise Invalid(f"A {kind} is named by its id ({kind}:12), not {ref!r}.")
        return kind, number
    return "contact", contact_ref(context, ref)


@app.command("explain")
def rules_explain(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(help="A contact (id, e-mail, name), or case:ID, deal:ID, company:REF.")
    ],
    json: JsonOpt = False,
) -> None:
    """Show the routing decisions taken for a record: when, which rule, why, what changed."""
    from crmcli.services import routing

    context = app_context(ctx)
    kind, record_id = resolve_ref(context, ref)
    routing.load_facts(context.db, kind, record_id)  # the record must exist
    decisions = routing.explain(context.db, kind, record_id)
    if json:
        context.out.json(decisions)
        return
    out = context.out
    if not decisions:
        out.note(f"No routing decision has been taken for {kind} #{record_id}.")
        return
    for decision in decisions:
        rule = f'rule "{decision["rule"]}"' if decision["rule"] else "no rule matched"
        changes = _changes(decision["before"], decision["after"])
        changed = f"  ({changes})" if changes else ""
        by = f"[{decision['command']}, {decision['actor']}]"
        out.line(f"{out.when(decision['at'])}  {decision['event']}: {rule}{changed}  {by}")
        for line in decision["why"]:
            out.line(f"  {line}")


def _changes(before, after) -> str:  # type: ignore[no-untyped-def]
    from crmcli.render.output import cell

    if not after:
        return ""
    return ", ".join(
        f"{key}: {cell((before or {}).get(key)) or '-'} → {cell(value)}" for key, value in after.items()
    )
