"""Deals: an amount in a currency, moving through the stages of a pipeline to won or lost.

Every stage change (creation, move, won, lost, reopen) is a row in deal_stage_changes with
its time and actor, which later gives sales cycle length and stage conversion. A won deal
makes its contact a customer (customer_since is set once and kept).

Events: deal.created, deal.stage_changed (a move between stages, or a reopen), deal.won,
deal.lost; each carries the pipeline and the stages it went from and to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmcli.errors import Conflict, Invalid, NotFound
from crmcli.services import pipelines as config_pipelines
from crmcli.services.pipelines import LOST, WON
from crmcli.services.session import Session, diff, new_uid
from crmcli.storage import contacts as contact_store
from crmcli.storage import deals as store
from crmcli.storage.db import Database, Row
from crmcli.storage.deals import DealQuery

KINDS = ("new", "upsell", "cross-sell")
STATUSES = ("open", "won", "lost")


@dataclass
class DealInput:
    """A deal as typed. None means "not given"; "" clears a text field (edit)."""

    title: str | None = None
    contact_id: int | None = None
    company_id: int | None = None
    unlink_contact: bool = False
    unlink_company: bool = False
    amount: str | None = None  # "12 500", "12k", "1200 SEK"
    currency: str | None = None
    close: str | None = None  # a day: 2026-05-31, "eom", "in 3 weeks"
    pipeline: str | None = None  # add only; `move` changes it afterwards
    stage: str | None = None  # add only
    owner: str | None = None
    kind: str | None = None


def deal_id_from(ref: str) -> int:
    """A deal by id: 12, #12 or deal:12."""
    from crmcli.services.refs import parse_id

    text = ref.strip()
    if text.lower().startswith("deal:"):
        text = text[5:]
    number = parse_id(text, "deal")
    if number is None:
        raise Invalid(f"{ref!r} is not a deal id; write 12, #12 or deal:12.")
    return number


# --- changes ---------------------------------------------------------------------------------


def add_deal(session: Session, data: DealInput) -> Row:
    """Open a deal in a stage of a pipeline (the default pipeline's first stage unless given)."""
    title = " ".join((data.title or "").split())
    if not title:
        raise Invalid("A deal needs a title.")
    db = session.db
    with session.write("deal add"):
        pipeline = config_pipelines.pipeline(session.config, data.pipeline)
        stage = pipeline.stage(data.stage).name if data.stage else pipeline.stages[0].name
        values = _normalise(session, data, current=None)
        if values.get("contact_id") and "company_id" not in values:
            contact = contact_store.get(db, values["contact_id"])
            values["company_id"] = contact["company_id"] if contact else None
        from crmcli.services.contacts import default_owner

        values.setdefault("owner", default_owner(session))
        values.setdefault("kind", "new")
        values.setdefault("amount_minor", 0)
        values.setdefault("currency", session.config.base_currency)
        now = session.now_iso
        values.update(
            uid=new_uid(), title=title, pipeline=pipeline.name, stage=stage, status="open",
            stage_entered_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        deal_id = store.insert(db, values)
        store.add_stage_change(db, deal_id, pipeline.name, None, stage, now, session.actor)
        record = get_deal(db, deal_id)
        session.record("deal", deal_id, "create", None, _audit_view(record))
        session.emit(
            "deal.created", "deal", deal_id, pipeline=pipeline.name, stage=stage,
            amount_minor=record["amount_minor"], currency=record["currency"], kind=record["kind"],
            contact_id=record["contact_id"],
        )  # fmt: skip
        return get_deal(db, deal_id)


def edit_deal(session: Session, deal_id: int, data: DealInput) -> Row:
    """Change a deal's title, links, amount, currency, close date, owner or kind (stages
    change only through move, won, lost and reopen)."""
    db = session.db
    with session.write("deal edit"):
        current = get_deal(db, deal_id)
        values = _normalise(session, data, current=current)
        if data.title is not None:
            title = " ".join(data.title.split())
            if not title:
                raise Invalid("A deal's title cannot be empty.")
            values["title"] = title
            # New text about whom the deal is with (a new contact was checked by _normalise);
            # its amount, close date, owner and stage still move, as the figures stay true.
            from crmcli.services.contacts import refuse_if_erased_id

            refuse_if_erased_id(db, values.get("contact_id", current["contact_id"]))
        if values:
            values["updated_at"] = session.now_iso
            store.update(db, deal_id, values)
        updated = get_deal(db, deal_id)
        before, after = diff(_audit_view(current), _audit_view(updated))
        if after:
            session.record("deal", deal_id, "update", before, after)
        return updated


def move_deal(session: Session, deal_id: int, stage_name: str, pipeline_name: str | None = None) -> Row:
    """Move an open deal to another stage (of its pipeline, or of `pipeline_name`)."""
    db = session.db
    with session.write("deal move"):
        current = get_deal(db, deal_id)
        _require_open(current, "move")
        pipeline = (
            config_pipelines.pipeline(session.config, pipeline_name)
            if pipeline_name
            else config_pipelines.stored_pipeline(session.config, current["pipeline"])
        )
        stage = pipeline.stage(stage_name).name
        if stage == current["stage"] and pipeline.name == current["pipeline"]:
            return current
        values: dict[str, Any] = {"pipeline": pipeline.name, "stage": stage}
        _change_stage(session, current, values)
        data: dict[str, Any] = {"pipeline": pipeline.name, "from": current["stage"], "to": stage}
        if pipeline.name != current["pipeline"]:
            data["from_pipeline"] = current["pipeline"]
        session.emit("deal.stage_changed", "deal", deal_id, **data)
        return get_deal(db, deal_id)  # as the rules on deal.stage_changed left it


def win_deal(session: Session, deal_id: int) -> Row:
    """Mark an open deal won today; its contact becomes a customer (since now, unless
    they already were one)."""
    db = session.db
    with session.write("deal won"):
        current = get_deal(db, deal_id)
        _require_open(current, "win")
        values = {"status": WON, "stage": WON, "won_at": session.now_iso, "close_date": _today(session)}
        _change_stage(session, current, values)
        if current["contact_id"]:
            from crmcli.services.contacts import is_erased, set_stage

            contact = contact_store.get(db, current["contact_id"])
            # An erased person's deal is still won (the figures stay true), but no one
            # becomes a customer: nothing new is recorded about them.
            if contact is not None and contact["lifecycle_stage"] != "customer" and not is_erased(contact):
                set_stage(session, current["contact_id"], "customer", reason=f"won deal #{deal_id}")
        session.emit(
            "deal.won", "deal", deal_id, pipeline=current["pipeline"], **{"from": current["stage"]},
            amount_minor=current["amount_minor"], currency=current["currency"],
            contact_id=current["contact_id"],
        )  # fmt: skip
        return get_deal(db, deal_id)  # as the rules on deal.won left it


def lose_deal(session: Session, deal_id: int, reason: str | None, note: str | None = None) -> Row:
    """Mark an open deal lost today, with a reason from the configured list."""
    db = session.db
    with session.write("deal lost"):
        current = get_deal(db, deal_id)
        _require_open(current, "lose")
        chosen = config_pipelines.lost_reason(session.config, reason)
        values = {"status": LOST, "stage": LOST, "lost_at": session.now_iso, "lost_reason": chosen,
                  "close_date": _today(session)}  # fmt: skip
        _change_stage(session, current, values, note=note)
        session.emit(
            "deal.lost", "deal", deal_id, pipeline=current["pipeline"], reason=chosen,
            **{"from": current["stage"]}, amount_minor=current["amount_minor"], currency=current["currency"],
        )  # fmt: skip
        return get_deal(db, deal_id)  # as the rules on deal.lost left it


def reopen_deal(
    session: Session, deal_id: int, stage_name: str | None = None, pipeline_name: str | None = None
) -> Row:
    """Open a won or lost deal again, in `stage_name` or the stage it was closed from, with
    the expected close date it had before it was closed (none if it had none)."""
    db = session.db
    with session.write("deal reopen"):
        current = get_deal(db, deal_id)
        if current["status"] == "open":
            raise Conflict(f"Deal #{deal_id} is open already (stage {current['stage']}).")
        pipeline = (
            config_pipelines.pipeline(session.config, pipeline_name)
            if pipeline_name
            else config_pipelines.stored_pipeline(session.config, current["pipeline"])
        )
        if stage_name:
            stage = pipeline.stage(stage_name).name
        else:
            previous = store.stage_before_closing(db, deal_id)
            stage = previous if previous in pipeline.stage_names else pipeline.stages[0].name
        values = {"status": "open", "pipeline": pipeline.name, "stage": stage, "won_at": None,
                  "lost_at": None, "lost_reason": None}  # fmt: skip
        # Closing stamped today as the close date; open again, the deal expects what it did.
        found, expected = store.close_date_before_closing(db, deal_id)
        if found:
            values["close_date"] = expected
        _change_stage(session, current, values)
        session.emit(
            "deal.stage_changed", "deal", deal_id, pipeline=pipeline.name, reopened=True,
            **{"from": current["stage"], "to": stage},
        )  # fmt: skip
        return get_deal(db, deal_id)  # as the rules on deal.stage_changed left it


def _change_stage(session: Session, current: Row, values: dict[str, Any], note: str | None = None) -> None:
    """Write a stage change: the deal's columns, its stage_changes row and its history."""
    db = session.db
    now = session.now_iso
    values = {**values, "stage_entered_at": now, "updated_at": now}
    store.update(db, current["id"], values)
    updated = get_deal(db, current["id"])
    store.add_stage_change(db, current["id"], updated["pipeline"], current["stage"], updated["stage"], now,
                           session.actor)  # fmt: skip
    before, after = diff(_audit_view(current), _audit_view(updated))
    session.record("deal", current["id"], "update", before, after, note=note)


def _require_open(deal: Row, verb: str) -> None:
    if deal["status"] != "open":
        raise Conflict(
            f"Deal #{deal['id']} is {deal['status']}; reopen it first "
            f"(crm deal reopen {deal['id']}) to {verb} it."
        )


def _today(session: Session) -> str:
    from crmcli.clock import local_date

    return local_date(session.now, session.tz).isoformat()


def _normalise(session: Session, data: DealInput, current: Row | None) -> dict[str, Any]:
    """Column values for the fields that were given."""
    out: dict[str, Any] = {}
    db = session.db
    if data.unlink_contact:
        out["contact_id"] = None
    elif data.contact_id is not None:
        contact = contact_store.get(db, data.contact_id)
        if contact is None:
            raise NotFound(f"There is no contact #{data.contact_id}.")
        from crmcli.services.contacts import refuse_if_erased

        refuse_if_erased(contact)
        out["contact_id"] = data.contact_id
    if data.unlink_company:
        out["company_id"] = None
    elif data.company_id is not None:
        from crmcli.storage import companies as company_store

        if company_store.get(db, data.company_id) is None:
            raise NotFound(f"There is no company #{data.company_id}.")
        out["company_id"] = data.company_id
    out.update(_money(session, data, current))
    if data.close is not None:
        out["close_date"] = close_day(session, data.close) if data.close.strip() else None
    if data.owner is not None:
        from crmcli.services.contacts import owner_handle

        out["owner"] = owner_handle(session, data.owner)
    if data.kind is not None:
        out["kind"] = deal_kind(data.kind)
    return out


def deal_kind(text: str) -> str:
    """One of KINDS, lower-cased; refused otherwise."""
    kind = text.strip().lower()
    if kind not in KINDS:
        raise Invalid(f"Unknown deal kind {text!r}; use one of {', '.join(KINDS)}.")
    return kind


def _money(session: Session, data: DealInput, current: Row | None) -> dict[str, Any]:
    from crmcli import money

    if data.amount is not None:
        if not data.amount.strip():
            raise Invalid("The amount cannot be empty; write 0 for a deal whose value is unknown.")
        default = current["currency"] if current else session.config.base_currency
        parsed = money.parse_money(data.amount, data.currency, default=default)
        return {"amount_minor": parsed.minor, "currency": parsed.currency}
    if data.currency is not None:
        code = money.currency_code(data.currency)
        if current is None:
            return {"currency": code}
        # The same amount in the new currency's minor units (a correction of the currency).
        amount = money.to_decimal(current["amount_minor"], current["currency"])
        try:
            return {"amount_minor": money.to_minor(amount, code), "currency": code}
        except Invalid:
            if amount > money.MAX_AMOUNT:
                raise  # too large, whatever the decimals: a deal stored before the limit
            raise Invalid(
                f"{amount} cannot be kept exactly in {code} ({money.exponent(code)} decimals); "
                "give --amount as well."
            ) from None
    return {}


def close_day(session: Session, text: str) -> str:
    """An expected close date as YYYY-MM-DD, from any date crm reads ("eom", "in 3 weeks";
    a month and day without a year is the next one)."""
    from crmcli.dates import parse_day

    return parse_day(
        text, now=session.now, tz=session.tz, ahead=True, week_start=session.config.week_start
    ).isoformat()


# --- reading ---------------------------------------------------------------------------------


def get_deal(db: Database, deal_id: int) -> Row:
    row = store.get(db, deal_id)
    if row is None:
        raise NotFound(f"There is no deal #{deal_id}.")
    return with_amount(row)


def deal_view(session: Session, deal_id: int) -> dict[str, Any]:
    """One deal with its win probability (from the config) and every stage change."""
    deal = get_deal(session.db, deal_id)
    pipeline = config_pipelines.known_pipeline(session.config, deal["pipeline"])
    deal["probability"] = pipeline.probability(deal["stage"])
    deal["days_in_stage"] = days_since(deal["stage_entered_at"], session)
    deal["stage_changes"] = store.stage_changes(session.db, deal_id)
    return deal


def list_deals(session: Session, query: DealQuery) -> list[Row]:
    check_query(session, query)
    _order_by_config(session, query)
    return [with_amount(row) for row in store.query(session.db, query)]


def _order_by_config(session: Session, query: DealQuery) -> None:
    """What sorting by amount or stage needs from the config: amounts compare by their value
    in the base currency (refused, as the board is, when a currency has no rate: a deal that
    cannot be placed would otherwise be listed in a silently wrong place), stages by the
    configured order of the pipelines and their stages."""
    key = query.sort.lstrip("-")
    if key == "amount":
        from decimal import Decimal

        from crmcli.money import Rates, exponent

        rates = Rates.from_config(session.config)
        found = store.currencies(session.db, query)
        rates.check(found)
        query.minor_values = {c: float(rates.rate(c) / Decimal(10) ** exponent(c)) for c in found}
    elif key == "stage":
        query.stage_order = [
            (p.name, [*p.stage_names, WON, LOST]) for p in config_pipelines.pipelines(session.config)
        ]


def check_query(session: Session, query: DealQuery) -> None:
    """Refuse what no deal can match; the pipeline's and stage's names as the config spells them."""
    if query.sort.lstrip("-") not in store.SORTABLE:
        raise Invalid(
            f"Cannot sort deals by {query.sort.lstrip('-')!r}; use one of {', '.join(store.SORTABLE)}."
        )
    for status in query.statuses:
        if status not in STATUSES:
            raise Invalid(f"Unknown deal status {status!r}; use one of {', '.join(STATUSES)} or all.")
    if query.owner is not None:
        from crmcli.services.contacts import owner_handle

        query.owner = owner_handle(session, query.owner)
    if query.kind is not None:
        query.kind = deal_kind(query.kind)
    # A pipeline or stage that deals still hold is a filter too, though the config no longer
    # has it: the forecast and the KPIs count those deals, and the board shows them.
    db, config = session.db, session.config
    if query.pipeline is not None:
        pipeline = config_pipelines.pipeline(config, query.pipeline, lambda: store.held_pipelines(db))
        query.pipeline = pipeline.name
        if query.stage is not None:
            query.stage = pipeline.stage_filter(query.stage, lambda: store.open_stages(db, pipeline.name))
    elif query.stage is not None:
        query.stage = config_pipelines.stage_of_any(config, query.stage, lambda: store.open_stages(db))


def with_amount(row: Row) -> Row:
    """Adds "amount": the exact amount as text in major units ("12500.00")."""
    from crmcli.money import to_decimal

    row["amount"] = str(to_decimal(row["amount_minor"], row["currency"]))
    return row


def days_since(stamp: str | None, session: Session) -> int | None:
    if not stamp:
        return None
    from crmcli.clock import from_iso

    return max(0, (session.now - from_iso(stamp)).days)


_AUDITED = (
    "title", "contact_id", "company_id", "pipeline", "stage", "status", "amount_minor", "currency",
    "close_date", "owner", "kind", "lost_reason", "won_at", "lost_at", "stage_entered_at",
)  # fmt: skip


def _audit_view(row: Row) -> dict[str, Any]:
    return {key: row.get(key) for key in _AUDITED}
