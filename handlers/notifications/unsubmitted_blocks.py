"""Block Kit for the weekly unsubmitted-hours reminder, its report to the notifications admins
about people without Slack, and the reply to its "Submit to 10000ft" button.

Pure functions from domain data to :class:`SlackMessage`. Every text from 10000ft (names,
client, project, phase, category, leave type, notes) is escaped for mrkdwn; hours have two
decimals; the entry list is cut so the message stays within Slack's 50 blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import (
    MESSAGE_BLOCK_LIMIT,
    Block,
    context,
    cut_text,
    mrkdwn_section,
    sections_of,
    url_button,
)
from handlers.home.references import ReminderSubmission
from handlers.notifications.wording import entries_text, hours_text
from handlers.slack_ids import ActionId
from models.notifications.periods import DayRange
from models.notifications.unsubmitted import EntryInfo, UnsubmittedReminder
from models.unsubmitted_hours import UnsubmittedEntry
from sync.slack_delivery import SlackMessage
from sync.tenkfeet.submission import SubmissionOutcome

HEADING = "Unsubmitted hours"
ENTRIES_SHOWN = 40
NOT_SUBMITTED_SHOWN = 20
NOTES_SHOWN = 100


def entry_line(entry: EntryInfo) -> str:
    """``• 2026-11-02 · Acme – Apollo · Build · Development · 7.50h · notes`` (escaped); a
    leave entry by its leave type."""
    parts = [entry.date.isoformat()]
    if entry.is_leave:
        parts.append(escape_mrkdwn(entry.leave_type or "Leave") + " (leave)")
    else:
        client = f"{entry.client_name} – " if entry.client_name else ""
        parts.append(escape_mrkdwn(client + entry.project_name))
        parts.append(escape_mrkdwn(entry.phase_name) or "(no phase)")
        parts.append(escape_mrkdwn(entry.category) or "(no category)")
    parts.append(hours_text(entry.hours))
    notes = " ".join(entry.notes.split())
    if notes:
        parts.append("_" + escape_mrkdwn(cut_text(notes, NOTES_SHOWN)) + "_")
    elif not entry.is_leave:
        parts.append("(no notes)")
    return "• " + " · ".join(parts)


def summary_text(reminder: UnsubmittedReminder, period: DayRange) -> str:
    """Plain: ``3 unsubmitted entries, 12.50h, dated 2026-09-30..2026-11-29``."""
    return (
        f"{entries_text(reminder.count)} unsubmitted, {hours_text(reminder.hours)}, "
        f"dated {period.first.isoformat()}..{period.last.isoformat()}"
    )


def submit_button(reminder: UnsubmittedReminder, period: DayRange, today: date) -> Block:
    """Submits the entries of ``period`` (the days the DM lists) still unsubmitted at the click."""
    reference = ReminderSubmission(
        person=reminder.person.guid, sent_on=today, first=period.first, last=period.last
    )
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Submit to 10000ft"},
        "style": "primary",
        "action_id": ActionId.REMINDER_SUBMIT_HOURS,
        "value": reference.as_button_value(),
        "confirm": {
            "title": {"type": "plain_text", "text": "Submit hours?"},
            "text": {
                "type": "mrkdwn",
                "text": "Submit your complete unsubmitted entries dated "
                f"{period.first.isoformat()} … {period.last.isoformat()} to 10000ft for "
                "approval?",
            },
            "confirm": {"type": "plain_text", "text": "Submit"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        },
    }


def reminder_message(
    reminder: UnsubmittedReminder, period: DayRange, today: date, settings: Settings
) -> SlackMessage:
    """The DM to the person: count, hours, the entries, Submit and two links."""
    summary = summary_text(reminder, period)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": HEADING}},
        mrkdwn_section(
            f"You have *{entries_text(reminder.count)}* not submitted for approval in 10000ft, "
            f"*{hours_text(reminder.hours)}*, dated between {period.first.isoformat()} and "
            f"{period.last.isoformat()}. Unsubmitted hours do not count for your flex saldo "
            "or on invoices until you submit them."
        ),
    ]
    lines = [entry_line(entry) for entry in reminder.listed[:ENTRIES_SHOWN]]
    blocks += sections_of(lines)
    more = len(reminder.listed) - ENTRIES_SHOWN
    notes = []
    if more > 0:
        notes.append(f"… and {more} more")
    if reminder.not_listed:
        notes.append(
            f"{entries_text(reminder.not_listed)} of archived projects (counted above, not listed)"
        )
    if notes:
        blocks.append(context(". ".join(notes) + "."))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                submit_button(reminder, period, today),
                url_button(
                    "Open 10000ft", settings.tenkfeet_app_url, ActionId.REMINDER_OPEN_TENKFEET
                ),
                url_button(
                    "Your hours on the admin site",
                    settings.public_link("/"),
                    ActionId.REMINDER_OPEN_SITE,
                ),
            ],
        }
    )
    blocks.append(
        context(
            "The button submits the entries of these dates that are still unsubmitted and "
            "have notes, a phase and a category; leave and the others are submitted in 10000ft."
        )
    )
    return SlackMessage(text=f"You have {summary}.", blocks=blocks[:MESSAGE_BLOCK_LIMIT])


def no_slack_message(reminder: UnsubmittedReminder, period: DayRange) -> SlackMessage:
    """To the notifications admins: someone without a Slack account has unsubmitted hours."""
    name = escape_mrkdwn(reminder.person.name)
    text = (
        f"{name} has {entries_text(reminder.count)} unsubmitted, {hours_text(reminder.hours)}, "
        f"dated between {period.first.isoformat()} and {period.last.isoformat()}, "
        "and no Slack account, so I could not remind them."
    )
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": HEADING + " (no Slack)"}},
        mrkdwn_section(
            f"*{name}* has *{entries_text(reminder.count)}* unsubmitted, "
            f"*{hours_text(reminder.hours)}*, dated between {period.first.isoformat()} and "
            f"{period.last.isoformat()}, and no Slack account, so I could not remind them."
        ),
        context("You get this as a notifications admin (SLACK_NOTIFICATIONS_ADMIN)."),
    ]
    return SlackMessage(text=text, blocks=blocks)


# --- the reply to the Submit button ---------------------------------------------------------


def _unsubmitted_line(entry: UnsubmittedEntry, reasons: Sequence[str]) -> str:
    what = escape_mrkdwn(entry.leave_type if entry.is_leave else entry.project_name)
    what = what or "(no project)"
    if not entry.is_leave and entry.phase_name:
        what += f" / {escape_mrkdwn(entry.phase_name)}"
    because = escape_mrkdwn(", ".join(reasons))
    return f"• {entry.date.isoformat()} {what} {hours_text(entry.hours)}: {because}"


def submission_reply(
    outcome: SubmissionOutcome,
    not_submittable: Sequence[tuple[UnsubmittedEntry, Sequence[str]]],
) -> SlackMessage:
    """What the button did: what was submitted, and what was not, and why."""
    lines: list[str] = []
    if outcome.error:
        lines.append(
            f":warning: 10000ft did not take the submission: {escape_mrkdwn(outcome.error)}. "
            f"Nothing was submitted ({entries_text(len(outcome.attempted))} tried); please try "
            "again later or submit in 10000ft."
        )
    elif not outcome.attempted:
        lines.append(":warning: There was nothing to submit from here.")
    else:
        done = len(outcome.accepted)
        lines.append(
            f":white_check_mark: Submitted {entries_text(done)} "
            f"({hours_text(outcome.accepted_hours)}) to 10000ft for approval."
        )
        missed = outcome.not_accepted
        if missed:
            lines.append(
                f"{entries_text(len(missed))} changed in 10000ft since the last sync and "
                "{verb} not submitted; they can be submitted after the next sync:".format(
                    verb="was" if len(missed) == 1 else "were"
                )
            )
            lines += [
                _unsubmitted_line(entry, ["changed in 10000ft since the last sync"])
                for entry in missed[:NOT_SUBMITTED_SHOWN]
            ]
    if not_submittable:
        lines.append(
            f"Not submitted: {entries_text(len(not_submittable))} that cannot be submitted from "
            "here (fix them in 10000ft, or submit them there):"
        )
        lines += [
            _unsubmitted_line(entry, reasons)
            for entry, reasons in not_submittable[:NOT_SUBMITTED_SHOWN]
        ]
        more = len(not_submittable) - NOT_SUBMITTED_SHOWN
        if more > 0:
            lines.append(f"… and {more} more")
    return SlackMessage(text=lines[0], blocks=sections_of(lines)[:MESSAGE_BLOCK_LIMIT])
