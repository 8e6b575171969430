"""`financebot migrate` recomputes invoice figures left stale by an upgrade or by changed
invoice settings, and only then."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal

from models import Invoice
from tests.support.invoices import invoice_of, person, project, row, store_entries
from tests.support.processes import start_cli


async def migrate(database_url: str, **env: str) -> tuple[int, str]:
    proc = await start_cli("migrate", env={**os.environ, "DATABASE_URL": database_url, **env})
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert err.decode() == ""
    return int(proc.returncode or 0), out.decode()


async def test_migrate_recomputes_stale_invoice_figures(db: str) -> None:
    acme = await project(1, "Acme portal")
    await store_entries(await person(), [row(acme, "2024-03-04", "7.5", "50")])
    assert (await invoice_of(acme, 2024, 3)).figures_updated_at is None  # from before figures

    code, out = await migrate(db)
    assert code == 0
    assert out.splitlines() == [
        "database is at the current schema",
        "invoice figures recomputed from the hour entries (1 changed)",
    ]
    march = await invoice_of(acme, 2024, 3)
    assert (march.hours, march.money, march.odd_rate_count) == (Decimal("7.5"), Decimal(375), 1)

    assert (await migrate(db))[1].splitlines() == ["database is at the current schema"]

    code, out = await migrate(db, BILL_RATE_MIN="40")
    assert "invoice figures recomputed from the hour entries (1 changed)" in out
    assert (await Invoice.get(id=march.id)).odd_rate_count == 0
