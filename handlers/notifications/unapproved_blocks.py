"""Block Kit for the weekly unapproved-hours reminder: one message per project to its admins
(or to the notifications admins, saying why), and one about unapproved leave.

Pure functions from domain data to :class:`SlackMessage`; 10000ft's names escaped for mrkdwn,
hours and money with two decimals (money in ``HOURS_CURRENCY``).
"""

from __future__ import annotations

from core.formatting import format_money
from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import Block, context, mrkdwn_section, url_button
from handlers.notifications.wording import entries_text, hours_text
from handlers.slack_ids import ActionId
from models.notifications.periods import DayRange
from models.notifications.unapproved import ProjectInfo, UnapprovedHours
from sync.slack_delivery import SlackMessage

HEADING = "Hours waiting for approval"
LEAVE_HEADING = "Leave waiting for approval"


def project_title(project: ProjectInfo) -> str:
    """``Acme – Apollo`` (plain, not escaped)."""
    return f"{project.client_name} – {project.name}" if project.client_name else project.name


def figures_text(unapproved: UnapprovedHours, currency: str) -> str:
    """``5 entries, 40.00h, 3200.00 EUR`` (plain)."""
    return (
        f"{entries_text(unapproved.count)}, {hours_text(unapproved.hours)}, "
        f"{format_money(unapproved.money)} {currency}"
    )


def statuses_text(unapproved: UnapprovedHours) -> str:
    """``2 pending approval, 1 not submitted yet`` (plain)."""
    parts = []
    if unapproved.pending:
        parts.append(f"{unapproved.pending} pending approval")
    if unapproved.unsubmitted:
        parts.append(f"{unapproved.unsubmitted} not submitted yet")
    return ", ".join(parts)


def _dated(period: DayRange) -> str:
    return f"dated between {period.first.isoformat()} and {period.last.isoformat()}"


def _not_approved(subject: str, unapproved: UnapprovedHours, currency: str, dated: str) -> str:
    """``SUBJECT has *5 entries* not approved, *40.00h*, *3200.00 EUR*, dated … (2 pending
    approval).`` (``subject``: mrkdwn)."""
    body = (
        f"{subject} has *{entries_text(unapproved.count)}* not approved, "
        f"*{hours_text(unapproved.hours)}*, *{format_money(unapproved.money)} {currency}*, {dated}"
    )
    statuses = statuses_text(unapproved)
    return body + (f" ({statuses})." if statuses else ".")


def why_admins(project: ProjectInfo) -> str:
    """Why a project's message went to the notifications admins (plain)."""
    if not project.admins:
        return "the project has no admins (no tag names a person)"
    names = ", ".join(admin.name for admin in project.admins)
    return f"none of its admins ({names}) has a Slack account"


def unapproved_message(
    unapproved: UnapprovedHours,
    project: ProjectInfo,
    period: DayRange,
    settings: Settings,
    *,
    for_admins: bool = False,
) -> SlackMessage:
    """To the project's admins (``for_admins``: to the notifications admins instead)."""
    currency = settings.hours_currency
    title = escape_mrkdwn(project_title(project))
    archived = " (archived)" if project.archived else ""
    dated = _dated(period)
    body = _not_approved(f"*{title}*{archived}", unapproved, currency, dated)
    body += " Please approve them in 10000ft (or ask for them to be submitted)."
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": HEADING}},
        mrkdwn_section(body),
        {
            "type": "actions",
            "elements": [
                url_button(
                    "Open in 10000ft",
                    settings.tenkfeet_project_link(project.tenkfeet_id),
                    ActionId.UNAPPROVED_OPEN_TENKFEET,
                    style="primary",
                ),
                url_button(
                    "Project on the admin site",
                    settings.public_link(f"/projects/{project.guid}"),
                    ActionId.UNAPPROVED_OPEN_PROJECT,
                ),
            ],
        },
    ]
    if for_admins:
        blocks.append(
            context(
                "You get this as a notifications admin: " + escape_mrkdwn(why_admins(project)) + "."
            )
        )
    else:
        blocks.append(context("You get this as an admin of the project (its tags in 10000ft)."))
    text = (
        f"{project_title(project)}{archived}: {figures_text(unapproved, currency)} "
        f"not approved, {dated}."
    )
    return SlackMessage(text=escape_mrkdwn(text), blocks=blocks)


def leave_message(
    unapproved: UnapprovedHours, period: DayRange, settings: Settings
) -> SlackMessage:
    """To the notifications admins: leave entries (no project) not approved."""
    currency = settings.hours_currency
    dated = _dated(period)
    body = _not_approved("*Leave*", unapproved, currency, dated)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": LEAVE_HEADING}},
        mrkdwn_section(body),
        {
            "type": "actions",
            "elements": [
                url_button(
                    "Open 10000ft",
                    settings.tenkfeet_app_url,
                    ActionId.UNAPPROVED_OPEN_TENKFEET,
                    style="primary",
                )
            ],
        },
        context("You get this as a notifications admin: leave belongs to no project."),
    ]
    text = f"Leave: {figures_text(unapproved, currency)} not approved, {dated}."
    return SlackMessage(text=text, blocks=blocks)
