"""`/flex-hours` acks while the bot does heavy work (issue 11 item 6): the event loop stays free.

Three processes, so that nothing but the bot shares the bot's event loop:

* this one: the Slack emulator and the load: ``/flex-hours`` envelopes at RATE per second
  (default 20), each sent on schedule whether or not the earlier ones were acked;
* the bot, run as ``serve`` runs it (``run_until_stopped``: Bolt over Socket Mode against the
  Slack emulator, the admin site, the scheduler), with a ``/bench-work`` command through
  which this process starts the heavy work the way `serve` would, and a probe of its own
  loop's lag;
* the 10000ft emulator with a generated company of PEOPLE (default 500) and DAYS (default
  100) of hours up to today, so that serving its pages does not share a loop either.

The asker is one of the generated people, linked to Slack, with a three-year contract; after
the first sync everyone gets one, so the company computation does a company's work. For each
kind of heavy work it prints the ack latency p50/p95/p99/max (ms, from the envelope written
to the websocket to its ack), how many acks took longer than Slack's 3 s, how many answers
missed the 2 s in-ack deadline ("Computing…", the answer then follows), and the bot's own
loop lag (how late a 5 ms sleep woke up):

1. first sync: `serve`'s hours job at start, on an empty database (it syncs users and
   projects first), over the last 60 days;
2. 15-minute sync: the same job after 40 entries changed upstream;
3. forced full re-sync: every day of the 60 rewritten (``force``), run as `serve` runs syncs;
   then again while the bot itself writes a little every half second (an admin saving forms),
   which must not make its reads wait for the sync's write either;
4. invoice refresh: the hours job after one entry changed in every project-month, so the
   sync hands every invoice of the range to ``refresh_invoice_figures``;
5. ``/users``: the admin page computing the whole company's saldos (as HR), three renders;
6. the monthly invoice review requests: the scheduler's job, a message to the admins of every
   project's invoice of last month (everyone has a Slack account by then), once;
7. ``flex --all``: the CLI computing the whole company beside the running bot.

Kinds 2-5 and 7 run REPEAT times (default 3) in a row under one load, for more samples.

Targets: ack p99 < 100 ms and none later than 3 s, in every row.

    python benchmarks/busy_loop.py                      # SQLite, 500 people
    python benchmarks/busy_loop.py --backend postgres
    python benchmarks/busy_loop.py --diagnose           # the bot logs what holds its loop
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TENKFEET_TOKEN = "busy-loop-token"
ASKER_SLACK_ID = "U0ASKER"
ASKER_TENKFEET_ID = 5
HR_TENKFEET_ID = 7
CONTRACT_YEARS = 3
DEFERRED = "Computing the flex saldo"
#: How a /flex-hours answer starts: the saldo, or (before the first sync has stored the
#: asker or their hours) why there is none yet.
ANSWERS = ("Flex saldo for ", "I couldn't find you", "Hours have not been synced")
SLACK_DEADLINE_MS = 3000.0
TARGET_P99_MS = 100.0
PROBE_SECONDS = 0.005
TIME_ZONE = "Europe/Helsinki"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def company_today() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(TIME_ZONE)).date()


# --------------------------------------------------------------------- the 10000ft emulator


def generated_company(people: int, days: int) -> Any:
    from bot.emulators.tenkfeet_data import generate_company

    start = company_today() - dt.timedelta(days=days - 1)
    return generate_company(people, days / 365.25, start=start)


async def tenkfeet_process(people: int, days: int) -> None:
    """The 10000ft emulator, with two routes of our own to change entries upstream."""
    from aiohttp import web

    from bot.emulators.tenkfeet import TenkfeetEmulator
    from bot.emulators.tenkfeet_data import EPOCH_ORDINAL

    data = generated_company(people, days)
    store = data.time_entries
    project_of = {p["id"]: p.get("parent_id") or p["id"] for p in data.projects}
    edits = 0

    def touch(entry_ids: list[int]) -> int:
        nonlocal edits
        for entry_id in entry_ids:
            edits += 1
            store.update(entry_id, notes=f"edited upstream ({edits})")
        return len(entry_ids)

    def recent(count: int) -> list[int]:
        """``count`` entries spread over the last two weeks."""
        today = company_today()
        ids = store.select(today - dt.timedelta(days=13), today, with_suggestions=False)
        step = max(1, len(ids) // count)
        return list(ids[::step][:count])

    def one_per_project_month() -> list[int]:
        """The last entry of each project in each month of the last 60 days."""
        today = company_today()
        ids = store.select(today - dt.timedelta(days=59), today, with_suggestions=False)
        last: dict[tuple[int, int, int], int] = {}
        for entry_id in ids:
            row = entry_id - store.first_id
            if store._is_leave[row]:
                continue
            day = dt.date.fromordinal(store._day[row] + EPOCH_ORDINAL)
            last[(project_of[store._assignable[row]], day.year, day.month)] = entry_id
        return sorted(last.values())

    class Emulator(TenkfeetEmulator):
        async def _dispatch(self, request: web.Request) -> web.StreamResponse:
            if request.path == "/bench/touch-recent":
                return web.json_response({"touched": touch(recent(int(request.query["n"])))})
            if request.path == "/bench/touch-project-months":
                return web.json_response({"touched": touch(one_per_project_month())})
            return await super()._dispatch(request)

    emulator = Emulator(data, token=TENKFEET_TOKEN, max_per_page=1000)
    url = await emulator.start()
    print(f"ready {url} {len(store)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent goes
    await emulator.stop()


# ----------------------------------------------------------------------------- the bot


class LoopLag:
    """How late a short sleep wakes up on this loop: the loop's own view of being blocked."""

    def __init__(self) -> None:
        self.lags: list[float] = []

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            self.lags.append((time.perf_counter() - started - PROBE_SECONDS) * 1000)

    def report(self) -> str:
        lags, self.lags = self.lags, []
        if not lags:
            return "lag none"
        return f"lag {percentile(lags, 0.99):.1f} {max(lags):.1f} {len(lags)}"


async def monthly_review_requests(settings: Any) -> str:
    """The scheduler's monthly invoice job: a review request to each project's admins."""
    from bot.notifications.schedule import run_review_requests
    from models.bookkeeping import Notification

    await run_review_requests(settings)
    return f"{await Notification.filter(status='sent').count()} messages sent"


async def small_writes(writing: asyncio.Event) -> None:
    """What an admin saving forms does: a small write every half second, while ``writing``."""
    from models import Event

    while writing.is_set():
        await Event.create(kind="bench.write", message="a form saved in the admin site")
        await asyncio.sleep(0.5)


def log_slow_collections(threshold: float = 0.01) -> None:
    """Logs every garbage collection of the bot's process that takes over 10 ms."""
    import gc

    started = [0.0]

    def timing(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = time.perf_counter() - started[0]
        if took > threshold:
            logging.warning("gc of generation %d took %.0f ms", info["generation"], took * 1000)

    gc.callbacks.append(timing)


def serve_runner() -> Callable[..., Coroutine[Any, Any, Any]]:
    """How `serve` runs a sync it starts itself (Sync now, the scheduler).

    Before this change `serve` ran syncs on its own event loop (``run_sync``); now it runs
    each in a process of its own.
    """
    try:
        from sync.own_process import run_sync_in_own_process
    except ImportError:  # the code before the change
        from sync.dispatch import run_sync

        return run_sync
    return run_sync_in_own_process


async def bot_process(config: dict[str, Any]) -> None:
    from slack_bolt.context.ack.async_ack import AsyncAck

    from bot.commands.serve import run_until_stopped
    from bot.lifespan import RunningBot
    from core.clock import company_now
    from core.settings import load_settings
    from models import JobClaim

    settings = load_settings(config["env"])
    settings = dataclasses.replace(settings, demo_sign_in=True)  # to sign in as HR
    if config["diagnose"]:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = 0.02
        logging.getLogger("asyncio").setLevel(logging.WARNING)
        log_slow_collections()
    probe = LoopLag()
    background: set[asyncio.Task[Any]] = set()
    writing = asyncio.Event()
    jobs: dict[str, asyncio.Task[str]] = {}

    async def on_started(bot: RunningBot) -> None:
        async def bench_work(ack: AsyncAck, command: dict[str, Any]) -> None:
            word = command.get("text", "")
            if word == "lag":
                await ack(text=probe.report())
            elif word == "run-hours-job":  # what the trigger does at start and every 15 min
                await ack(text="starting")
                # The last run's job may still be finishing after its run record was (the job
                # waits for the sync's process to exit): a job still running would skip this.
                if bot.scheduler.running_jobs:
                    await asyncio.wait(set(bot.scheduler.running_jobs))
                # A sync job runs once per period (its claim); each run here is a new period.
                await JobClaim.filter(job="sync-hours").delete()
                bot.scheduler.modify_job("sync-hours", next_run_time=company_now(settings))
            elif word == "forced-sync":
                task = asyncio.create_task(serve_runner()("hours", settings, force=True))
                background.add(task)
                task.add_done_callback(background.discard)
                await ack(text="started")
            elif word == "review-requests":  # the monthly job, as the scheduler runs it
                jobs["review-requests"] = asyncio.create_task(monthly_review_requests(settings))
                await ack(text="started")
            elif word.startswith("done? "):
                job = jobs.get(word.split()[1])
                await ack(text=f"done {job.result()}" if job and job.done() else "running")
            elif word in ("writes-on", "writes-off"):
                writing.clear()
                if word == "writes-on":
                    writing.set()
                    task = asyncio.create_task(small_writes(writing))
                    background.add(task)
                    task.add_done_callback(background.discard)
                await ack(text=word)
            else:
                await ack(text=f"unknown: {word}")

        bot.app.command("/bench-work")(bench_work)
        background.add(asyncio.create_task(probe.run()))
        print(f"ready {bot.web_url}", flush=True)

    # The hours job at start is what `sync_at_start` does (runs it now); the benchmark asks for
    # it once its load is going.
    await run_until_stopped(settings, on_started=on_started)
    for task in background:
        task.cancel()


# ------------------------------------------------------------------------------ the load


@dataclasses.dataclass
class Row:
    kind: str
    seconds: float
    acks: list[float]
    late: int
    deferred: int
    lag: str
    note: str = ""

    def line(self) -> str:
        p = [percentile(self.acks, s) for s in (0.5, 0.95, 0.99)]
        lag = self.lag.split()
        loop = f"{lag[1]:>7} / {lag[2]:>7}" if len(lag) == 4 else "      - /       -"
        return (
            f"{self.kind:<22} {self.seconds:6.1f} s {len(self.acks):5d} "
            f"{p[0]:7.1f} {p[1]:7.1f} {p[2]:7.1f} {max(self.acks):8.1f} {self.late:5d} "
            f"{self.deferred:5d}   {loop}  {self.note}"
        )


HEADER = (
    f"{'heavy work':<22} {'lasted':>8} {'acks':>5} {'p50':>7} {'p95':>7} {'p99':>7} "
    f"{'max':>8} {'>3 s':>5} {'defer':>5}   {'loop lag p99 / max':>17}"
)


class Load:
    """``/flex-hours`` at ``rate`` per second, on a fixed schedule."""

    def __init__(self, emulator: Any, rate: float) -> None:
        self.emulator = emulator
        self.rate = rate

    async def during(self, kind: str, work: Callable[[], Coroutine[Any, Any, str]]) -> Row:
        await self.emulator.send_slash_command("/bench-work", "lag", user_id="U0BENCH", timeout=60)
        acks: list[float] = []
        late = deferred = 0
        unexpected: list[str] = []
        pending: set[asyncio.Task[None]] = set()

        async def one() -> None:
            nonlocal late, deferred
            ack = await self.emulator.send_slash_command(
                "/flex-hours", user_id=ASKER_SLACK_ID, timeout=120
            )
            latency = ack.latency * 1000
            acks.append(latency)
            late += latency > SLACK_DEADLINE_MS
            text = (ack.payload or {}).get("text", "")
            if text.startswith(DEFERRED):
                deferred += 1
            elif not text.startswith(ANSWERS):
                unexpected.append(repr(ack.payload))

        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        worker = asyncio.create_task(work())
        next_at = loop.time()
        while not worker.done():
            task = asyncio.create_task(one())
            pending.add(task)
            task.add_done_callback(pending.discard)
            next_at += 1 / self.rate
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            self.emulator.acks.clear()  # its history would only grow this process's heap
            self.emulator.calls.clear()
        seconds = time.perf_counter() - started
        note = await worker
        if pending:
            await asyncio.gather(*pending)
        if unexpected:
            raise SystemExit(f"unexpected /flex-hours reply: {unexpected[0]}")
        lag = await self.emulator.send_slash_command(
            "/bench-work", "lag", user_id="U0BENCH", timeout=60
        )
        return Row(kind, seconds, acks, late, deferred, (lag.payload or {}).get("text", ""), note)


class HoursRuns:
    """Waits for the bot's hours syncs to finish, by their run records."""

    def __init__(self) -> None:
        self.finished = 0

    async def next_one(self) -> str:
        """Until one more hours sync has finished; returns what it changed."""
        from models import SyncRun

        self.finished += 1
        deadline = time.perf_counter() + 1800
        while time.perf_counter() < deadline:
            done = await SyncRun.filter(kind="hours").exclude(status="running").order_by("id")
            if len(done) >= self.finished:
                run = done[self.finished - 1]
                if run.status != "succeeded":
                    raise SystemExit(f"the hours sync failed: {run.error}")
                return f"+{run.added} ~{run.updated} -{run.deleted} ={run.skipped}"
            await asyncio.sleep(0.2)
        raise SystemExit("an hours sync did not finish within 30 minutes")


async def seed(data: Any) -> int:
    """The asker (linked to Slack, with a contract) and an HR member (whose id is returned),
    before any sync."""
    from models import Group, GroupMembership, Person, SlackUser, WorkContract

    users = {u["id"]: u for u in data.users}
    people = {}
    for tenkfeet_id in (ASKER_TENKFEET_ID, HR_TENKFEET_ID):
        user = users[tenkfeet_id]
        people[tenkfeet_id] = await Person.create(
            tenkfeet_id=tenkfeet_id,
            guid=user["guid"],
            first_name=user["first_name"],
            last_name=user["last_name"],
            email=user["email"].lower(),
        )
    asker = people[ASKER_TENKFEET_ID]
    await SlackUser.create(slack_id=ASKER_SLACK_ID, name="asker", email=asker.email)
    await WorkContract.create(
        person=asker,
        start_date=company_today() - dt.timedelta(days=365 * CONTRACT_YEARS),
        worktime_percent=100,
    )
    group = await Group.create(name="hr")
    await GroupMembership.create(group=group, person=people[HR_TENKFEET_ID])
    return people[HR_TENKFEET_ID].id


async def slack_accounts_for_everyone() -> int:
    """Everyone with an e-mail gets a Slack account (project admins get review requests)."""
    from models import Person, SlackUser
    from models.people_directory import link_people_to_slack_users

    have = set(await SlackUser.all().values_list("email", flat=True))
    people = await Person.filter(email__isnull=False).values_list("id", "email")
    await SlackUser.bulk_create(
        [
            SlackUser(slack_id=f"U0P{pid:05d}", name=f"p{pid}", email=e)
            for pid, e in people
            if e not in have
        ]
    )
    return await link_people_to_slack_users()


async def contracts_for_everyone() -> int:
    from models import Person, WorkContract

    have = set(await WorkContract.all().values_list("person_id", flat=True))
    start = company_today() - dt.timedelta(days=365 * CONTRACT_YEARS)
    missing = [pid for pid in await Person.all().values_list("id", flat=True) if pid not in have]
    await WorkContract.bulk_create(
        [WorkContract(person_id=pid, start_date=start, worktime_percent=100) for pid in missing]
    )
    return len(missing) + len(have)


async def start_child(*args: str, env: dict[str, str] | None = None) -> tuple[Any, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 300)).decode()
        if not line:
            raise SystemExit(f"{args[0]} stopped before it was ready")
        if line.startswith("ready "):
            return process, line.split(maxsplit=1)[1].strip()


async def measure(args: argparse.Namespace) -> None:
    import flex as flex_benchmark

    from bot.emulators.slack import SlackEmulator

    data = generated_company(args.people, args.days)
    async with flex_benchmark.bench_database(args.backend) as url:
        hr_id = await seed(data)
        tenkfeet, ready = await start_child("--tenkfeet", str(args.people), str(args.days))
        tenkfeet_url, entries = ready.split()
        slack = SlackEmulator()
        await slack.start()
        env = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_URL": slack.api_url,
            "TENKFEET_API_URL": tenkfeet_url,
            "TENKFEET_AUTH": TENKFEET_TOKEN,
            "TIME_ZONE": TIME_ZONE,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": "0",
            "SYNC_HOURS_INTERVAL_MINUTES": "10080",  # the benchmark starts the job itself
            "SYNC_REFERENCE_INTERVAL_MINUTES": "10080",
        }
        config = json.dumps({"env": env, "diagnose": args.diagnose})
        print(
            f"[{args.backend}] 10000ft: {args.people} people, {int(entries):,} entries over "
            f"{args.days} days up to {company_today()}; /flex-hours at {args.rate:g}/s"
        )
        bot, web_url = await start_child("--bot", config)
        rows: list[Row] = []
        try:
            await slack.wait_for_connections(1, timeout=60)
            print(HEADER, flush=True)
            async for row in heavy_work(args, Load(slack, args.rate), slack, env, web_url, hr_id):
                rows.append(row)
                print(row.line(), flush=True)
        finally:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 60)
            assert tenkfeet.stdin is not None
            tenkfeet.stdin.close()
            await asyncio.wait_for(tenkfeet.wait(), 30)
            await slack.stop()
    worst = max((percentile(r.acks, 0.99) for r in rows), default=0)
    late = sum(r.late for r in rows)
    print(
        f"[{args.backend}] targets: ack p99 < {TARGET_P99_MS:.0f} ms in every row: "
        f"{'met' if worst < TARGET_P99_MS else 'NOT met'} (worst {worst:.1f} ms); "
        f"none later than 3 s: {'met' if late == 0 else f'NOT met ({late})'}"
    )


async def heavy_work(
    args: argparse.Namespace,
    load: Load,
    slack: Any,
    env: dict[str, str],
    web_url: str,
    hr_id: int,
) -> AsyncIterator[Row]:
    """Each kind of heavy work under load, in turn (see the module docstring)."""
    import aiohttp
    from demo_session import signed_in_session

    hours = HoursRuns()
    tenkfeet_url = env["TENKFEET_API_URL"]

    async def bench_work(word: str) -> None:
        await slack.send_slash_command("/bench-work", word, user_id="U0BENCH", timeout=60)

    async def hours_job() -> str:
        await bench_work("run-hours-job")  # what the scheduler does at start and every 15 min
        return await hours.next_one()

    yield await load.during("first sync (start)", hours_job)
    people = await contracts_for_everyone()
    await slack_accounts_for_everyone()
    yield await load.during("at rest", lambda: idle(3.0))

    async with aiohttp.ClientSession() as session:

        async def upstream_edits(path: str) -> int:
            async with session.post(f"{tenkfeet_url}{path}") as response:
                return int((await response.json())["touched"])

        def repeated_job(path: str) -> Callable[[], Coroutine[Any, Any, str]]:
            async def work() -> str:
                notes = []
                for _ in range(args.repeat):
                    touched = await upstream_edits(path)
                    notes.append(f"{touched} edited: {await hours_job()}")
                return "; ".join(dict.fromkeys(notes))

            return work

        async def forced() -> str:
            notes = []
            for _ in range(args.repeat):
                await bench_work("forced-sync")
                notes.append(await hours.next_one())
            return "; ".join(dict.fromkeys(notes))

        yield await load.during("15-minute sync", repeated_job("/bench/touch-recent?n=40"))
        yield await load.during("forced full re-sync", forced)

        async def forced_while_the_bot_writes() -> str:
            await bench_work("writes-on")
            try:
                return await forced()
            finally:
                await bench_work("writes-off")

        yield await load.during("  + writes in the bot", forced_while_the_bot_writes)
        yield await load.during("invoice refresh", repeated_job("/bench/touch-project-months"))

    as_of = company_today() - dt.timedelta(days=1)
    timeout = aiohttp.ClientTimeout(total=600)
    async with await signed_in_session(web_url, hr_id, timeout=timeout) as session:

        async def users_page() -> str:
            for _ in range(3 * args.repeat):
                async with session.get(f"{web_url}/users?as_of={as_of}") as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"/users answered {response.status}")
            return f"{3 * args.repeat} renders, {people} people with contracts"

        yield await load.during("/users (company)", users_page)

    async def review_requests() -> str:
        await bench_work("review-requests")
        while True:
            ack = await slack.send_slash_command(
                "/bench-work", "done? review-requests", user_id="U0BENCH", timeout=60
            )
            text = (ack.payload or {}).get("text", "")
            if text.startswith("done "):
                return text[len("done ") :]
            await asyncio.sleep(0.2)

    yield await load.during("monthly invoice review", review_requests)

    async def flex_all() -> str:
        for _ in range(args.repeat):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "flex", "--all",
                cwd=ROOT, env={**os.environ, **env},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"flex --all failed: {err.decode()[-500:]}")
        return f"{args.repeat} runs of {len(out.splitlines())} lines"

    yield await load.during("flex --all (CLI)", flex_all)


async def idle(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return ""


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--tenkfeet":
        logging.basicConfig(level=logging.WARNING)
        asyncio.run(tenkfeet_process(int(sys.argv[2]), int(sys.argv[3])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--bot":
        logging.basicConfig(level=logging.WARNING)
        asyncio.run(bot_process(json.loads(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--days", type=int, default=100, help="days of hours upstream")
    parser.add_argument("--rate", type=float, default=20.0, help="/flex-hours per second")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each kind of work after the first sync"
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="the bot logs callbacks slower than 20 ms and collections over 10 ms",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
