"""Three `serve` replicas on one PostgreSQL database, Slack spreading envelopes over them.

Nothing may be lost or doubled: every slash command is answered once, every scheduled
notification job runs once per period and every message goes out once, each sync runs once per
period (on one replica) and never overlaps another of its kind, and a modal opened by a click
on one replica is submitted to another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections import Counter
from typing import Any

import pytest

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import generate_company
from bot.notifications.registry import scheduled_kinds
from bot.notifications.schedule import due_kinds
from core.clock import company_now, company_today
from core.settings import Settings, load_settings
from handlers.invoices.references import InvoiceReference
from handlers.slack_ids import ActionId, BlockId, CallbackId, InputId
from models import (
    Group,
    GroupMembership,
    InvoiceCheck,
    JobClaim,
    Notification,
    Person,
    SlackUser,
    SyncRun,
    WorkContract,
)
from models.people_directory import link_people_to_slack_users
from sync.dispatch import run_sync
from sync.schedule import REFERENCE_KINDS, sync_period
from tests.conftest import TEST_DB
from tests.support.invoice_review import FLAGGED, review_company, ticks
from tests.support.processes import serve_env
from tests.support.replicas import Output, Replica, running_replicas

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres",
    reason="replicas share a database server: PostgreSQL only (a SQLite file is one host's)",
)

REPLICAS = 3
PEOPLE = 16
DAYS = 70  # of hours upstream, up to today
COMMANDS = 30
HOLD_SECONDS = 5
"""How long the first notification post is held (a 429's Retry-After), so that the other
replicas' catch-ups find its job claimed while it is still being sent."""
TIME_ZONE = "Europe/Helsinki"
SKIPPED = "scheduled hours sync skipped"
DEFERRED = "Computing the flex saldo"
NOTIFY_AT = {
    "NOTIFY_UNSUBMITTED_AT": "00:00",
    "NOTIFY_UNAPPROVED_AT": "00:00",
    "NOTIFY_FLEX_SALDO_AT": "00:00",
    "NOTIFY_MANAGER_DIGEST_AT": "00:00",
    "NOTIFY_CONTRACTS_AT": "00:00",
    "NOTIFY_INVOICES_AT": "00:00",
}
"""Every kind's send time in its current period has passed (if its day has come): each
replica's catch-up at start runs them."""


async def a_synced_company(tenkfeet: TenkfeetEmulator, settings: Settings) -> list[Person]:
    """What the replicas find: the company synced once, everyone with a Slack account and a
    contract, one HR member; returns the people with a Slack account."""
    for kind in ("users", "projects", "leave-types", "holidays", "hours"):
        await run_sync(kind, settings)
    people = await Person.filter(archived=False, email__isnull=False).order_by("id")
    await SlackUser.bulk_create(
        [SlackUser(slack_id=f"U0R{p.id:05d}", name=f"p{p.id}", email=p.email) for p in people]
    )
    await link_people_to_slack_users()
    start = company_today(settings) - dt.timedelta(days=3 * 365)
    await WorkContract.bulk_create(
        [WorkContract(person=p, start_date=start, worktime_percent=100) for p in people]
    )
    hr = await Group.create(name="hr")
    await GroupMembership.create(group=hr, person=people[0])
    return list(await Person.filter(id__in=[p.id for p in people]).order_by("id"))


async def in_any(outputs: list[Output], marker: str, count: int, seconds: float) -> None:
    """Until ``count`` of ``outputs`` have a line with ``marker``."""
    waits = [asyncio.create_task(output.wait_for(marker, seconds)) for output in outputs]
    found = 0
    try:
        for wait in asyncio.as_completed(waits):
            await wait
            found += 1
            if found == count:
                return
    finally:
        for wait in waits:
            wait.cancel()


def text_of(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def click_then_submit_elsewhere(
    emulator: SlackEmulator, replicas: list[Replica], value: str
) -> dict[str, Any]:
    """Ada clicks Review on one replica's connection and submits the modal on another's;
    returns the submission's ack payload."""
    click_on, submit_on = emulator.connection_numbers[:2]
    seen = len(emulator.calls)
    with emulator.delivering_to(click_on):
        clicked = await emulator.send_block_action(ActionId.INVOICE_REVIEW, value, user_id="U0ADA")
    filled = await emulator.wait_for_call(
        "views.update",
        after=seen,
        where=lambda c: "submit" in text_of(c.args.get("view")),
        timeout=15,
    )
    view = emulator.views[str(filled.args["view_id"])]
    state = {
        BlockId.REVIEW_CHECKLIST: {InputId.REVIEW_CHECKLIST: ticks(*FLAGGED)},
        BlockId.REVIEW_DECISION: {InputId.REVIEW_DECISION: ticks("approve")},
    }
    with emulator.delivering_to(submit_on):
        submitted = await emulator.send_view_submission(
            CallbackId.INVOICE_REVIEW, state, user_id="U0ADA", view_id=view["id"]
        )
    assert (clicked.connection, submitted.connection) == (click_on, submit_on)
    assert click_on != submit_on
    assert submitted.payload is not None
    return submitted.payload


def overlapping(runs: list[SyncRun]) -> list[tuple[int, int]]:
    """Pairs of runs of one kind whose times overlap (ids)."""
    pairs = []
    by_kind: dict[str, list[SyncRun]] = {}
    for run in runs:
        by_kind.setdefault(run.kind, []).append(run)
    for same in by_kind.values():
        same.sort(key=lambda run: run.started_at)
        for earlier, later in itertools.pairwise(same):
            assert earlier.finished_at is not None, f"run {earlier.id} never finished"
            if earlier.finished_at > later.started_at:
                pairs.append((earlier.id, later.id))
    return pairs


async def test_three_replicas_answer_once_run_jobs_once_and_share_a_modal_flow(
    db: str, slack_emulator: SlackEmulator
) -> None:
    start = company_today(load_settings({"TIME_ZONE": TIME_ZONE})) - dt.timedelta(days=DAYS - 1)
    tenkfeet = TenkfeetEmulator(generate_company(PEOPLE, DAYS / 365.25, start=start))
    async with tenkfeet:
        env = serve_env(
            slack_emulator,
            db,
            TENKFEET_API_URL=tenkfeet.base_url,
            TENKFEET_AUTH=DEFAULT_TOKEN,
            TIME_ZONE=TIME_ZONE,
            NOTIFY_SEND_RATE="1000",
            NOTIFY_CONVERSATION_RATE="10",
            SYNC_REFERENCE_INTERVAL_MINUTES="1",  # users, projects, leave types each minute
            SYNC_HOURS_INTERVAL_MINUTES="10080",  # only the start-up run within the test
            **NOTIFY_AT,
        )
        settings = load_settings(env)
        people = await a_synced_company(tenkfeet, settings)
        company = await review_company()
        # In the Slack directory too, or the users sync would unlink them (linked by e-mail).
        await SlackUser.bulk_create(
            [
                SlackUser(slack_id=str(who.slack_id), name=who.first_name, email=who.email)
                for who in (company.ada, company.bob, company.fay, company.eve)
            ]
        )
        reference = InvoiceReference.of(await company.summary()).as_button_value()
        due = due_kinds(scheduled_kinds(), settings, company_now(settings))
        synced_before = set(await SyncRun.all().values_list("id", flat=True))

        # The replica that claims the start-up hours sync is held at its first request until
        # the other two have found the period claimed; the first notification post is held.
        release_sync = tenkfeet.slow_request(1, seconds=120)
        slack_emulator.fail_once("chat.postMessage", status=429, retry_after=HOLD_SECONDS)
        async with running_replicas(slack_emulator, env, REPLICAS) as replicas:
            logs = [replica.stderr for replica in replicas]
            await in_any(logs, SKIPPED, REPLICAS - 1, 90)
            release_sync.set()
            await in_any(logs, "scheduled hours sync: added", 1, 90)
            for log in logs:
                await log.wait_for("notification catch-up done", 120)
            # The reference syncs' first minute comes: every replica's jobs fire at once.
            for log, kind in itertools.product(logs, REFERENCE_KINDS):
                await log.wait_for(f"scheduled {kind} sync", 150)

            asked = [people[n % len(people)] for n in range(COMMANDS)]
            acks = await asyncio.gather(
                *(
                    slack_emulator.send_slash_command(
                        "/flex-hours", user_id=str(p.slack_id), timeout=30
                    )
                    for p in asked
                )
            )
            deferred = [ack for ack in acks if DEFERRED in (ack.payload or {}).get("text", "")]
            if deferred:  # a busy machine: the answer follows by response_url

                def every_reply_sent(_call: object) -> bool:
                    return len(slack_emulator.calls_to("response_url")) >= len(deferred)

                await slack_emulator.wait_for_call(
                    "response_url", where=every_reply_sent, timeout=30
                )
            answer = await click_then_submit_elsewhere(slack_emulator, replicas, reference)

    for replica in replicas:
        assert replica.returncode == 0, replica.stderr.text
        assert "Traceback" not in replica.stderr.text, replica.stderr.text
    assert not slack_emulator.violations, "\n".join(slack_emulator.violations)

    # Every command was answered once (in its ack, or, when that took over 2 s, by one
    # response_url reply), by whichever replica Slack chose.
    for person, ack in zip(asked, acks, strict=True):
        if ack not in deferred:
            text = (ack.payload or {}).get("text", "")
            assert text.startswith(f"Flex saldo for {person.first_name} "), ack.payload
    assert Counter(a.envelope_id for a in slack_emulator.acks).most_common(1)[0][1] == 1
    assert {ack.connection for ack in acks} == set(range(1, REPLICAS + 1))
    replies = slack_emulator.calls_to("response_url")
    assert len(replies) == len({r.args["response_url_id"] for r in replies}) == len(deferred)
    assert all(r.args["text"].startswith("Flex saldo for ") for r in replies)

    # The modal opened on one replica was submitted on another, and recorded once.
    assert answer["response_action"] == "update"
    assert "You approved it." in text_of(answer["view"])
    assert (await company.current()).state == "Approved"
    assert await InvoiceCheck.filter(invoice_id=company.invoice.id).count() == 1

    # Each due notification job ran once in its period, and each message went out once.
    assert due, "no notification kind is due today: the test proves nothing about jobs"
    claims = await JobClaim.filter(job__startswith="notify-")
    assert sorted(c.job for c in claims) == sorted(kind.job_id for kind in due)
    assert all(c.finished_at is not None and c.attempts == 1 for c in claims), claims
    rows = await Notification.all()
    assert rows, "no notification was sent: the test proves nothing about messages"
    assert {row.status for row in rows} == {"sent"}
    posted = [
        tuple(sorted(message["metadata"]["event_payload"].items()))
        for message in slack_emulator.messages.values()
        if "metadata" in message
    ]
    assert len(posted) == len(set(posted)) == len(rows)
    ledger = {
        tuple(sorted({"type": r.type, "period": r.period, "subject": r.subject,
                      "recipient": r.recipient}.items()))
        for r in rows
    }  # fmt: skip
    assert set(posted) == ledger

    # One replica ran the start-up hours sync, one each minute's reference syncs; no two runs
    # of a kind overlapped.
    runs = await SyncRun.exclude(id__in=synced_before).order_by("id")
    assert {run.status for run in runs} == {"succeeded"}
    periods = Counter((run.kind, sync_period(run.kind, settings, run.started_at)) for run in runs)
    assert {kind for kind, _ in periods} == {"hours", *REFERENCE_KINDS}
    assert set(periods.values()) == {1}, periods
    assert not overlapping(await SyncRun.all())
