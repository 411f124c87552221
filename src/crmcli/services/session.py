"""A Session is one command's unit of work: database, config, actor and a fixed "now".

Every change goes through `session.write(...)`: one transaction, one `changes` row, one
`history` row per record touched, and the events it emits handled inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from crmcli.clock import to_iso, utcnow, zone
from crmcli.storage import history

if TYPE_CHECKING:
    from crmcli.config import Config
    from crmcli.services.events import Event
    from crmcli.storage.db import Database


class Session:
    # A plain class, not a dataclass: see the note above crmcli.config.Problem. The events
    # module is imported on the first emit, so a command that only reads never loads it.
    def __init__(self, db: Database, config: Config, actor: str, now: datetime | None = None) -> None:
        self.db = db
        self.config = config
        self.actor = actor
        self.now = utcnow() if now is None else now
        self.emitted: list[Event] = []
        # (rule index, event, entity, id) of each rule applied in this command: a rule is
        # applied once per record and event however often the event fires (routing.on_event).
        self.rules_applied: set[tuple[int, str, str, int]] = set()
        # (entity, id, action) of each rule action not done because the commands refuse it
        # for the record as it is now (a closed case is not escalated): for a summary to say.
        self.held_back: list[tuple[str, int, str]] = []
        self._command: str | None = None
        self._change_id: int | None = None

    @property
    def now_iso(self) -> str:
        return to_iso(self.now)

    @property
    def tz(self) -> tzinfo:
        """The acting user's time zone: their [[team]] entry, the config, or the machine's."""
        return zone(self.config.timezone_for(self.actor))

    @contextmanager
    def write(self, command: str) -> Iterator[Session]:
        """One transaction for the whole command; nested calls join the outer one."""
        outer = self._command is None
        if outer:
            self._command = command
            self._change_id = None
        try:
            with self.db.transaction():
                yield self
                if outer and self._change_id is not None and self.db.timeline_written:
                    self._record_timeline()
        finally:
            if outer:
                self._command = None
                self._change_id = None

    def _record_timeline(self) -> None:
        """Name the timeline rows this change added (stage changes, case events), so that
        `crm undo` removes exactly those: a history row about the change itself."""
        written: dict[str, list[int]] = {}
        for table, row_id in self.db.timeline_written:
            written.setdefault(table, []).append(row_id)
        history.add_history(self.db, change_id=self.change_id, at=self.now_iso, actor=self.actor,
                            entity="change", entity_id=self.change_id, action="timeline",
                            before=None, after=written)  # fmt: skip

    @property
    def change_id(self) -> int:
        if self._command is None:
            raise RuntimeError("changes are recorded only inside session.write()")
        if self._change_id is None:
            self._change_id = history.new_change(self.db, self.now_iso, self.actor, self._command)
        return self._change_id

    def recorded_nothing(self) -> bool:
        """Whether this command has written nothing to any record's story so far: its
        change (if it made one) names no history, and no timeline row was added."""
        if self.db.timeline_written:
            return False
        return self._change_id is None or history.names_nothing(self.db, self._change_id)

    def record(
        self,
        entity: str,
        entity_id: int,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> None:
        history.add_history(
            self.db,
            change_id=self.change_id,
            at=self.now_iso,
            actor=self.actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
            note=note,
        )

    def emit(self, name: str, entity: str, entity_id: int, **data: Any) -> Event:
        from crmcli.services import events

        return self.deliver(events.Event(name, entity, entity_id, data))

    def deliver(self, event: Event) -> Event:
        """Hand an event to its handlers: one that `emit` built, or one built with more in
        it than its data (`sla check` of an earlier moment: the record as it was then)."""
        from crmcli.services import events

        self.emitted.append(event)
        events.dispatch(self, event)
        return event


def new_uid() -> str:
    """A stable unique id for exports and future team databases (uuid is imported late:
    it pulls in `platform`, ~3 ms that listing commands need not pay)."""
    import uuid

    return uuid.uuid4().hex


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed, as (old values, new values)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
