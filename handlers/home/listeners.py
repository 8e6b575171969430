"""The App Home tab: published on ``app_home_opened``; its "Submit to 10000ft" button, and
its sibling in the weekly unsubmitted-hours reminder (the same submission, answered in the DM).

The person comes from the middleware (``person``, see :mod:`handlers.acting_person`). The
button carries an :class:`~handlers.home.references.HoursSubmission`: a click is refused
when it names someone else, and a page from an earlier day is refreshed instead of submitted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from core.clock import company_today
from core.errors import NotAllowed
from core.formatting import format_hours
from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.home.blocks import Notice, home_view
from handlers.home.references import HoursSubmission, ReminderSubmission
from handlers.notifications.unsubmitted_blocks import submission_reply
from handlers.slack_ids import ActionId
from models.flex.report import flex_report_for
from models.invoices.waiting import invoices_waiting_for, invoices_waiting_for_finance
from models.notifications.periods import DayRange
from models.people import Person
from models.permissions import Capability, actor_for, allows
from models.unsubmitted_hours import unsubmitted_hours_of
from sync.tenkfeet.submission import SubmissionOutcome, submit_unsubmitted_hours

NOT_YOUR_REMINDER = "That reminder was sent to someone else, so nothing was submitted."
NO_ACTIVE_PERSON = "I couldn't find an active 10000ft person for you, so nothing was submitted."
NOT_YOUR_PAGE = (
    "That Home page was made for someone else, so nothing was submitted. "
    "Your own page is shown now."
)


async def home_view_for(
    person: Person | None, settings: Settings, notice: Notice | None = None
) -> dict[str, Any]:
    """The Home view of ``person`` (``None``: a Slack user who is no 10000ft person), fresh."""
    today = company_today(settings)
    if person is None:
        return home_view(
            report=None,
            unsubmitted=None,
            invoices=[],
            settings=settings,
            today=today,
            notice=notice,
            unknown_person=True,
        )
    report = await flex_report_for(person, settings)
    unsubmitted = None if person.archived else await unsubmitted_hours_of(person.id, today)
    currency = settings.hours_currency
    invoices = [] if person.archived else await invoices_waiting_for(person.id, today, currency)
    finance = allows(await actor_for(person), Capability.SET_INVOICE_NUMBER)
    return home_view(
        report=report,
        unsubmitted=unsubmitted,
        invoices=invoices,
        settings=settings,
        today=today,
        notice=notice,
        finance_invoices=await invoices_waiting_for_finance(today, currency) if finance else (),
    )


def submission_notice(outcome: SubmissionOutcome) -> Notice:
    if outcome.error:
        return Notice(
            f"10000ft did not take the submission: {escape_mrkdwn(outcome.error)}. "
            "Nothing was changed; please try again later or submit in 10000ft.",
            ok=False,
        )
    if not outcome.attempted:
        return Notice("There was nothing to submit from here.", ok=False)
    done = len(outcome.accepted)
    text = f"Submitted {done} {'entry' if done == 1 else 'entries'} "
    text += f"({format_hours(outcome.accepted_hours).lstrip('+')}) to 10000ft for approval."
    missed = len(outcome.not_accepted)
    if missed:
        text += (
            f" {missed} {'entry was' if missed == 1 else 'entries were'} changed in 10000ft "
            "since the last sync and not submitted; they can be submitted after the next sync."
        )
    return Notice(text, ok=missed == 0)


async def app_home_opened(
    event: dict[str, Any], client: AsyncWebClient, settings: Settings, person: Person | None
) -> None:
    if event.get("tab", "home") != "home":
        return
    await client.views_publish(user_id=event["user"], view=await home_view_for(person, settings))


async def submit_hours(
    ack: AsyncAck,
    action: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
    settings: Settings,
    person: Person | None,
) -> None:
    """Ack, submit through 10000ft, then re-publish the Home view with the outcome on top."""
    await ack()
    submission = HoursSubmission.from_button_value(action.get("value"))
    user_id = body["user"]["id"]
    today = company_today(settings)
    if person is None or person.archived:
        notice = Notice("I couldn't find an active 10000ft person for you.", ok=False)
    elif person.guid != submission.person:
        await client.views_publish(user_id=user_id, view=await home_view_for(person, settings))
        raise NotAllowed(NOT_YOUR_PAGE)
    elif submission.shown_on != today:
        notice = Notice(
            f"Nothing was submitted: that page was from {submission.shown_on.isoformat()}. "
            "Check today's list below and submit again.",
            ok=False,
        )
    else:
        outcome = await submit_unsubmitted_hours(person, today, settings)
        notice = submission_notice(outcome)
    await client.views_publish(user_id=user_id, view=await home_view_for(person, settings, notice))


async def submit_reminded_hours(
    ack: AsyncAck,
    action: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
    settings: Settings,
    person: Person | None,
) -> None:
    """The reminder's button: only the person it was sent to may submit; it submits the
    entries of the days the reminder listed that are still Unsubmitted and complete now, and
    the reply in the DM says what was submitted and what was not, and why."""
    await ack()
    reminder = ReminderSubmission.from_button_value(action.get("value"))
    if person is None or person.archived:
        raise NotAllowed(NO_ACTIVE_PERSON)
    if person.guid != reminder.person:
        raise NotAllowed(NOT_YOUR_REMINDER)
    today = company_today(settings)
    days = DayRange(reminder.first, reminder.last)
    outcome = await submit_unsubmitted_hours(person, today, settings, days)
    left = await unsubmitted_hours_of(person.id, today, days)
    reply = submission_reply(outcome, left.blocked)
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    await client.chat_postMessage(
        channel=channel or body["user"]["id"], text=reply.text, blocks=reply.blocks
    )


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(app_home_opened)
    app.action(ActionId.HOME_SUBMIT_HOURS)(submit_hours)
    app.action(ActionId.REMINDER_SUBMIT_HOURS)(submit_reminded_hours)
