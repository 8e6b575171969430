"""Block Kit for the monthly flex saldo message (rule 8) and its word to the notifications
admins about someone without Slack.

Pure functions from domain data to :class:`SlackMessage`: the person's DM carries rule 8's text,
the saldo and the change with two decimals and the links of every flex answer (the person's
flex page on the admin site, 10000ft). The word about someone without Slack, and the copy for a
notifications admin outside HR, name them only: their figures are for them and HR.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.formatting import format_hours
from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import Block, context, flex_buttons, mrkdwn_section
from models.notifications.flex_saldo import FlexSaldoNotice
from sync.slack_delivery import SlackMessage

HEADING = "Your monthly flex saldo"
NO_SLACK_HEADING = "Flex saldo message (no Slack)"
COPY_HEADING = "Flex saldo message sent"


def change_figure(change: Decimal | None) -> str:
    """The change from the month before, or ``-`` with only one month computed."""
    return "-" if change is None else format_hours(change)


def month_name(day: dt.date) -> str:
    return day.strftime("%B %Y")


def about_text(notice: FlexSaldoNotice) -> str:
    """The operator's line: ``Aino Korhonen: +150.00h, change -, above_band`` (plain)."""
    return (
        f"{notice.person.full_name}: {format_hours(notice.saldo)}, "
        f"change {change_figure(notice.change)}, {notice.message.kind}"
    )


def flex_saldo_message(notice: FlexSaldoNotice, settings: Settings) -> SlackMessage:
    """The DM to the person: rule 8's words, the saldo and the change, and the links."""
    as_of = notice.as_of.isoformat()
    band = f"{format_hours(settings.flex_max_minus)} … {format_hours(settings.flex_max_plus)}"
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": HEADING}},
        mrkdwn_section(notice.message.text),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Saldo on {as_of}*\n{format_hours(notice.saldo)}"},
                {
                    "type": "mrkdwn",
                    "text": f"*Change during {month_name(notice.as_of)}*\n"
                    f"{change_figure(notice.change)}",
                },
            ],
        },
        flex_buttons(notice.person.guid, settings),
        context(
            f"Computed as of {as_of}, the end of last month; the healthy band is {band}. "
            "Only you and HR see your flex saldo."
        ),
    ]
    return SlackMessage(text=notice.message.text, blocks=blocks)


def copy_without_figures(notice: FlexSaldoNotice) -> SlackMessage:
    """What a notifications admin outside HR gets instead of a copy (headed "This was sent to
    NAME:" by the copy): that the message went out, without its words, figures or links."""
    text = (
        f"Their monthly flex saldo message for {month_name(notice.as_of)}. Its figures are "
        "for them and HR only, so this copy leaves them out."
    )
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": COPY_HEADING}},
        mrkdwn_section(text),
        context("You get this as a notifications admin (SLACK_NOTIFICATIONS_ADMIN)."),
    ]
    return SlackMessage(text=text, blocks=blocks)


def no_slack_message(notice: FlexSaldoNotice) -> SlackMessage:
    """To the notifications admins: a message is due for someone without Slack (no figures)."""
    name = escape_mrkdwn(notice.person.full_name)
    month = month_name(notice.as_of)
    text = (
        f"{name} has a flex saldo message for {month} but no Slack account, so I could not "
        "send it. Please let them know to look at their flex saldo."
    )
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": NO_SLACK_HEADING}},
        mrkdwn_section(
            f"*{name}* has a flex saldo message for {month} but no Slack account, so I could "
            "not send it. Please let them know to look at their flex saldo."
        ),
        context(
            "You get this as a notifications admin (SLACK_NOTIFICATIONS_ADMIN); the figures "
            "are for the person and HR only."
        ),
    ]
    return SlackMessage(text=text, blocks=blocks)
