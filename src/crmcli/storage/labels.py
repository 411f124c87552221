"""Tags and custom fields, which any kind of record can carry (entity, entity_id)."""

from __future__ import annotations

from collections.abc import Iterable

from crmcli.storage.db import Database, batches


def tags_of(db: Database, entity: str, ids: Iterable[int]) -> dict[int, list[str]]:
    id_list = list(ids)
    found: dict[int, list[str]] = {i: [] for i in id_list}
    for chunk in batches(id_list):
        marks = ",".join("?" * len(chunk))
        for entity_id, tag in db.execute(
            f"SELECT entity_id, tag FROM tags WHERE entity = ? AND entity_id IN ({marks}) ORDER BY tag",
            [entity, *chunk],
        ):
            found[entity_id].append(tag)
    return found


def add_tags(db: Database, entity: str, entity_id: int, tags: Iterable[str]) -> None:
    db.executemany(
        "INSERT OR IGNORE INTO tags (entity, entity_id, tag) VALUES (?, ?, ?)",
        [(entity, entity_id, tag) for tag in tags],
    )


def remove_tags(db: Database, entity: str, entity_id: int, tags: Iterable[str]) -> None:
    db.executemany(
        "DELETE FROM tags WHERE entity = ? AND entity_id = ? AND tag = ?",
        [(entity, entity_id, tag) for tag in tags],
    )


def all_tags(db: Database, entity: str) -> list[tuple[str, int]]:
    return [
        (tag, count)
        for tag, count in db.execute(
            "SELECT tag, count(*) FROM tags WHERE entity = ? GROUP BY tag ORDER BY tag", [entity]
        )
    ]


def fields_of(db: Database, entity: str, ids: Iterable[int]) -> dict[int, dict[str, str]]:
    id_list = list(ids)
    found: dict[int, dict[str, str]] = {i: {} for i in id_list}
    for chunk in batches(id_list):
        marks = ",".join("?" * len(chunk))
        for entity_id, key, value in db.execute(
            f"SELECT entity_id, key, value FROM custom_fields WHERE entity = ? "
            f"AND entity_id IN ({marks}) ORDER BY key",
            [entity, *chunk],
        ):
            found[entity_id][key] = value
    return found


def set_fields(db: Database, entity: str, entity_id: int, values: dict[str, str | None]) -> None:
    """Set each key; a None value removes the field."""
    for key, value in values.items():
        if value is None:
            db.execute(
                "DELETE FROM custom_fields WHERE entity = ? AND entity_id = ? AND key = ?",
                [entity, entity_id, key],
            )
        else:
            db.execute(
                "INSERT INTO custom_fields (entity, entity_id, key, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (entity, entity_id, key) DO UPDATE SET value = excluded.value",
                [entity, entity_id, key, value],
            )


def drop_labels(db: Database, entity: str, entity_id: int) -> None:
    db.execute("DELETE FROM tags WHERE entity = ? AND entity_id = ?", [entity, entity_id])
    db.execute("DELETE FROM custom_fields WHERE entity = ? AND entity_id = ?", [entity, entity_id])
