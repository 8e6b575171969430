"""What the bot can say about one person's flex saldo: the number, or why there is none.

Shared by `/flex-hours`, the App Home and flex-hours unfurls, so all three answer alike. The
order of checks: archived people get no number; then the engine (which checks "not active"
first, docs/domain-rules.md rule 3); then "not synced yet" when no hours sync has ever succeeded
(and none of the person's hours are stored); then the engine's "no contract" error or the saldo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.clock import company_yesterday
from core.settings import Settings
from models.bookkeeping import SyncRun
from models.flex.data import load_flex_inputs
from models.flex.saldo import FlexResult, compute_flex
from models.people import Person

FlexReportStatus = Literal["ok", "not_active", "no_contract", "archived", "not_synced"]
HOURS_SYNC_KIND = "hours"


@dataclass(frozen=True)
class FlexReport:
    name: str
    guid: str
    status: FlexReportStatus
    as_of: date
    result: FlexResult | None = None

    @property
    def has_saldo(self) -> bool:
        return self.status == "ok" and self.result is not None and self.result.saldo is not None


async def hours_ever_synced() -> bool:
    return await SyncRun.filter(kind=HOURS_SYNC_KIND, status="succeeded").exists()


async def flex_report_for(
    person: Person, settings: Settings, as_of: date | None = None
) -> FlexReport:
    as_of = as_of or company_yesterday(settings)

    def report(status: FlexReportStatus, result: FlexResult | None = None) -> FlexReport:
        return FlexReport(person.full_name, person.guid, status, as_of, result)

    if person.archived:
        return report("archived")
    inputs = (await load_flex_inputs([person.id], as_of))[person.id]
    # The daily log is not shown in Slack: skip building it (same figures, less work).
    result = compute_flex(inputs, as_of, settings.workday_hours, with_days=False)
    if result.status == "not_active":
        return report("not_active", result)
    # Without any hours sync there is nothing to count yet. After one, no hours simply means
    # none were logged (a new hire): the engine's number stands, as in the CLI and the web.
    if not inputs.days and not await hours_ever_synced():
        return report("not_synced", result)
    return report("ok" if result.status == "ok" else "no_contract", result)
