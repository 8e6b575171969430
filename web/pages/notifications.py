"""``/notifications`` (admins): the ledger's history, "Send now" per kind, and the channels that
hear about new projects.

- History: every message the ledger holds, newest first, 100 to a page, filtered by type,
  status, period and recipient (Slack ids, a person's name or e-mail, a channel's name); times
  in ``TIME_ZONE``, recipients' Slack ids with their names. A flex saldo message's summary is
  shown to the hr group only (:mod:`models.notifications.history`).
- Send now: ``/notifications/preview?kind=K`` plans the batch as a dry run (who would get
  what, what was sent already, who nobody can tell), sending and writing nothing; its confirm
  form (POST ``/notifications/send``, CSRF) starts the send in the background
  (:mod:`web.notify_now`) and comes back here, where a reload shows its progress and result.
  The confirm carries the preview's day: a send confirmed on another day is refused (its
  period may differ from what was previewed).
- Channels: POST ``/notifications/channels`` marks the channels (from the Slack directory
  sync) that get a post about each new project; each change is audit-logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aiohttp import web

from core.clock import company_today
from core.days import iso_day
from models.notifications.history import (
    FLEX_TYPES,
    STATUSES,
    HistoryFilters,
    history_page,
    recipient_text,
    slack_names,
    type_choices,
)
from models.notifications.new_projects import channel_settings, set_new_project_channel
from models.permissions import Actor, Capability, allows
from web.app_keys import NOTIFY_NOW_KEY, SETTINGS_KEY
from web.auth import audit_actor, current_actor, requires
from web.notices import leave_notice, take_notice
from web.notify_now import KINDS, NotifyNow, Plan, Sending, StartResult
from web.page_params import page_param
from web.rendering import page_links, render, site_root
from web.site_errors import BadRequest

FILTER_MAX = 200
#: Lines of a finished send shown on the page (its failures first).
OUTCOME_LINES = 50


@dataclass(frozen=True, slots=True)
class KindRow:
    kind: str
    unavailable: str  # why it cannot be previewed ("" when it can)
    unable_to_send: str  # why it cannot be sent ("" when it can)
    running_since: str
    finished: str
    tally: str
    error: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PreviewLine:
    status: str
    about: str
    recipient: str


def _local(moment: dt.datetime | None, request: web.Request) -> str:
    if moment is None:
        return ""
    return moment.astimezone(request.app[SETTINGS_KEY].tz).strftime("%Y-%m-%d %H:%M:%S")


def hides_values(kind: str, actor: Actor | None) -> bool:
    return kind in FLEX_TYPES and not allows(actor, Capability.SEE_FLEX_OF_OTHERS)


def outcome_lines(outcome: Plan, hidden: bool, names: dict[str, str]) -> tuple[str, ...]:
    ordered = sorted(outcome.messages, key=lambda m: m.status != "failed")
    lines = []
    for message in ordered[:OUTCOME_LINES]:
        about = "values hidden" if hidden else message.about
        line = f"{message.status}: {about} -> {recipient_text(message.recipient, names)}"
        lines.append(f"{line}: {message.error}" if message.error else line)
    if len(ordered) > OUTCOME_LINES:
        lines.append(f"… and {len(ordered) - OUTCOME_LINES} more")
    return tuple(lines)


async def kind_row(kind: str, notify_now: NotifyNow, request: web.Request) -> KindRow:
    sending: Sending | None = notify_now.latest(kind)
    hidden = hides_values(kind, current_actor(request))
    running = sending is not None and sending.running
    names: dict[str, str] = {}
    if sending is not None and sending.outcome is not None:
        shown = sorted(sending.outcome.messages, key=lambda m: m.status != "failed")
        names = await slack_names(
            part for m in shown[:OUTCOME_LINES] for part in m.recipient.split(",")
        )
    return KindRow(
        kind=kind,
        unavailable=notify_now.unavailable(kind) or "",
        unable_to_send=notify_now.unable_to_send(kind) or "",
        running_since=_local(sending.started_at, request) if sending and running else "",
        finished=_local(sending.finished_at, request) if sending and not running else "",
        tally=sending.outcome.tally() if sending and sending.outcome else "",
        error=sending.error if sending else "",
        lines=outcome_lines(sending.outcome, hidden, names) if sending and sending.outcome else (),
    )


def filters_of(request: web.Request) -> HistoryFilters:
    def text(name: str) -> str:
        return request.query.get(name, "").strip()[:FILTER_MAX]

    kind, status = text("type"), text("status")
    if kind and kind not in type_choices():
        raise BadRequest(f"type must be one of {', '.join(type_choices())}; got {kind[:40]!r}.")
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}; got {status[:40]!r}.")
    return HistoryFilters(kind, status, text("period"), text("recipient"))


@requires(Capability.SEE_NOTIFICATIONS)
async def notifications_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    actor = current_actor(request)
    filters = filters_of(request)
    result = await history_page(actor, settings.tz, filters, page_param(request))
    path = site_root(settings) + "/notifications"
    kept = {
        "type": filters.type,
        "status": filters.status,
        "period": filters.period,
        "recipient": filters.recipient,
    }
    newer, older = page_links(path, kept, result.page, result.pages)
    may_send = allows(actor, Capability.SEND_NOTIFICATIONS)
    notify_now = request.app[NOTIFY_NOW_KEY]
    return render(
        request,
        "notifications.html",
        section="notifications",
        result=result,
        filters=filters,
        types=type_choices(),
        statuses=STATUSES,
        kinds=[await kind_row(kind, notify_now, request) for kind in KINDS] if may_send else [],
        channels=await channel_settings() if may_send else [],
        may_send=may_send,
        notice=await take_notice(request),
        time_zone=settings.time_zone,
        newer=newer,
        older=older,
    )


def kind_of(value: object) -> str:
    if not isinstance(value, str) or value not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}.")
    return value


@requires(Capability.SEND_NOTIFICATIONS)
async def preview_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    kind = kind_of(request.query.get("kind", ""))
    notify_now = request.app[NOTIFY_NOW_KEY]
    unavailable = notify_now.unavailable(kind)
    today = company_today(settings)
    plan: Plan | None = None
    lines: list[PreviewLine] = []
    if unavailable is None and notify_now.notifier is not None:
        plan = await notify_now.notifier.preview(kind, today)
        names = await slack_names(
            part for message in plan.messages for part in message.recipient.split(",")
        )
        hidden = hides_values(kind, current_actor(request))
        lines = [
            PreviewLine(
                message.status,
                "values hidden (flex numbers are for the hr group)" if hidden else message.about,
                recipient_text(message.recipient, names),
            )
            for message in plan.messages
        ]
    would_send = sum(1 for line in lines if line.status == "would send")
    return render(
        request,
        "notifications_preview.html",
        section="notifications",
        kind=kind,
        plan=plan,
        lines=lines,
        would_send=would_send,
        unavailable=unavailable or "",
        unable_to_send=notify_now.unable_to_send(kind) or "",
        running=notify_now.task(kind) is not None,
        today=today.isoformat(),
    )


def notice_text(kind: str, result: StartResult) -> str:
    if result.outcome == "started":
        return f"Sending the {kind} notifications in the background. Reload this page to follow."
    if result.outcome == "already running":
        return f"The {kind} notifications are being sent already ({result.detail}); nothing new."
    return f"The {kind} notifications cannot be sent here: {result.detail}."


@requires(Capability.SEND_NOTIFICATIONS)
async def send_now(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    form = await request.post()
    kind = kind_of(form.get("kind"))
    raw_day = form.get("today")
    day = iso_day(raw_day) if isinstance(raw_day, str) else None
    if day is None:
        raise BadRequest("today must be the preview's day, written YYYY-MM-DD.")
    today = company_today(settings)
    if day != today:
        await leave_notice(
            request,
            f"The {kind} preview was made on {day.isoformat()}; preview again before sending.",
        )
    else:
        result = request.app[NOTIFY_NOW_KEY].start(kind, today)
        await leave_notice(request, notice_text(kind, result))
    raise web.HTTPSeeOther(site_root(settings) + "/notifications#send-now")


@requires(Capability.SEND_NOTIFICATIONS)
async def save_channels(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    form = await request.post()
    shown = {value for value in form.getall("shown", []) if isinstance(value, str)}
    marked = {value for value in form.getall("announce", []) if isinstance(value, str)}
    if marked - shown:
        raise BadRequest("announce names a channel the form did not show.")
    actor = audit_actor(request)
    changed: list[str] = []
    for channel in await channel_settings():
        if channel.slack_id not in shown:
            continue
        wanted = channel.slack_id in marked
        if await set_new_project_channel(channel.slack_id, wanted, actor):
            changed.append(f"#{channel.name} {'on' if wanted else 'off'}")
    text = "New project posts: " + ", ".join(changed) + "." if changed else "Nothing changed."
    await leave_notice(request, text)
    raise web.HTTPSeeOther(site_root(settings) + "/notifications#channels")


def add_routes(app: web.Application, notify_now: NotifyNow) -> None:
    app[NOTIFY_NOW_KEY] = notify_now

    async def stop_sends(app: web.Application) -> None:
        await app[NOTIFY_NOW_KEY].close()

    app.on_shutdown.append(stop_sends)
    app.router.add_get("/notifications", notifications_page)
    app.router.add_get("/notifications/preview", preview_page)
    app.router.add_post("/notifications/send", send_now)
    app.router.add_post("/notifications/channels", save_channels)
