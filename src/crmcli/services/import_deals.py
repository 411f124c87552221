"""Deals from a CSV file: `crm import deals`.

Every row is validated as `crm deal add` validates it: a title, an exact amount in an ISO
currency (crmcli.money: never a float), a pipeline and a stage the config has, an owner
on the team, a kind from the list. Other CRMs' exports hold closed deals too, so a stage
or status of won or lost (HubSpot's and Salesforce's "Closed Won", Pipedrive's status
"won") imports the deal closed, with its lost reason from the configured list, and its
contact becomes a customer as `crm deal won` makes them.

`crm deal won` stamps everything with the moment it runs; a deal won elsewhere long ago was
won at its won_at (or close date), so that moment takes the place of "now" throughout: the
contact's customer_since and stage change, and a created_at never later than the closing,
so that the KPIs (new customers, sales cycle) count history where it happened.

A deal's contact and company are found as services.import_links describes; a duplicate is a
deal with the same uid (crm's own exports have one), in the database or above in the file.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from datetime import time
from typing import TYPE_CHECKING, Any

from crmcli import money, validate
from crmcli.clock import local_date, to_iso, wall_time
from crmcli.errors import Invalid, RuleError
from crmcli.io.filedates import DateReader
from crmcli.services import pipelines as config_pipelines
from crmcli.services.contacts import default_owner, keep_churn_on_record, record_stage_change
from crmcli.services.import_contacts import EMITTED_KEPT, Getters, UidMaker, many_values, owner_from_file
from crmcli.services.import_links import Links
from crmcli.services.importing import Importer, checks_of, with_its_line
from crmcli.services.pipelines import LOST, WON, Pipeline
from crmcli.storage import importing as store

if TYPE_CHECKING:
    from crmcli.services.deals import DealInput

_WON_WORDS = {"won", "closedwon", "closewon", "dealwon", "win"}
_LOST_WORDS = {"lost", "closedlost", "closelost", "deallost", "loss"}
_OPEN_WORDS = {"open", "active", "inprogress", "opened"}
_KIND_WORDS = {
    "new": "new",
    "newbusiness": "new",
    "newcustomer": "new",
    "newdeal": "new",
    "upsell": "upsell",
    "upgrade": "upsell",
    "existingbusiness": "upsell",
    "expansion": "upsell",
    "existingcustomerupgrade": "upsell",
    "renewal": "upsell",
    "existingcustomer": "upsell",
    "crosssell": "cross-sell",
}
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_SYMBOL = re.compile(r"^\s*(US\$|[$€£¥])?\s*(.*?)\s*(US\$|[$€£¥])?\s*$")
_UID_LIMIT = 200
_NOT_LETTERS = re.compile(r"[\W_]+")


def key_of(text: str) -> str:
    """A word as compared across systems, its letters and digits alone: "Closed Won",
    "closedwon", "CLOSED_WON"; "Proposal/Price Quote" for the stage proposal-price-quote."""
    return _NOT_LETTERS.sub("", text.casefold())


class DealImporter(Importer):
    entity = "deal"
    threaded = False  # rows look their contacts up on the connection the batches write on

    def begin(self) -> None:
        session, mapping = self.session, self.mapping
        db = session.db
        self.now = session.now_iso
        self.actor = session.actor
        # A row without an owner gets the acting user, when they are on the team.
        self.default_owner = default_owner(session)
        self.change_id = session.change_id
        self.config = session.config
        self.base_currency = money.currency_code(self.config.base_currency, "base_currency")
        self.dates = DateReader(self.options.date_format, session.tz)
        self.uids = UidMaker()
        self.links = Links(db)
        self.first_deal = self.next_deal = store.next_id(db, "deals")
        self.deal_lines = array("q")  # each new deal's line, for a rule's error about it
        has_uid = "uid" in mapping.targets()
        self.known_uids = set(store.uids(db, "deals")) if has_uid else set()
        self.seen_uids: set[str] = set()
        if not mapping.indexes("title"):
            raise Invalid('The file has no column for the deal\'s title; name one with --map "Column=title".')
        # A name column before an id column: `crm export` writes both, and ids differ
        # between databases while names and e-mail addresses do not.
        self.get = Getters(
            mapping,
            (
                "title",
                "amount",
                "amount_minor",
                "currency",
                "pipeline",
                "stage",
                "status",
                "close_date",
                "owner",
                "kind",
                "lost_reason",
                "won_at",
                "lost_at",
                "uid",
                "created_at",
            ),
        )
        self.get_contact = _names_first(mapping, "contact")
        self.get_company = _names_first(mapping, "company")
        # `crm export deals` writes a deal's tags ("hot, q4"): read as tags, as the companies
        # importer reads them, or an export would come back with them as a custom field.
        self.i_tags = mapping.indexes("tags")
        self.custom = mapping.custom()
        self._owners: dict[str, str | None] = {}
        self._pipelines: dict[str, Pipeline] = {}
        self._stages: dict[tuple[str, str], str] = {}
        self._kinds: dict[str, str] = {}
        self._reasons: dict[str, str] = {}
        self._currencies: dict[str, str] = {}
        # contact id -> [first won_at, its deal, last won_at] over the won deals of the file
        self.won_contacts: dict[int, list[Any]] = {}
        self.updated_ids = array("q")
        self.checked: dict[int, dict[str, Any]] = {}  # what checked updates (_check_update) left each deal
        self._new_batch()

    def learn(self, sample: list[Any]) -> None:
        columns = [
            i
            for name in ("close_date", "created_at", "won_at", "lost_at")
            for i in self.mapping.indexes(name)
        ]
        self.dates.learn(r.cells[i] for r in sample for i in columns if i < len(r.cells))

    def _new_batch(self) -> None:
        self.b_deals: list[tuple[Any, ...]] = []
        self.b_stages: list[tuple[int, str, str | None, str, str, str]] = []
        self.b_fields: list[tuple[str, int, str, str]] = []
        self.b_tags: list[tuple[str, int, str, str | None, str | None]] = []
        self.b_history: list[tuple[int, str, str, str, int, str, str]] = []
        self.b_dated_by_closing: list[tuple[int, str]] = []  # (deal, note) of their create rows
        self.b_updates: list[Callable[[], None]] = []

    # --- one row ---------------------------------------------------------------------------

    def row(self, record: Any) -> None:
        cells: list[str] = record.cells
        g = self.get
        title = " ".join(g.title(cells).split())
        if not title:
            raise Invalid("A deal needs a title; the row's title column is empty.")
        uid = g.uid(cells) if g.uid else ""
        if uid and (len(uid) > _UID_LIMIT or any(ch.isspace() for ch in uid)):
            raise Invalid(f"The uid {uid!r} must be one word of at most {_UID_LIMIT} characters.")

        text = self.get_contact(cells)
        contact_id = self.links.contact(text) if text else None
        text = self.get_company(cells)
        company_id = self.links.company(text) if text else None
        if company_id is None and contact_id is not None:
            company_id = self.links.company_of(contact_id)
        amount_minor, currency = self._money(cells)
        pipeline = self._pipeline(g.pipeline(cells) if g.pipeline else "")
        status, stage, from_stage = self._stage(
            pipeline, g.stage(cells) if g.stage else "", g.status(cells) if g.status else ""
        )
        text = g.close_date(cells) if g.close_date else ""
        close_date = self.dates.parts(text, "close date")[0].isoformat() if text else None
        text = g.owner(cells) if g.owner else ""
        owner = self._owner(text) if text else None
        text = g.kind(cells) if g.kind else ""
        kind = self._kind(text) if text else None
        text = g.lost_reason(cells) if g.lost_reason else ""
        lost_reason = self._reason(text) if text else None
        if lost_reason and status != LOST:
            raise Invalid(f"The row has the lost reason {lost_reason!r} but the deal is {status}, not lost.")
        for field, closed in (("won_at", WON), ("lost_at", LOST)):  # a date the row would lose
            written = getattr(g, field)(cells) if getattr(g, field) else ""
            if written and status != closed:
                raise Invalid(f"The row has the {field} {written!r} but the deal is {status}, not {closed}.")
        text = g.created_at(cells) if g.created_at else ""
        created_at = self.dates.moment(text, "created_at") if text else self.now
        won_at = lost_at = None
        expected_none = False  # closed with no close date in the file: its closing dates it
        if status != "open":
            field = "won_at" if status == WON else "lost_at"
            text = getattr(g, field)(cells) if getattr(g, field) else ""
            closed_at = self._closed_at(text, field, close_date, created_at)
            if closed_at > self.now:
                self._refuse_future_close(status, text, field, close_date, cells)
            if close_date is None:
                close_date = closed_at[:10] if not text else self.dates.parts(text, field)[0].isoformat()
                expected_none = True
            won_at, lost_at = (closed_at, None) if status == WON else (None, closed_at)
            # Opened no later than it closed: a negative sales cycle is impossible. Without a
            # created column the deal is taken to open when it closed (it was first seen
            # closed), rather than now, which would be after it was won; with one that is
            # later (HubSpot's Create Date of a deal typed in after the fact) the closing,
            # the fact the KPIs are about, wins.
            created_at = min(created_at, closed_at)
        fields = {}
        for i, key in self.custom:
            value = cells[i].strip()
            if value:
                fields[key] = value
        tags = [validate.tag(t) for i in self.i_tags if cells[i].strip() for t in many_values(cells[i])]
        tags = list(dict.fromkeys(tags))

        if uid and (uid in self.known_uids or uid in self.seen_uids):
            where = "the database" if uid in self.known_uids else "a row above"
            mode = self.options.on_duplicate
            if mode == "error":
                raise Invalid(f"A deal with the uid {uid} is in {where} already.")
            if mode == "skip":
                self.report.skipped += 1
                return
            values = {
                "title": title,
                "contact_id": contact_id,
                "company_id": company_id,
                "amount_minor": amount_minor,
                "currency": currency,
                "pipeline": pipeline,
                "stage": stage,
                "status": status,
                "close_date": close_date,
                "owner": owner,
                "kind": kind,
                "lost_reason": lost_reason,
                "fields": fields,
                "tags": tags,
            }
            self._plan_update(record, uid, values)
            return

        if status == LOST and not lost_reason:  # as `crm deal lost` requires --reason
            reasons = ", ".join(config_pipelines.lost_reasons(self.config))
            raise Invalid(f"A lost deal needs its reason in a lost_reason column, one of: {reasons}.")
        if uid:
            self.seen_uids.add(uid)
        deal_id = self.next_deal
        self.next_deal += 1
        self.deal_lines.append(record.line)
        self.report.created += 1
        if status == WON and contact_id is not None and won_at is not None:
            seen = self.won_contacts.get(contact_id)
            if seen is None:
                self.won_contacts[contact_id] = [won_at, deal_id, won_at]
            else:
                if won_at < seen[0]:
                    seen[0], seen[1] = won_at, deal_id
                seen[2] = max(seen[2], won_at)
        if not self.writing:
            return
        stage_entered_at = won_at or lost_at or created_at
        self.b_deals.append(
            (
                deal_id,
                uid or self.uids.next(),
                title,
                contact_id,
                company_id,
                pipeline.name,
                stage,
                status,
                amount_minor if amount_minor is not None else 0,
                currency,
                close_date,
                owner or self.default_owner,
                kind or "new",
                lost_reason,
                won_at,
                lost_at,
                stage_entered_at,
                created_at,
                self.now,
            )
        )
        if from_stage:
            self.b_stages.append((deal_id, pipeline.name, None, from_stage, created_at, self.actor))
            self.b_stages.append((deal_id, pipeline.name, from_stage, stage, stage_entered_at, self.actor))
        else:
            self.b_stages.append((deal_id, pipeline.name, None, stage, created_at, self.actor))
        for key, value in fields.items():
            self.b_fields.append(("deal", deal_id, key, value))
        self.b_tags += [("deal", deal_id, tag, None, None) for tag in tags]
        note = f"import line {record.line}"
        if expected_none:
            # As `crm deal won|lost` record it: closing dated the deal, which expected no
            # close date before; `crm deal reopen` gives it none again.
            self.b_dated_by_closing.append((deal_id, note))
        else:
            self.b_history.append((self.change_id, self.now, self.actor, "deal", deal_id, "create", note))

    def _money(self, cells: list[str]) -> tuple[int | None, str]:
        """The amount in minor units (None when the row has none) and its currency."""
        g = self.get
        currency_text = g.currency(cells) if g.currency else ""
        currency = self._currency(currency_text) if currency_text else None
        text = g.amount(cells) if g.amount else ""
        if text:
            match = _SYMBOL.fullmatch(text)
            if match and (match.group(1) or match.group(3)):
                symbol_currency = _SYMBOLS[match.group(1) or match.group(3)]
                if currency and currency != symbol_currency:
                    raise Invalid(
                        f"The amount {text!r} is in {symbol_currency}, but the currency is {currency}."
                    )
                currency, text = symbol_currency, match.group(2)
            parsed = money.parse_money(text, currency, default=self.base_currency)
            return parsed.minor, parsed.currency
        text = g.amount_minor(cells) if g.amount_minor else ""
        if text:
            if not text.isdigit():
                raise Invalid(f"The amount_minor {text!r} must be a whole number of minor units.")
            code = currency or self.base_currency
            money.check_size(int(text), code, text, "amount_minor")
            return int(text), code
        return None, currency or self.base_currency

    def _currency(self, text: str) -> str:
        found = self._currencies.get(text)
        if found is None:
            found = self._currencies[text] = money.currency_code(text)
        return found

    def _pipeline(self, text: str) -> Pipeline:
        found = self._pipelines.get(text)
        if found is None:
            found = self._pipelines[text] = config_pipelines.pipeline(self.config, text or None)
        return found

    def _stage(self, pipeline: Pipeline, stage_text: str, status_text: str) -> tuple[str, str, str | None]:
        """(status, stage, the open stage a closed deal was closed from or None).

        A closed deal was open before it was closed: from its creation, in the open stage the
        stage column names (Pipedrive's stage with status won), else in the pipeline's first
        stage, since a stage of won or lost (crm's own export, HubSpot's closedwon) does not
        say which. Without that, its stage history would have it closed since it was
        created, and the open pipeline of the periods before its closing would leave it out."""
        status = None
        if status_text:
            key = key_of(status_text)
            if key in _WON_WORDS:
                status = WON
            elif key in _LOST_WORDS:
                status = LOST
            elif key in _OPEN_WORDS:
                status = "open"
            else:
                raise Invalid(f"The status {status_text!r} is not open, won or lost.")
        if not stage_text:
            if status in (WON, LOST):
                return status, status, pipeline.stages[0].name
            return "open", pipeline.stages[0].name, None
        key = key_of(stage_text)
        if key in _WON_WORDS or key in _LOST_WORDS:
            closed = WON if key in _WON_WORDS else LOST
            if status is not None and status != closed:
                raise Invalid(f"The status {status_text!r} does not agree with the stage {stage_text!r}.")
            return closed, closed, pipeline.stages[0].name
        cached = self._stages.get((pipeline.name, stage_text))
        if cached is None:
            cached = self._stages[(pipeline.name, stage_text)] = open_stage(pipeline, stage_text)
        if status in (WON, LOST):
            return status, status, cached
        return "open", cached, None

    def _closed_at(self, text: str, field: str, close_date: str | None, created_at: str) -> str:
        """When a closed deal was won or lost: its won_at/lost_at, else its close date
        (midnight, in the user's time zone), else now."""
        if text:
            return self.dates.moment(text, field)
        if close_date:
            from datetime import date

            return to_iso(wall_time(date.fromisoformat(close_date), time(0), self.dates.tz))
        return max(self.now, created_at)

    def _refuse_future_close(
        self, status: str, text: str, field: str, close_date: str | None, cells: list[str]
    ) -> None:
        """A deal closed after now (the import's moment) would count in the KPIs of a period
        to come, and `crm deal won|lost` only ever closes one now: the row is refused,
        naming the column its closing came from."""
        g = self.get
        if text:
            column, written = field, text
        elif close_date:
            column, written = "close_date", g.close_date(cells)
        else:  # closed when it was created (_closed_at)
            column, written = "created_at", g.created_at(cells)
        raise Invalid(
            f"The deal is {status} on its {column} {written!r}, which is in the future; a row records "
            "a deal closed already."
        )

    def _owner(self, text: str) -> str | None:
        if text not in self._owners:
            self._owners[text] = owner_from_file(self.session, text)
        return self._owners[text]

    def _kind(self, text: str) -> str:
        found = self._kinds.get(text)
        if found is None:
            from crmcli.services.deals import KINDS

            found = _KIND_WORDS.get(key_of(text))
            if found is None:
                raise Invalid(f"Unknown deal kind {text!r}; use one of {', '.join(KINDS)}.")
            self._kinds[text] = found
        return found

    def _reason(self, text: str) -> str:
        found = self._reasons.get(text)
        if found is None:
            found = self._reasons[text] = config_pipelines.lost_reason(self.config, text)
        return found

    # --- duplicates to update ----------------------------------------------------------------

    def _plan_update(self, record: Any, uid: str, values: dict[str, Any]) -> None:
        session = self.session
        self.plan_update(
            record,
            lambda: store.id_by_uid(session.db, "deals", uid),
            lambda deal_id: update_deal(session, deal_id, values),
            lambda deal_id: self._check_update(deal_id, values),
        )

    def _check_update(self, deal_id: int, values: dict[str, Any]) -> bool:
        """An update checked but not written (a row was rejected, so nothing will be),
        against the deal as stored or as a checked row above changed it."""
        current = self.checked.get(deal_id) or stored_deal(self.session.db, deal_id)
        change = plan_deal_update(current, values)
        refuse_new_text(self.session.db, current, change)
        if change.changes:
            today = local_date(self.session.now, self.session.tz).isoformat()
            self.checked[deal_id] = change.after(current, values, today)
        return change.changes

    # --- writing -----------------------------------------------------------------------------

    def pending(self) -> int:
        return len(self.b_deals) + len(self.b_updates)

    def flush(self) -> Callable[[], None] | None:
        if not self.writing:
            updates = self.b_updates
            self._new_batch()
            return checks_of(updates)
        batch = (self.b_deals, self.b_stages, self.b_fields, self.b_tags, self.b_history, self.b_updates)
        dated_by_closing = self.b_dated_by_closing
        self._new_batch()
        if not (batch[0] or batch[5]):
            return None
        db = self.session.db
        change_id, now, actor = self.change_id, self.now, self.actor

        def job() -> None:
            from crmcli.storage.history import add_history

            deals, stages, fields, tags, history, updates = batch
            store.insert_deals(db, deals)
            store.insert_deal_stage_changes(db, stages)
            if fields:
                store.insert_fields(db, fields)
            if tags:
                store.insert_tags(db, tags)
            store.insert_history(db, history)
            for deal_id, note in dated_by_closing:
                add_history(db, change_id=change_id, at=now, actor=actor, entity="deal", entity_id=deal_id,
                            action="create", before={"close_date": None}, after=None, note=note)  # fmt: skip
            for update in updates:
                update()

        return job

    def finish(self) -> None:
        from crmcli.services.events import listened

        session = self.session
        kept = len(session.emitted)
        rows = store.deals_for_events(session.db, self.first_deal, self.next_deal)
        try:
            for row in rows if listened(session, "deal.created") else ():
                deal_id, pipeline, stage, amount_minor, currency, kind, contact_id = row
                session.emit(
                    "deal.created",
                    "deal",
                    deal_id,
                    pipeline=pipeline,
                    stage=stage,
                    amount_minor=amount_minor,
                    currency=currency,
                    kind=kind,
                    contact_id=contact_id,
                )
                if len(session.emitted) - kept > EMITTED_KEPT:
                    del session.emitted[kept:]
        except RuleError as exc:
            # Unlike the contacts and companies imports, deal rules are not tried on each
            # row as it is read, so the import stops; it names the line, not an id that
            # will never exist.
            raise with_its_line(exc, "deal", deal_id, self.first_deal, self.deal_lines) from None
        for contact_id, (first_won, deal_id, last_won) in self.won_contacts.items():
            won_customer(session, contact_id, first_won, deal_id, last_won)


def won_customer(session: Any, contact_id: int, first_won: str, deal_id: int, last_won: str) -> None:
    """Make a contact a customer for deals won from `first_won` to `last_won`, as `crm deal
    won` does but dated when they were won rather than now (contacts.set_stage stamps now).

    customer_since only moves earlier (never past now); a customer already keeps their
    stage; a churned contact becomes a customer again only when a deal was won after they
    churned (an old win does not undo a later churn). The history row lets `crm undo` set
    it all back, and the stage change is a timeline row the import's change names.
    """
    from crmcli.storage import contacts as contact_store
    from crmcli.storage import deals as deal_store

    db = session.db
    current = contact_store.get(db, contact_id)
    if current is None:
        return
    since = min(first_won, session.now_iso)
    values: dict[str, Any] = {}
    if not current["customer_since"] or since < current["customer_since"]:
        values["customer_since"] = since
    stage, churned_at = current["lifecycle_stage"], current["churned_at"]
    if stage != "customer":
        at, reason_deal = since, deal_id
        if stage == "churned" and churned_at:
            if last_won <= churned_at:
                at = None
            else:
                won_since = deal_store.first_won_after(db, contact_id, churned_at)
                if won_since is not None:
                    reason_deal, at = won_since["id"], min(won_since["won_at"], session.now_iso)
        if at is not None:
            values["lifecycle_stage"] = "customer"
            if stage == "churned":
                keep_churn_on_record(session, current)
                values["churned_at"] = values["churn_reason"] = None
            record_stage_change(session, contact_id, stage, "customer", at=at,
                                reason=f"won deal #{reason_deal} (import)")  # fmt: skip
            deal_id = reason_deal
    if not values:
        return
    before = {key: current[key] for key in values}
    contact_store.update(db, contact_id, {**values, "updated_at": session.now_iso})
    session.record("contact", contact_id, "update", before, values, note=f"won deal #{deal_id} (import)")


def open_stage(pipeline: Pipeline, text: str) -> str:
    """A stage of the pipeline by its name, whatever its case, spaces, hyphens and
    underscores ("Needs Analysis" for needs-analysis: one name to the config check); else
    by a unique prefix (as `crm deal add --stage`); else by its letters and digits alone, as
    other systems write it ("Proposal/Price Quote"). The name comes first, so that "C++" is
    C++ and not ambiguous with C#; one without letters or digits ("🟢") is matched by its
    name alone, or every such cell would read as it."""
    wanted = config_pipelines.match_key(text)
    same = [s.name for s in pipeline.stages if config_pipelines.match_key(s.name) == wanted]
    if len(same) == 1:
        return same[0]
    try:
        return pipeline.stage(text).name
    except Invalid:
        loose = key_of(text)
        matches = [s.name for s in pipeline.stages if loose and key_of(s.name) == loose]
        if len(matches) == 1:
            return matches[0]
        raise


def _names_first(mapping: Any, field: str) -> Callable[[list[str]], str]:
    """The first non-empty of a field's columns, those holding ids ("contact_id") last."""
    from crmcli.services.import_contacts import first_cell

    columns = mapping.columns
    indexes = sorted(
        mapping.indexes(field), key=lambda i: columns[i].header.casefold().replace(" ", "_").endswith("_id")
    )
    if not indexes:
        return lambda cells: ""
    return lambda cells: first_cell(cells, indexes)


def update_deal(session: Any, deal_id: int, values: dict[str, Any]) -> bool:
    """Fill and change a deal from a row: an empty cell never blanks a field; a stage
    moves an open deal (won and lost close it, as `crm deal won|lost` do). False when
    nothing differs. The row is refused before anything of it is written."""
    from crmcli.services import deals

    current = stored_deal(session.db, deal_id)
    change = plan_deal_update(current, values)
    if not change.changes:
        return False
    refuse_new_text(session.db, current, change)
    # One savepoint for the row, as for a contact's: should a rule on deal.won, deal.lost or
    # the stage change fail, the edits made before it are taken back and the row rejected whole.
    with session.write("deal edit"):
        if change.edits:
            deals.edit_deal(session, deal_id, change.deal_input())
        if change.step == WON:
            deals.win_deal(session, deal_id)
        elif change.step == LOST:
            deals.lose_deal(session, deal_id, values["lost_reason"])
        elif change.step:
            deals.move_deal(session, deal_id, values["stage"], values["pipeline"].name)
        if change.fields:
            from crmcli.storage import labels

            labels.set_fields(session.db, "deal", deal_id, dict[str, str | None](change.fields))
            session.record("deal", deal_id, "update", change.fields_before, dict(change.fields))
        if change.tags:  # a row's tags only add to the deal's, as a company's do
            from crmcli.storage import labels

            labels.add_tags(session.db, "deal", deal_id, change.tags)
            session.record("deal", deal_id, "update", {"tags": current["tags"]},
                           {"tags": sorted([*current["tags"], *change.tags])})  # fmt: skip
    return True


def refuse_new_text(db: Any, current: dict[str, Any], change: DealChange) -> None:
    """A row gives no new title or custom field to a deal of an erased person (Invalid
    rejects the row); its amount, close date and stage still change, as `crm deal` does."""
    if "title" in change.edits or change.fields:
        from crmcli.services.contacts import refuse_if_erased_id

        refuse_if_erased_id(db, change.edits.get("contact_id", current["contact_id"]), Invalid)


def stored_deal(db: Any, deal_id: int) -> dict[str, Any]:
    """A deal as stored, with its custom fields and tags."""
    from crmcli.services.deals import get_deal
    from crmcli.storage import labels

    return {**get_deal(db, deal_id), "fields": labels.fields_of(db, "deal", [deal_id]).get(deal_id, {}),
            "tags": labels.tags_of(db, "deal", [deal_id]).get(deal_id, [])}  # fmt: skip


class DealChange:
    """What a row does to the deal it updates, decided before anything is written."""

    def __init__(self, edits: dict[str, Any], step: str | None, fields: dict[str, str],
                 fields_before: dict[str, str | None], tags: list[str]) -> None:  # fmt: skip
        self.edits = edits  # the columns `crm deal edit` changes: title, links, amount, close date …
        self.step = step  # won, lost, or open for a move to another stage
        self.fields = fields  # the custom fields it sets
        self.fields_before = fields_before  # and what they were
        self.tags = tags  # the tags it adds

    @property
    def changes(self) -> bool:
        return bool(self.edits or self.step or self.fields or self.tags)

    def deal_input(self) -> DealInput:
        """The edits as `crm deal edit` takes them."""
        from crmcli.services.deals import DealInput

        edits = self.edits
        data = DealInput(title=edits.get("title"), contact_id=edits.get("contact_id"),
                         company_id=edits.get("company_id"), owner=edits.get("owner"), kind=edits.get("kind"),
                         close=edits.get("close_date"))  # fmt: skip
        if "amount_minor" in edits:
            data.amount = str(money.to_decimal(edits["amount_minor"], edits["currency"]))
            data.currency = edits["currency"]
        return data

    def after(self, current: dict[str, Any], values: dict[str, Any], today: str) -> dict[str, Any]:
        """`current` once the change is made, as the deal commands leave it (won and lost
        date the close today): what a row only checked leaves for the rows below it."""
        after = {**current, **self.edits, "fields": {**current["fields"], **self.fields},
                 "tags": [*current["tags"], *self.tags]}  # fmt: skip
        if self.step in (WON, LOST):
            after |= {"status": self.step, "stage": self.step, "close_date": today}
        elif self.step:
            after |= {"stage": values["stage"], "pipeline": values["pipeline"].name}
        return after


def plan_deal_update(current: dict[str, Any], values: dict[str, Any]) -> DealChange:
    """The change a row makes to `current`, refused (Invalid) as taking it would refuse it,
    without writing: an update does this, and so does a row that is only checked once
    nothing will be written."""
    edits: dict[str, Any] = {}
    for key in ("title", "contact_id", "company_id", "owner", "kind"):
        value = values.get(key)
        if value is not None and value != current.get(key):
            edits[key] = value
    if values.get("close_date") and values["close_date"] != current.get("close_date"):
        edits["close_date"] = values["close_date"]
    minor, currency = values.get("amount_minor"), values["currency"]
    if minor is not None and (minor, currency) != (current["amount_minor"], current["currency"]):
        edits |= {"amount_minor": minor, "currency": currency}
    deal_id, status, stage = current["id"], values["status"], values["stage"]
    step = None
    if status != current["status"] or (status == "open" and stage != current["stage"]):
        if current["status"] != "open":
            raise Invalid(
                f"Deal #{deal_id} is {current['status']} and the row has it {status}; "
                f"reopen it first (crm deal reopen {deal_id})."
            )
        if status == LOST and not values.get("lost_reason"):
            raise Invalid(f"The row has deal #{deal_id} lost; give its reason in a lost_reason column.")
        step = status
    have = current["fields"]
    fields = {k: v for k, v in (values.get("fields") or {}).items() if have.get(k) != v}
    tags = [t for t in values.get("tags") or [] if t not in current["tags"]]
    return DealChange(edits, step, fields, {k: have.get(k) for k in fields}, tags)
