"""Block Kit for flex saldo answers: pure functions from domain data to Slack message dicts.

Every reply is ``{"response_type": "ephemeral", "text": ..., "blocks": [...]}``: ``text`` is the
notification/fallback line and always carries the sentence the tests and people look for
(``Flex saldo for NAME is +X.XXh``) when there is a number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from core.formatting import format_hours
from core.settings import Settings
from core.slack_text import cut_mrkdwn, escape_mrkdwn
from handlers.slack_ids import ActionId, BlockId
from models.flex.report import FlexReport
from models.flex.saldo import FlexResult, band_position
from models.flex.wording import band_text, change_text, report_text, saldo_sentence

Block = dict[str, Any]
T = TypeVar("T")
Message = dict[str, Any]

CHART_MONTHS = 12
CHART_WIDTH = 24
SECTION_TEXT_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
MESSAGE_BLOCK_LIMIT = 50


def for_mrkdwn(report: FlexReport) -> FlexReport:
    """The report with its person's name (10000ft text) escaped for Slack's mrkdwn, so a name
    like ``<!channel>`` shows as typed and notifies nobody. Every builder that puts a report
    into a message takes it through here first."""
    return dataclasses.replace(report, name=escape_mrkdwn(report.name))


def details_url(settings: Settings, guid: str) -> str:
    return settings.public_link(f"/users/{guid}/flexhours")


# --- small Block Kit pieces ---------------------------------------------------------------


def mrkdwn_section(text: str) -> Block:
    text = cut_mrkdwn(text, SECTION_TEXT_LIMIT)
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections_of(lines: Sequence[str]) -> list[Block]:
    """``lines`` packed into as few sections as Slack's text limit allows (a line longer than
    the limit alone in its section, cut)."""
    sections, current = [], ""
    for line in lines:
        if current and len(current) + 1 + len(line) > SECTION_TEXT_LIMIT:
            sections.append(mrkdwn_section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(mrkdwn_section(current))
    return sections


def in_parts(items: Sequence[T], blocks_of: Callable[[T], int], room: int) -> list[list[T]]:
    """``items`` in order, packed into parts (one message each) whose blocks add up to at
    most ``room``; an item is never split across two parts, so one bigger than ``room`` gets
    a part of its own: a builder keeps its items within ``room`` (the contract report lists at
    most so many problems a person, the digest so many invoices a project). No items: no
    parts."""
    parts: list[list[T]] = []
    used = 0
    for item in items:
        size = blocks_of(item)
        if not parts or used + size > room:
            parts.append([])
            used = 0
        parts[-1].append(item)
        used += size
    return parts


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut_mrkdwn(t, SECTION_TEXT_LIMIT)} for t in texts],
    }


def url_button(text: str, url: str, action_id: ActionId, *, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut_text(text, BUTTON_TEXT_LIMIT)},
        "url": url,
        "action_id": action_id,
    }
    if style:
        button["style"] = style
    return button


def cut_text(text: str, limit: int) -> str:
    """Plain ``text`` within ``limit`` characters, an ellipsis marking a cut (cut before
    escaping; escaped mrkdwn is cut with :func:`core.slack_text.cut_mrkdwn`)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ephemeral(text: str, blocks: Sequence[Block] | None = None) -> Message:
    """An ephemeral reply; without ``blocks`` the mrkdwn ``text`` alone is the message."""
    message: Message = {"response_type": "ephemeral", "text": text}
    if blocks is not None:
        message["blocks"] = list(blocks)
    return message


# --- figures ------------------------------------------------------------------------------


def band_gauge_text(saldo: Decimal, max_minus: Decimal, max_plus: Decimal, width: int = 20) -> str:
    """A one-line gauge: ``-40h ├─────●──────────┤ +120h`` (◀/▶ when outside the band)."""
    position = band_position(saldo, max_minus, max_plus)
    if position == "below":
        track = "◀" + "─" * width + "┤"
    elif position == "above":
        track = "├" + "─" * width + "▶"
    else:
        marker = int((saldo - max_minus) / (max_plus - max_minus) * (width - 1))
        track = "├" + "─" * marker + "●" + "─" * (width - 1 - marker) + "┤"
    return f"{_short_hours(max_minus)} {track} {_short_hours(max_plus)}"


def _short_hours(value: Decimal) -> str:
    text = format_hours(value)
    return text.replace(".00h", "h")


def month_label(month: Any) -> str:
    """``2025-03`` for a date, ``(year, month)``, or an already formatted month."""
    if isinstance(month, date):
        return f"{month.year:04d}-{month.month:02d}"
    if isinstance(month, tuple) and len(month) == 2:
        return f"{int(month[0]):04d}-{int(month[1]):02d}"
    return str(month)[:7]


def month_end_points(result: FlexResult, months: int = CHART_MONTHS) -> list[tuple[str, Decimal]]:
    """The last ``months`` month-end saldos as (label, saldo), oldest first."""
    return [(month_label(m.month), m.saldo) for m in result.months[-months:]]


def month_end_chart(points: Sequence[tuple[str, Decimal]], width: int = CHART_WIDTH) -> str:
    """Horizontal bars around a zero axis, one row per month, for a code block.

    ``2025-02   -5.25h   ██│``
    ``2025-03  +12.50h     │██████``

    The axis sits where the largest negative and positive values leave it, so the bars use
    the whole ``width``; a non-zero value always gets at least one block.
    """
    if not points:
        return ""
    max_neg = max((-v for _, v in points if v < 0), default=Decimal(0))
    max_pos = max((v for _, v in points if v > 0), default=Decimal(0))
    span = max_neg + max_pos
    left = 0
    if max_neg and span:
        left = max(1, int((max_neg / span * width).to_integral_value()))
        if max_pos:
            left = min(left, width - 1)
    values = [format_hours(v) for _, v in points]
    value_width = max(len(v) for v in values)
    rows = []
    for (label, value), shown in zip(points, values, strict=True):
        length = 0
        if value and span:
            length = max(1, int((abs(value) / span * width).to_integral_value()))
        bar = "█" * length
        axis = (bar if value < 0 else "").rjust(left) + "│" + (bar if value > 0 else "")
        rows.append(f"{label}  {shown.rjust(value_width)}  {axis}".rstrip())
    return "\n".join(rows)


# --- whole replies ------------------------------------------------------------------------


def saldo_blocks(
    report: FlexReport, settings: Settings, *, with_buttons: bool = True
) -> list[Block]:
    """The saldo, change, band, chart and buttons of an "ok" report (already
    :func:`for_mrkdwn`)."""
    assert report.result is not None and report.result.saldo is not None
    result = report.result
    saldo = result.saldo
    assert saldo is not None
    blocks: list[Block] = [
        mrkdwn_section(f"*{saldo_sentence(report.name, saldo)}*"),
        mrkdwn_section(
            "\n".join(
                [
                    change_text(result.change_from_last_month),
                    band_text(saldo, settings.flex_max_minus, settings.flex_max_plus),
                ]
            )
        ),
        context(
            "`" + band_gauge_text(saldo, settings.flex_max_minus, settings.flex_max_plus) + "`",
            f"As of {report.as_of.isoformat()}",
        ),
    ]
    points = month_end_points(result)
    if points:
        blocks.append(
            mrkdwn_section(
                f"Month-end saldos, last {len(points)} months:\n```"
                + month_end_chart(points)
                + "```"
            )
        )
    if with_buttons:
        blocks.append(flex_buttons(report.guid, settings))
    return blocks


def flex_buttons(guid: str, settings: Settings) -> Block:
    return {
        "type": "actions",
        "block_id": BlockId.FLEX_LINKS,
        "elements": [
            url_button(
                "Details", details_url(settings, guid), ActionId.FLEX_OPEN_DETAILS, style="primary"
            ),
            url_button("Open 10000ft", settings.tenkfeet_app_url, ActionId.FLEX_OPEN_TENKFEET),
        ],
    }


def flex_reply(report: FlexReport, settings: Settings, *, about_self: bool) -> Message:
    report = for_mrkdwn(report)
    text = report_text(report, about_self=about_self)
    if report.has_saldo:
        return ephemeral(text, saldo_blocks(report, settings))
    blocks = [mrkdwn_section(text)]
    if report.status == "no_contract":
        blocks.append(flex_buttons(report.guid, settings))
    return ephemeral(text, blocks)


def help_reply(settings: Settings) -> Message:
    band = f"{format_hours(settings.flex_max_minus)} … {format_hours(settings.flex_max_plus)}"
    text = (
        "*/flex-hours* tells you your flex saldo. Only you see the reply.\n"
        "• `/flex-hours`: your saldo as of yesterday, the change from last month, where it "
        f"stands against the healthy band ({band}) and your last 12 month-end saldos.\n"
        "• `/flex-hours help`: this help.\n"
        "• `/flex-hours @someone`: someone else's saldo (HR only).\n"
        "The saldo counts your submitted hours in 10000ft against your work contract; "
        "unsubmitted hours do not count yet. Contracts and corrections are kept by HR."
    )
    return ephemeral("How to use /flex-hours", [mrkdwn_section(text)])


def not_understood_reply(text: str) -> Message:
    shown = escape_mrkdwn(cut_text(text.replace("`", "'"), 100))
    return ephemeral(
        f"I didn't understand `{shown}`. Try `/flex-hours` for your own saldo, "
        "or `/flex-hours help`."
    )


def refused_reply() -> Message:
    return ephemeral(
        "Sorry, only HR can see someone else's flex saldo. Type `/flex-hours` to see your own."
    )


UNKNOWN_ASKER = (
    "I couldn't find you in 10000ft: no person there is linked to your Slack account "
    "(they are matched by e-mail). Ask an admin to check that your e-mails match."
)


def unknown_asker_reply() -> Message:
    return ephemeral(UNKNOWN_ASKER)


def unknown_subject_reply(mention: str) -> Message:
    return ephemeral(
        f"I couldn't find {mention} in 10000ft: no person there is linked to that Slack "
        "account (they are matched by e-mail)."
    )
