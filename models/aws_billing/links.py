"""Linking AWS accounts to projects, audit-logged: the CLI (`financebot aws`) and the /aws
page both come here.

An account is billed to at most one project: its whole month total goes on that project's
invoice, so two projects would bill it twice. Linking an account that is linked elsewhere
moves it (the audit entry says from which project to which). A link makes the project's
invoice of every month with the account's costs carry them: those invoices are created if
missing (even without hours) and refreshed in the same transaction; the project it leaves has
its invoices refreshed without the account.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from models.audit import record_change
from models.aws import AwsAccount, AwsMonthTotal, is_account_id
from models.invoices.refresh import ensure_invoices, refresh_invoice_months
from models.projects import Project

AUDIT_ENTITY = "aws_account_link"


@dataclass(frozen=True)
class LinkChange:
    changed: bool
    message: str
    invoices: int = 0
    """Invoices whose figures changed."""


async def _project(guid: str) -> Project:
    project = await Project.get_or_none(guid=guid.strip())
    if project is None:
        raise NotFound(f"No project has the guid {guid.strip()[:64]!r}.")
    return project


def checked_account_id(account_id: str) -> str:
    cleaned = account_id.strip()
    if not is_account_id(cleaned):
        raise InvalidInput("account", f"{cleaned[:40]!r} is not an AWS account id (12 digits).")
    return cleaned


def _audit_values(account: AwsAccount, project: Project) -> dict[str, str]:
    return {
        "account": account.account_id,
        "name": account.name,
        "project": project.name,
        "project_guid": project.guid,
    }


async def _refresh(account: AwsAccount, project_id: int, *, create: bool) -> int:
    """Refreshes (``create``: and creates) the project's invoices of the account's months."""
    months = (
        await AwsMonthTotal.filter(account_id=account.id).distinct().values_list("year", "month")
    )
    keys = {(project_id, int(year), int(month)) for year, month in months}
    if not keys:
        return 0
    if create:
        await ensure_invoices(keys)
    return len(await refresh_invoice_months(keys))


async def link_account(account_id: str, project_guid: str, *, actor: str) -> LinkChange:
    """Links the account (created when the import has not seen it yet) to the project, moving
    it from the project it was linked to."""
    account_id = checked_account_id(account_id)
    project = await _project(project_guid)
    async with in_transaction():
        account, _ = await AwsAccount.get_or_create(account_id=account_id)
        account = await AwsAccount.select_for_update().get(id=account.id)
        previous_id: int | None = account.project_id  # type: ignore[attr-defined]
        if previous_id == project.id:
            return LinkChange(False, f"{account_id} is already linked to {project.name}.")
        previous = await Project.get(id=previous_id) if previous_id is not None else None
        await AwsAccount.filter(id=account.id).update(project_id=project.id)
        await record_change(
            actor=actor,
            entity=AUDIT_ENTITY,
            entity_id=account_id,
            action="link" if previous is None else "move",
            before=None if previous is None else _audit_values(account, previous),
            after=_audit_values(account, project),
        )
        refreshed = await _refresh(account, project.id, create=True)
        if previous is not None:
            refreshed += await _refresh(account, previous.id, create=False)
    if previous is None:
        return LinkChange(True, f"Linked {account_id} to {project.name}.", refreshed)
    return LinkChange(
        True, f"Moved {account_id} from {previous.name} to {project.name}.", refreshed
    )


async def unlink_account(
    account_id: str, project_guid: str | None = None, *, actor: str
) -> LinkChange:
    """Takes the account off its project, whose invoices then no longer carry its costs.
    With ``project_guid``, refuses (InvalidInput, nothing changed) when the account is linked
    to another project: the person meant some other link."""
    account_id = checked_account_id(account_id)
    named = await _project(project_guid) if project_guid else None
    async with in_transaction():
        account = await AwsAccount.select_for_update().get_or_none(account_id=account_id)
        project_id: int | None = account.project_id if account else None  # type: ignore[attr-defined]
        if account is None or project_id is None:
            return LinkChange(False, f"{account_id} is not linked to any project.")
        project = await Project.get(id=project_id)
        if named is not None and named.id != project.id:
            raise InvalidInput(
                "project",
                f"{account_id} is linked to {project.name} ({project.guid}), not to "
                f"{named.name}: nothing changed.",
            )
        await AwsAccount.filter(id=account.id).update(project_id=None)
        await record_change(
            actor=actor,
            entity=AUDIT_ENTITY,
            entity_id=account_id,
            action="unlink",
            before=_audit_values(account, project),
            after=None,
        )
        refreshed = await _refresh(account, project.id, create=False)
    return LinkChange(True, f"Unlinked {account_id} from {project.name}.", refreshed)
