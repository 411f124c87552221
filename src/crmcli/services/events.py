"""Named domain events and the one small mechanism that delivers them.

A service emits an event through `Session.emit` inside its write transaction; every
handler runs in that same transaction, so a handler that fails (a broken routing rule)
rolls the whole command back. Handlers are named as "module:function" and imported
only when an event is emitted, so that commands that emit nothing pay nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.services.session import Session

EVENT_NAMES = (
    "contact.created",
    "contact.updated",
    "contact.churned",
    "company.created",
    "lead.created",
    "lead.qualified",
    "lead.converted",
    "deal.created",
    "deal.stage_changed",
    "deal.won",
    "deal.lost",
    "case.opened",
    "case.assigned",
    "case.escalated",
    "case.resolved",
    "case.sla_breached",
)


@dataclass(frozen=True)
class Event:
    name: str
    entity: str  # the table-level kind of record: contact, company, deal, case
    entity_id: int
    data: dict[str, Any] = field(default_factory=dict)
    # Fields of the record as they were when the event happened, where they differ from
    # now (`sla check` of an earlier moment): what rules decide on. Their actions change the
    # record as it is now.
    as_was: dict[str, Any] = field(default_factory=dict)


Handler = Callable[["Session", Event], None]

# Handlers by "module:function"; features append theirs here.
HANDLERS: list[str] = [
    "crmcli.services.routing:on_event",
]

_loaded: dict[str, Handler] = {}


def dispatch(session: Session, event: Event) -> None:
    if event.name not in EVENT_NAMES:
        raise ValueError(f"unknown event {event.name!r}")  # a programming error, not input
    for spec in HANDLERS:
        handler = _loaded.get(spec)
        if handler is None:
            module, _, name = spec.partition(":")
            handler = _loaded[spec] = getattr(importlib.import_module(module), name)
        handler(session, event)


def listened(session: Session, name: str) -> bool:
    """Whether a handler may act on events of this name, so that bulk writers (imports)
    can skip building a million events nobody listens to. A handler's module says what
    it listens to with `listens(session, name)`; a module without one hears everything."""
    for spec in HANDLERS:
        module = importlib.import_module(spec.partition(":")[0])
        listens = getattr(module, "listens", None)
        if listens is None or listens(session, name):
            return True
    return False
