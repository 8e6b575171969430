"""Linking AWS accounts to projects, audit-logged: the CLI (`financebot aws`) and the /aws
page both come here.

A link makes the project's invoice of every month with the account's costs carry them:
those invoices are created if missing (even without hours) and refreshed in the same
transaction; unlinking refreshes them without the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from models.audit import record_change
from models.aws import AwsAccount, AwsBillingRow
from models.invoices.refresh import ensure_invoices, refresh_invoice_months
from models.projects import Project

AUDIT_ENTITY = "aws_account_link"
_ACCOUNT = re.compile(r"[0-9]{12}")


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
    if not _ACCOUNT.fullmatch(cleaned):
        raise InvalidInput("account", f"{cleaned[:40]!r} is not an AWS account id (12 digits).")
    return cleaned


def _audit_values(account: AwsAccount, project: Project) -> dict[str, str]:
    return {
        "account": account.account_id,
        "name": account.name,
        "project": project.name,
        "project_guid": project.guid,
    }


async def _refresh(account: AwsAccount, project: Project, *, create: bool) -> int:
    months = (
        await AwsBillingRow.filter(account_id=account.id).distinct().values_list("year", "month")
    )
    keys = {(project.id, int(year), int(month)) for year, month in months}
    if not keys:
        return 0
    if create:
        await ensure_invoices(keys)
    return len(await refresh_invoice_months(keys))


async def link_account(account_id: str, project_guid: str, *, actor: str) -> LinkChange:
    """Links the account (created when the import has not seen it yet) to the project."""
    account_id = checked_account_id(account_id)
    project = await _project(project_guid)
    async with in_transaction():
        account, _ = await AwsAccount.get_or_create(account_id=account_id)
        if await account.projects.filter(id=project.id).exists():
            return LinkChange(False, f"{account_id} is already linked to {project.name}.")
        await account.projects.add(project)
        await record_change(
            actor=actor,
            entity=AUDIT_ENTITY,
            entity_id=account_id,
            action="link",
            before=None,
            after=_audit_values(account, project),
        )
        refreshed = await _refresh(account, project, create=True)
    return LinkChange(True, f"Linked {account_id} to {project.name}.", refreshed)


async def unlink_account(account_id: str, project_guid: str, *, actor: str) -> LinkChange:
    """Takes the project off the account; its invoices no longer carry the account's costs."""
    account_id = checked_account_id(account_id)
    project = await _project(project_guid)
    async with in_transaction():
        account = await AwsAccount.get_or_none(account_id=account_id)
        if account is None or not await account.projects.filter(id=project.id).exists():
            return LinkChange(False, f"{account_id} is not linked to {project.name}.")
        await account.projects.remove(project)
        await record_change(
            actor=actor,
            entity=AUDIT_ENTITY,
            entity_id=account_id,
            action="unlink",
            before=_audit_values(account, project),
            after=None,
        )
        refreshed = await _refresh(account, project, create=False)
    return LinkChange(True, f"Unlinked {account_id} from {project.name}.", refreshed)
