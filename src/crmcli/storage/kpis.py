"""The queries behind `crm kpi` and `crm report`: counts and sums over one period.

Every query is a range scan on an index of the date that decides the period
(`lifecycle_changes(to_stage, at)`, `deals(won_at)`, `cases(opened_at)`, …; migration
m003 adds the ones m001 lacked) with the period given as [start, end) in stored UTC
text, so a week of a large file reads a week of rows. Sums of money are grouped by
currency here and converted to the base currency by the service.

`Scope` narrows by owner (the record's owner: the contact's for leads, customers and
feedback, the deal's, the case's, the activity's) and by pipeline (deals only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmcli.storage.db import Database, Row
from crmcli.storage.sums import exact_sum, joined

# Stages a lead converts into: `crm lead convert` makes an opportunity, a won deal a customer.
CONVERTED_STAGES = ("opportunity", "customer")
# A follow-up still to do is not something that happened. Spelled as in the partial index
# idx_activities_done_at (m003), which SQLite uses only when the query repeats its condition.
DONE = "(a.due_at IS NULL OR a.done_at IS NOT NULL)"
RESOLUTION = "coalesce(c.resolved_at, c.closed_at)"  # the expression m003 indexes


@dataclass(frozen=True)
class Scope:
    start: str  # UTC ISO, inclusive
    end: str  # UTC ISO, exclusive
    owner: str | None = None
    pipeline: str | None = None

    def owned(self, column: str, params: list[Any]) -> str:
        """The owner condition. Its unary + keeps SQLite on the date index: without
        statistics it would rather walk everything one person owns (an equality) than a
        month of rows (a range), which is ten times the reading on a large file."""
        if self.owner is None:
            return ""
        params.append(self.owner)
        return f" AND +{column} = ?"

    def deal_filters(self, alias: str, params: list[Any]) -> str:
        return self.owned(f"{alias}.owner", params) + self.in_pipeline(f"{alias}.pipeline", params)

    def in_pipeline(self, column: str, params: list[Any]) -> str:
        if self.pipeline is None:
            return ""
        params.append(self.pipeline)
        return f" AND {column} = ?"


# --- leads and customers -----------------------------------------------------------------------


def lead_funnel(db: Database, scope: Scope) -> Row:
    """`leads`: contacts who became a lead in the period; `converted`: those of them who
    became an opportunity or a customer after that and before the end of the period.

    Two range scans of the (to_stage, at) index, joined on the contact: a lead converted
    when its latest conversion in the period is not before it became a lead.
    """
    marks = ",".join("?" * len(CONVERTED_STAGES))
    params: list[Any] = [scope.start, scope.end]
    owner = ""
    if scope.owner is not None:
        owner = " AND (SELECT owner FROM contacts WHERE id = contact_id) = ?"
        params.append(scope.owner)
    params += [*CONVERTED_STAGES, scope.start, scope.end]
    sql = f"""
        WITH lead AS (SELECT contact_id, min(at) AS at FROM lifecycle_changes
                      WHERE to_stage = 'lead' AND at >= ? AND at < ?{owner} GROUP BY contact_id),
             conv AS (SELECT contact_id, max(at) AS at FROM lifecycle_changes
                      WHERE to_stage IN ({marks}) AND at >= ? AND at < ? GROUP BY contact_id)
        SELECT count(*) AS leads, coalesce(sum(conv.contact_id IS NOT NULL), 0) AS converted
        FROM lead LEFT JOIN conv ON conv.contact_id = lead.contact_id AND conv.at >= lead.at
    """
    return db.row(sql, params) or {"leads": 0, "converted": 0}


def _churns(scope: Scope, params: list[Any]) -> str:
    """The ids of the contacts who churned in the period: by their churned_at, or by their
    timeline, which keeps a churn once they are won back and churned_at is cleared. A
    contact's first stage is not a move into churned: one imported churned has its
    churned_at instead."""
    params += [scope.start, scope.end, scope.start, scope.end]
    return (
        "SELECT contact_id FROM lifecycle_changes WHERE to_stage = 'churned' AND at >= ? AND at < ? "
        "AND from_stage IS NOT NULL UNION SELECT id FROM contacts WHERE churned_at >= ? AND churned_at < ?"
    )


# Customer spells. A contact is a customer in spells: the first from customer_since, each
# later one from a win-back (a move into customer in lifecycle_changes), each until the
# next churn (a move into churned there, or churned_at). The dates on the contact alone
# see a single spell from customer_since to churned_at, and a win-back clears churned_at:
# a customer won back would count as one all the months they were gone.
#
# A customer at moment T is therefore one "by the dates" (customer_since before T, no
# churned_at before T) whose timeline does not put them between two spells at T. Those
# the timeline can disagree about are few and found from the churns before T; everyone
# else is counted from the dates, so a contact without timeline rows (data older than
# the timeline, a customer imported with only customer_since and churned_at) keeps the
# rule the dates give, and the count stays an index-only range scan, less those few.


def _customer_by_dates(alias: str, moment: str, params: list[Any]) -> str:
    params += [moment, moment]
    return f"{alias}customer_since < ? AND ({alias}churned_at IS NULL OR {alias}churned_at >= ?)"


def _between_spells(moment: str, params: list[Any]) -> str:
    """True when contact `c`'s last move into or out of being a customer before `moment`
    was a churn. A first stage (from_stage NULL) is not a move: an import dates it at the
    contact's creation, whatever the stage, and customer_since starts the first spell.
    The unary pluses keep SQLite on the contact's own rows (idx_lifecycle_changes_contact_id)
    instead of walking every contact's moves before `moment`."""
    params.append(moment)
    return (
        "(SELECT l.to_stage FROM lifecycle_changes l WHERE l.contact_id = c.id AND +l.at < ? "
        "AND +l.to_stage IN ('customer', 'churned') AND l.from_stage IS NOT NULL "
        "ORDER BY l.at DESC, l.id DESC LIMIT 1) IS 'churned'"
    )


def _earlier_churns(moment: str, params: list[Any]) -> str:
    """(at, contact id) of the churns before `moment` other than the one a churned_at
    holds: only their contacts can be between spells while the dates say customer. Most
    churns before `moment` are a churned_at before it too (a customer who left and stayed
    away): a merge of the two date indexes, read in the same (date, id) order, drops them
    without looking at a single contact. A first stage into churned (an imported churned
    contact, dated at its creation) may stay among them: _between_spells looks past it."""
    params += [moment, moment]
    return (
        "SELECT at, contact_id FROM lifecycle_changes WHERE to_stage = 'churned' AND at < ? "
        "EXCEPT SELECT churned_at, id FROM contacts WHERE churned_at < ? ORDER BY 1, 2"
    )


def _gone(moment: str, scope: Scope, params: list[Any]) -> str:
    """A WITH clause naming `gone`: the ids of the customers by the dates at `moment` (of
    the scope's owner) whose timeline has them between spells then: churned before it,
    won back only after it (or not yet)."""
    return (
        f"WITH earlier(at, id) AS ({_earlier_churns(moment, params)}), "
        "gone(id) AS (SELECT c.id FROM contacts c WHERE c.id IN (SELECT id FROM earlier) "
        f"AND {_customer_by_dates('c.', moment, params)}{scope.owned('c.owner', params)} "
        f"AND {_between_spells(moment, params)}) "
    )


def customer_base(db: Database, scope: Scope) -> Row:
    """Customers at the start of the period (`at_start`) and how many of them churned in
    it (`lost_of_start`): the churn rate's denominator and numerator. Someone won back in
    the period and gone again before its end is in neither: not a customer at the start.

    One statement: the few between spells at the start (`gone`, read once) are taken from
    those the dates count (an index-only range scan), and left out of the period's churns,
    which are looked up (a few) rather than tested on each customer (every one of them).
    """
    params: list[Any] = []
    gone = _gone(scope.start, scope, params)
    sql = (
        f"{gone}SELECT (SELECT count(*) FROM contacts WHERE customer_since IS NOT NULL AND "
        f"{_customer_by_dates('', scope.start, params)}{scope.owned('owner', params)}) "
        "- (SELECT count(*) FROM gone) AS at_start, "
        f"(SELECT count(*) FROM contacts c WHERE c.id IN ({_churns(scope, params)}) "
        f"AND {_customer_by_dates('c.', scope.start, params)}{scope.owned('c.owner', params)} "
        "AND c.id NOT IN gone) AS lost_of_start"
    )
    return db.row(sql, params) or {"at_start": 0, "lost_of_start": 0}


def new_customer_sources(db: Database, scope: Scope) -> Row:
    """New customers of the period, and those of them who came by referral."""
    params: list[Any] = [scope.start, scope.end]
    sql = f"""
        SELECT count(*) AS new_customers,
               coalesce(sum(lower(trim(coalesce(source, ''))) = 'referral'
                            OR referred_by IS NOT NULL), 0) AS referred
        FROM contacts WHERE customer_since >= ? AND customer_since < ?
        {scope.owned("owner", params)}
    """
    return db.row(sql, params) or {}


def churned(db: Database, scope: Scope) -> int:
    """Customers (contacts with a customer_since) who churned in the period."""
    params: list[Any] = []
    churns = _churns(scope, params)
    sql = (
        f"SELECT count(*) FROM contacts WHERE id IN ({churns}) "
        "AND customer_since IS NOT NULL" + scope.owned("owner", params)
    )
    return int(db.scalar(sql, params) or 0)


# --- deals --------------------------------------------------------------------------------------


def closed_deals(db: Database, scope: Scope) -> list[Row]:
    """The deals closed in the period, in one read of each date index:

    - outcome "won" and "lost": `deals` and `amount_minor` per currency;
    - outcome "buyers": `deals` is the number of distinct customers of the won deals (a
      deal without a contact counts as its own customer);
    - outcome "cycle": one row per won deal with its `created_at` and `won_at`.

    The won deals are read once (SQLite materialises a common table expression used more
    than once) and aggregated three ways.
    """
    won_params: list[Any] = [scope.start, scope.end]
    won_filters = scope.deal_filters("d", won_params)
    lost_params: list[Any] = [scope.start, scope.end]
    lost_filters = scope.deal_filters("d", lost_params)
    sql = f"""
        WITH won AS (SELECT d.id, d.contact_id, d.currency, d.amount_minor, d.created_at, d.won_at
                     FROM deals d
                     WHERE d.won_at >= ? AND d.won_at < ? AND d.status = 'won'{won_filters})
        SELECT 'won' AS outcome, currency, count(*) AS deals, {exact_sum("amount_minor", "amount_minor")},
               NULL AS created_at, NULL AS won_at
          FROM won GROUP BY currency
        UNION ALL
        SELECT 'lost', d.currency, count(*), {exact_sum("d.amount_minor", "amount_minor")}, NULL, NULL
          FROM deals d
          WHERE d.lost_at >= ? AND d.lost_at < ? AND d.status = 'lost'{lost_filters} GROUP BY d.currency
        UNION ALL
        SELECT 'buyers', NULL, count(DISTINCT coalesce(contact_id, -id)), NULL, NULL, NULL, NULL FROM won
        UNION ALL
        SELECT 'cycle', NULL, NULL, NULL, NULL, created_at, won_at FROM won
    """
    return joined(db.rows(sql, won_params + lost_params), "amount_minor")


def open_pipeline(db: Database, scope: Scope) -> list[Row]:
    """Deals open at the end of the period, per pipeline, stage (at the end) and currency.

    Two disjoint parts: deals open now that have not changed stage since the end (in their
    pipeline and stage now, read from the status index), and deals that changed stage or
    were closed since the end, in the pipeline and stage of their last stage change before
    the end. Won or lost is final for the period: a deal closed before the end counts in
    neither, even when it was reopened since. The second part is driven by the ids of what
    changed since the end (a few for a recent period); the unary + keeps SQLite from
    reading every deal created before the end instead.
    """
    # Open now, not moved and not created since the end: read from the status index alone.
    still_params: list[Any] = [scope.end, scope.end]
    amount = exact_sum("d.amount_minor", "amount_minor")
    still = (
        f"SELECT d.pipeline, d.stage, d.currency, count(*) AS deals, {amount} "
        "FROM deals d WHERE d.status = 'open' AND d.id NOT IN (SELECT deal_id FROM deal_stage_changes "
        "WHERE at >= ? UNION ALL SELECT id FROM deals WHERE created_at >= ?)"
        + scope.deal_filters("d", still_params)
        + " GROUP BY d.pipeline, d.stage, d.currency"
    )
    since_params: list[Any] = [scope.end, scope.end, scope.end, scope.end, scope.end]
    since = (
        "SELECT c.pipeline, c.to_stage AS stage, d.currency, count(*) AS deals, "
        f"{amount} FROM deals d JOIN deal_stage_changes c ON c.id = "
        "  (SELECT id FROM deal_stage_changes WHERE deal_id = d.id AND at < ? "
        "   ORDER BY at DESC, id DESC LIMIT 1) "
        "WHERE d.id IN (SELECT deal_id FROM deal_stage_changes WHERE at >= ? "
        "  UNION SELECT id FROM deals WHERE won_at >= ? UNION SELECT id FROM deals WHERE lost_at >= ?) "
        "AND +d.created_at < ? AND c.to_stage NOT IN ('won', 'lost')"
        + scope.owned("d.owner", since_params)
        + scope.in_pipeline("c.pipeline", since_params)
        + " GROUP BY 1, 2, 3"
    )
    return joined(
        db.rows(f"{still} UNION ALL {since} ORDER BY 1, 2, 3", still_params + since_params), "amount_minor"
    )


def new_deals(db: Database, scope: Scope) -> list[Row]:
    """Deals created in the period, per pipeline they were created in and currency.

    The pipeline is that of the deal's first stage change (its creation), not the one it
    is in today: a deal moved to another pipeline since stays where a report of the period
    first counted it. A deal without stage changes (none is written without one) keeps
    its pipeline of today. One lookup on the deal's own stage changes per new deal: the
    MATERIALIZED keeps SQLite from repeating it for the filter, the grouping and the result.
    """
    params: list[Any] = [scope.start, scope.end]
    created_in = (
        "SELECT c.pipeline FROM deal_stage_changes c WHERE c.deal_id = d.id ORDER BY c.at, c.id LIMIT 1"
    )
    sql = (
        f"WITH created AS MATERIALIZED (SELECT coalesce(({created_in}), d.pipeline) AS pipeline, d.currency, "
        "d.amount_minor FROM deals d WHERE d.created_at >= ? AND d.created_at < ?"
        + scope.owned("d.owner", params)
        + f") SELECT pipeline, currency, count(*) AS deals, {exact_sum('amount_minor', 'amount_minor')} "
        "FROM created WHERE 1"
        + scope.in_pipeline("pipeline", params)
        + " GROUP BY pipeline, currency ORDER BY 1, 2"
    )
    return joined(db.rows(sql, params), "amount_minor")


def stage_moves(db: Database, scope: Scope, terminal: tuple[str, ...]) -> list[Row]:
    """Moves between open stages in the period, per (pipeline, stage) the deal left and
    (pipeline, stage) it went to. Not a deal's first stage, not a move into won or lost,
    and not a reopen out of them: those are wins, losses and reopens, not stage moves.

    A stage change names only the pipeline the deal was in after it (m008): the one it
    left is that of its stage change before, so that a move to another pipeline is not
    filed under the new pipeline with a stage the new pipeline does not have."""
    marks = ",".join("?" * len(terminal)) or "NULL"
    params: list[Any] = [scope.start, scope.end, *terminal, *terminal]
    owner = scope.owned("d.owner", params)
    left = (
        "SELECT p.pipeline FROM deal_stage_changes p WHERE p.deal_id = c.deal_id "
        "AND (p.at, p.id) < (c.at, c.id) ORDER BY p.at DESC, p.id DESC LIMIT 1"
    )
    sql = (
        f"WITH moved AS (SELECT c.deal_id, coalesce(({left}), c.pipeline) AS from_pipeline, c.from_stage, "
        "c.pipeline AS to_pipeline, c.to_stage FROM deal_stage_changes c JOIN deals d ON d.id = c.deal_id "
        "WHERE c.at >= ? AND c.at < ? AND c.from_stage IS NOT NULL "
        f"AND c.from_stage NOT IN ({marks}) AND c.to_stage NOT IN ({marks}){owner}) "
        "SELECT from_pipeline, from_stage, to_pipeline, to_stage, count(*) AS moves, "
        "count(DISTINCT deal_id) AS deals FROM moved WHERE 1"
        + scope.in_pipeline("from_pipeline", params)
        + " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    )
    return db.rows(sql, params)


def closed_deal_list(db: Database, scope: Scope, outcome: str) -> list[Row]:
    """The deals won (or lost) in the period, with what a report shows of them."""
    column = "won_at" if outcome == "won" else "lost_at"
    params: list[Any] = [scope.start, scope.end, outcome]
    sql = (
        f"SELECT d.id, d.title, d.pipeline, d.owner, d.currency, d.amount_minor, d.{column} AS at, "
        "d.lost_reason, d.created_at, ct.name AS contact, co.name AS company "
        "FROM deals d LEFT JOIN contacts ct ON ct.id = d.contact_id "
        "LEFT JOIN companies co ON co.id = d.company_id "
        f"WHERE d.{column} >= ? AND d.{column} < ? AND d.status = ?"
        + scope.deal_filters("d", params)
        + f" ORDER BY d.{column}, d.id"
    )
    return db.rows(sql, params)


# --- feedback -----------------------------------------------------------------------------------


def feedback_scores(db: Database, scope: Scope) -> dict[str, Row]:
    """Per kind (nps, csat): answers, promoters (9–10), detractors (0–6) and the sum of scores."""
    params: list[Any] = [scope.start, scope.end]
    join = ""
    if scope.owner is not None:
        join = " JOIN contacts ct ON ct.id = f.contact_id"
    sql = (
        "SELECT f.kind, count(*) AS answers, sum(f.score >= 9) AS promoters, "
        "sum(f.score <= 6) AS detractors, sum(f.score) AS total "
        f"FROM feedback f{join} WHERE f.at >= ? AND f.at < ?"
        + scope.owned("ct.owner", params)
        + " GROUP BY f.kind"
    )
    return {row["kind"]: row for row in db.rows(sql, params)}


# --- cases --------------------------------------------------------------------------------------


def cases_opened(db: Database, scope: Scope) -> list[Row]:
    """Cases opened in the period, per priority."""
    params: list[Any] = [scope.start, scope.end]
    sql = (
        "SELECT c.priority, count(*) AS cases FROM cases c WHERE c.opened_at >= ? AND c.opened_at < ?"
        + scope.owned("c.owner", params)
        + " GROUP BY c.priority ORDER BY c.priority"
    )
    return db.rows(sql, params)


def first_responses(db: Database, scope: Scope) -> list[tuple[str, str]]:
    """(opened_at, first_response_at) of the cases first answered in the period."""
    params: list[Any] = [scope.start, scope.end]
    sql = (
        "SELECT c.opened_at, c.first_response_at FROM cases c "
        "WHERE c.first_response_at >= ? AND c.first_response_at < ?" + scope.owned("c.owner", params)
    )
    return [(row[0], row[1]) for row in db.execute(sql, params)]


def resolved_cases(db: Database, scope: Scope) -> list[Row]:
    """Cases resolved (or closed unresolved) in the period, with what an SLA clock needs."""
    params: list[Any] = [scope.start, scope.end]
    sql = (
        "SELECT c.id, c.priority, c.status, c.opened_at, c.first_response_at, c.resolved_at, "
        f"c.closed_at FROM cases c WHERE {RESOLUTION} >= ? AND {RESOLUTION} < ?"
        + scope.owned("c.owner", params)
        + " ORDER BY c.id"
    )
    return db.rows(sql, params)


def breaches(db: Database, scope: Scope) -> list[Row]:
    """SLA breaches (recorded by `crm sla check`) whose target fell due in the period."""
    params: list[Any] = [scope.start, scope.end]
    sql = (
        "SELECT b.case_id, b.target, b.due_at, c.priority, c.subject, c.owner, c.status "
        "FROM sla_breaches b JOIN cases c ON c.id = b.case_id WHERE b.due_at >= ? AND b.due_at < ?"
        + scope.owned("c.owner", params)
        + " ORDER BY b.due_at, b.case_id, b.target"
    )
    return db.rows(sql, params)


# --- activities ---------------------------------------------------------------------------------


def activities_by_owner(db: Database, scope: Scope) -> list[Row]:
    """Activities that happened in the period (open follow-ups left out), per owner and kind."""
    params: list[Any] = [scope.start, scope.end]
    sql = (
        "SELECT coalesce(a.owner, '') AS owner, a.kind, count(*) AS activities FROM activities a "
        f"WHERE a.at >= ? AND a.at < ? AND {DONE}"
        + scope.owned("a.owner", params)
        + " GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return db.rows(sql, params)


def follow_ups_due(db: Database, scope: Scope, as_of: str, limit: int) -> tuple[list[Row], list[Row]]:
    """The follow-ups due in the period that were open at `as_of`: per owner (all), and the
    first `limit` of them.

    Open at `as_of`, not now: created by then and not done by then (one done since counts as
    still open), so that a report of a past moment stays what it was when new follow-ups
    are logged and old ones done. The due date is today's: history alone holds an earlier
    one, and finding the follow-ups whose due date moved since would read all of it."""
    params: list[Any] = [scope.start, scope.end, as_of, as_of]
    where = (
        "a.due_at >= ? AND a.due_at < ? AND a.created_at <= ? AND (a.done_at IS NULL OR a.done_at > ?)"
        + scope.owned("a.owner", params)
    )
    per_owner = db.rows(
        f"SELECT coalesce(a.owner, '') AS owner, count(*) AS due FROM activities a WHERE {where} "
        "GROUP BY 1 ORDER BY 1",
        params,
    )
    first = db.rows(
        "SELECT a.id, a.kind, a.note, a.due_at, a.owner, ct.name AS contact FROM activities a "
        f"LEFT JOIN contacts ct ON ct.id = a.contact_id WHERE {where} ORDER BY a.due_at, a.id LIMIT ?",
        [*params, limit],
    )
    return per_owner, first
