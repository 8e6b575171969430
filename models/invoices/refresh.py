"""The hours sync's invoice hook: invoices exist for every project-month with entries, and the
invoices whose days a sync changed are handed to :func:`refresh_invoice_figures`, which has
no body yet (docs/domain-rules.md, "Invoices")."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from models.invoices.records import Invoice


async def ensure_invoices(keys: Iterable[tuple[int, int, int]]) -> list[UUID]:
    """Make sure an invoice exists for each (project_id, year, month); returns all their ids.

    One query finds the existing ones and one bulk insert adds the missing; a concurrent
    creator is tolerated (ignore_conflicts), since (project, year, month) is unique.
    """
    wanted = set(keys)
    if not wanted:
        return []
    project_ids = {project_id for project_id, _, _ in wanted}
    years = {year for _, year, _ in wanted}
    existing = await Invoice.filter(project_id__in=project_ids, year__in=years).values_list(
        "project_id", "year", "month"
    )
    have = {(int(p), int(y), int(m)) for p, y, m in existing}
    missing = sorted(wanted - have)
    if missing:
        await Invoice.bulk_create(
            [Invoice(project_id=p, year=y, month=m) for p, y, m in missing],
            ignore_conflicts=True,
        )
    ids: list[UUID] = []
    for chunk_start in range(0, len(project_ids), 500):
        chunk = sorted(project_ids)[chunk_start : chunk_start + 500]
        rows = await Invoice.filter(project_id__in=chunk, year__in=years).values_list(
            "id", "project_id", "year", "month"
        )
        ids.extend(i for i, p, y, m in rows if (int(p), int(y), int(m)) in wanted)
    return ids


async def refresh_invoice_figures(invoice_ids: Iterable[UUID]) -> None:
    """A no-op hook until invoice figures exist: nothing is recomputed yet.

    The invoices issue gives it its body (the cached figures, checks, remarkable change and
    "changed since approval", from the entries). The hours sync already calls it with the
    invoices whose project-months had a changed day.
    """
    return None
