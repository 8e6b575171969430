"""Upstream items that failed validation: left out of the sync, counted and recorded.

Each becomes an Event of kind ``sync.KIND.invalid`` naming the item's id, the field and the
kind of value found there (never the value: it may be long, or someone's personal text).
A run records at most ``EVENTS_PER_RUN`` of them, then one event saying how many more.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from models import Event
from sync.tenkfeet.schema import InvalidItem

log = logging.getLogger(__name__)

EVENTS_PER_RUN = 100


def event_kind(sync_kind: str) -> str:
    return f"sync.{sync_kind}.invalid"


async def record_invalid(sync_kind: str, items: Sequence[InvalidItem]) -> None:
    """One event per invalid item of a ``sync_kind`` run (at most ``EVENTS_PER_RUN``)."""
    if not items:
        return
    kind = event_kind(sync_kind)
    log.warning("%s sync skipped %d invalid upstream items", sync_kind, len(items))
    await Event.bulk_create(
        [
            Event(
                kind=kind,
                message=item.describe(),
                data={
                    "model": item.model,
                    "id": item.item_id,
                    "field": item.field,
                    "kind": item.kind,
                    "problem": item.problem,
                },
            )
            for item in items[:EVENTS_PER_RUN]
        ]
    )
    if len(items) > EVENTS_PER_RUN:
        more = len(items) - EVENTS_PER_RUN
        await Event.create(
            kind=kind,
            message=f"and {more} more invalid items skipped by the same {sync_kind} sync",
            data={"more": more},
        )
