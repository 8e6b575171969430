"""Which PUBLIC_URL links the bot unfurls, and the unfurl blocks (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from core.formatting import format_hours
from core.settings import Settings
from handlers.flex.blocks import (
    Block,
    change_text,
    context,
    for_mrkdwn,
    mrkdwn_section,
    report_text,
    saldo_sentence,
)
from models.flex.report import FlexReport
from models.flex.saldo import band_position

LinkKind = Literal["flex", "invoice", "project", "page"]

_PATHS: tuple[tuple[LinkKind, re.Pattern[str]], ...] = (
    ("flex", re.compile(r"^/users/(?P<key>[^/]+)/flexhours/?$")),
    ("invoice", re.compile(r"^/invoices/(?P<key>[^/]+)/?$")),
    ("project", re.compile(r"^/projects/(?P<key>[^/]+)/?$")),
)


@dataclass(frozen=True)
class PublicLink:
    url: str
    kind: LinkKind
    key: str = ""


def parse_public_link(url: str, settings: Settings) -> PublicLink | None:
    """A link into our admin site (same scheme, host and port as PUBLIC_URL), else None."""
    try:
        link = urlsplit(url.strip("<>"))
        base = urlsplit(settings.public_url)
        if _origin(link) != _origin(base):
            return None
    except ValueError:
        return None
    path = link.path
    prefix = base.path.rstrip("/")
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    for kind, pattern in _PATHS:
        match = pattern.match(path)
        if match:
            return PublicLink(url, kind, match["key"])
    return PublicLink(url, "page")


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def unfurl(blocks: list[Block]) -> dict[str, Any]:
    return {"blocks": blocks}


def flex_unfurl(report: FlexReport, settings: Settings) -> dict[str, Any]:
    """The numbers, for the person themself or HR (the caller decides)."""
    report = for_mrkdwn(report)
    result = report.result
    if report.has_saldo and result is not None and result.saldo is not None:
        saldo = result.saldo
        position = band_position(saldo, settings.flex_max_minus, settings.flex_max_plus)
        band = (
            f"{position} the healthy band "
            f"({format_hours(settings.flex_max_minus)} … {format_hours(settings.flex_max_plus)})"
        )
        return unfurl(
            [
                mrkdwn_section(f"*{saldo_sentence(report.name, saldo)}*"),
                context(
                    change_text(result.change_from_last_month),
                    band[0].upper() + band[1:],
                    f"As of {report.as_of.isoformat()}",
                ),
            ]
        )
    return unfurl([mrkdwn_section(report_text(report, about_self=False))])


def private_flex_unfurl() -> dict[str, Any]:
    return unfurl(
        [
            mrkdwn_section("*Flex hours*"),
            context(
                "These details are private: open the link to see them (only the person "
                "themself and HR can). They unfurl only in the person's own DM with me."
            ),
        ]
    )


def neutral_unfurl(link: PublicLink) -> dict[str, Any]:
    titles = {
        "flex": "Flex hours",
        "invoice": "Invoice",
        "project": "Project",
        "page": "A page",
    }
    return unfurl(
        [
            mrkdwn_section(f"*{titles[link.kind]}* in Finance Bot"),
            context("Open the link to see the details."),
        ]
    )
