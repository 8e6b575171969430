"""Block Kit for the weekly manager digest: one admin's projects with something waiting, and
the report to the notifications admins about an admin without a Slack account.

Per project: its hours not approved (count, hours, money), the people with unsubmitted hours
on it, each invoice waiting for approval with its month, state and a Review button (the same
one as App Home's: it opens the review modal), and links to the project in 10000ft and on the
admin site. A digest too long for one message (Slack's 50 blocks) is split between projects
into parts, each a message of its own. Pure functions; 10000ft's names escaped for mrkdwn,
hours and money with two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.formatting import format_money
from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import (
    MESSAGE_BLOCK_LIMIT,
    Block,
    context,
    in_parts,
    mrkdwn_section,
    url_button,
)
from handlers.invoices.blocks import waiting_review_button
from handlers.notifications.unapproved_blocks import project_title, statuses_text
from handlers.notifications.wording import (
    entries_text,
    hours_text,
    invoices_text,
    people_text,
    plural,
)
from handlers.slack_ids import ActionId
from models.invoices.waiting import WaitingInvoice
from models.invoices.wording import state_text
from models.notifications.manager_digest import ProjectWaiting, UnsubmittedPerson
from models.notifications.periods import DayRange
from models.notifications.unapproved import AdminInfo
from sync.slack_delivery import SlackMessage

HEADING = "Waiting for you"
NO_SLACK_HEADING = "Waiting for an admin without Slack"
INVOICES_SHOWN = 10  # per project; the rest are counted, with a link to the invoices page
PEOPLE_SHOWN = 20  # per project
DIGEST_ROOM = MESSAGE_BLOCK_LIMIT - 3  # a part's header, intro and footer


def project_summary(waiting: ProjectWaiting, currency: str) -> str:
    """``Acme – Apollo: 3 entries not approved (10.75h, 931.13 EUR), 1 invoice waiting for
    approval, 2 people with unsubmitted hours`` (plain, not escaped)."""
    parts = []
    if waiting.unapproved is not None:
        u = waiting.unapproved
        parts.append(
            f"{entries_text(u.count)} not approved "
            f"({hours_text(u.hours)}, {format_money(u.money)} {currency})"
        )
    if waiting.invoices:
        parts.append(f"{invoices_text(len(waiting.invoices))} waiting for approval")
    if waiting.unsubmitted:
        parts.append(f"{people_text(len(waiting.unsubmitted))} with unsubmitted hours")
    archived = " (archived)" if waiting.project.archived else ""
    return f"{project_title(waiting.project)}{archived}: {', '.join(parts)}"


def digest_summary(projects: Sequence[ProjectWaiting]) -> str:
    """``2 projects: 4 entries not approved, 1 invoice, 2 people with unsubmitted hours``."""
    entries = sum(p.unapproved.count for p in projects if p.unapproved is not None)
    invoices = sum(len(p.invoices) for p in projects)
    people = len({u.person.id for p in projects for u in p.unsubmitted})
    return (
        f"{plural(len(projects), 'project', 'projects')}: {entries_text(entries)} not approved, "
        f"{invoices_text(invoices)}, {people_text(people)} with unsubmitted hours"
    )


def _person_line(person: UnsubmittedPerson) -> str:
    name = escape_mrkdwn(person.person.name)
    return f"{name} ({entries_text(person.count)}, {hours_text(person.hours)})"


def _project_section(waiting: ProjectWaiting, settings: Settings) -> Block:
    archived = " (archived)" if waiting.project.archived else ""
    lines = [f"*{escape_mrkdwn(project_title(waiting.project))}*{archived}"]
    if waiting.unapproved is not None:
        u = waiting.unapproved
        statuses = statuses_text(u)
        lines.append(
            f"• Hours not approved: *{entries_text(u.count)}*, *{hours_text(u.hours)}*, "
            f"*{format_money(u.money)} {settings.hours_currency}*"
            + (f" ({statuses})" if statuses else "")
        )
    if waiting.unsubmitted:
        shown = [_person_line(p) for p in waiting.unsubmitted[:PEOPLE_SHOWN]]
        more = len(waiting.unsubmitted) - PEOPLE_SHOWN
        if more > 0:
            shown.append(f"and {more} more")
        lines.append("• Unsubmitted hours: " + ", ".join(shown))
    if waiting.invoices:
        lines.append(f"• {invoices_text(len(waiting.invoices))} waiting for approval:")
    return mrkdwn_section("\n".join(lines))


def _invoice_block(invoice: WaitingInvoice, settings: Settings, *, reviewable: bool) -> Block:
    url = settings.public_link(f"/invoices/{invoice.id}")
    text = f"Invoice *{invoice.period}*: {state_text(invoice.state)}, {hours_text(invoice.hours)}"
    if invoice.changed_since_approval:
        text += ", *changed since approval*: it needs to be approved again"
    block = mrkdwn_section(f"{text} · <{url}|Open>")
    if reviewable:
        block["accessory"] = waiting_review_button(invoice)
    return block


def project_blocks(
    waiting: ProjectWaiting, settings: Settings, *, reviewable: bool = True
) -> list[Block]:
    """One project: its section, its invoices (at most :data:`INVOICES_SHOWN`), its links."""
    blocks = [_project_section(waiting, settings)]
    blocks += [
        _invoice_block(invoice, settings, reviewable=reviewable)
        for invoice in waiting.invoices[:INVOICES_SHOWN]
    ]
    more = len(waiting.invoices) - INVOICES_SHOWN
    if more > 0:
        blocks.append(
            context(
                f"… and {invoices_text(more)} more: "
                f"<{settings.public_link('/invoices')}|the invoices on the admin site>"
            )
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                url_button(
                    "Open in 10000ft",
                    settings.tenkfeet_project_link(waiting.project.tenkfeet_id),
                    ActionId.DIGEST_OPEN_TENKFEET,
                ),
                url_button(
                    "Project on the admin site",
                    settings.public_link(f"/projects/{waiting.project.guid}"),
                    ActionId.DIGEST_OPEN_PROJECT,
                ),
            ],
        }
    )
    return blocks


def _dated(period: DayRange) -> str:
    return f"hours dated between {period.first.isoformat()} and {period.last.isoformat()}"


def digest_messages(
    projects: Sequence[ProjectWaiting],
    period: DayRange,
    settings: Settings,
    *,
    without_slack: AdminInfo | None = None,
) -> list[SlackMessage]:
    """One admin's digest, in as many messages as Slack's block limit needs (split between
    projects). ``without_slack``: the report about that admin to the notifications admins,
    without Review buttons (they act for the project's admins)."""
    heading = HEADING if without_slack is None else NO_SLACK_HEADING
    count = plural(len(projects), "project", "projects")
    if without_slack is None:
        intro = (
            f"This is what waits for you in *{count}* ({_dated(period)}, invoices of closed "
            "months)."
        )
        footer = "You get this as an admin of these projects (their tags in 10000ft)."
        text_intro = "Waiting for you"
    else:
        name = escape_mrkdwn(without_slack.name)
        intro = (
            f"*{name}* has no Slack account, so I could not send them their weekly digest. "
            f"This is what waits for them in *{count}* ({_dated(period)}, invoices of closed "
            "months)."
        )
        footer = "You get this as a notifications admin (SLACK_NOTIFICATIONS_ADMIN)."
        text_intro = f"{without_slack.name} has no Slack account; waiting for them"
    groups = [project_blocks(p, settings, reviewable=without_slack is None) for p in projects]
    parts = in_parts(range(len(groups)), lambda index: len(groups[index]), DIGEST_ROOM)
    messages = []
    for number, indexes in enumerate(parts, start=1):
        title = heading if len(parts) == 1 else f"{heading} ({number}/{len(parts)})"
        blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
        if number == 1:
            blocks.append(mrkdwn_section(intro))
        for index in indexes:
            blocks += groups[index]
        blocks.append(context(footer))
        summary = "; ".join(
            project_summary(projects[index], settings.hours_currency) for index in indexes
        )
        part = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
        text = escape_mrkdwn(f"{text_intro}{part}: {summary}.")
        messages.append(SlackMessage(text=text, blocks=blocks))
    return messages
