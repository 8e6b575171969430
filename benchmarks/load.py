"""`/flex-hours` under steady load through Slack, against one `serve` or several (issue 14 item 3).

Three kinds of process, so that the bots share nothing but the database and the machine:

* this one: the Slack emulator and the load: ``/flex-hours`` envelopes at RATE per second
  (default 200) for SECONDS (default 60), each sent on schedule whether or not the earlier
  ones were acked, from the company's people in turn; the emulator spreads them over the
  replicas' Socket Mode connections as Slack does;
* REPLICAS (default 1) real `financebot serve` processes on one PostgreSQL database, with the
  periodic syncs running: hours every HOURS_EVERY minutes, users, projects and leave types
  every REFERENCE_EVERY (both default 1, so that each runs during the window; each in a
  process of its own, on one replica, as `serve` runs them);
* the 10000ft emulator, with a generated company of PEOPLE (default 200) and DAYS (default
  365) of hours up to today.

Before the load the company is synced once (all DAYS of hours; the periodic hours sync then
takes the last 60 days), everyone gets a Slack account and a contract from the first day of
hours (so each answer counts a year of history), the notification periods already due are
marked done (their messages are not this load), the replicas start and their start-up hours
sync finishes, and a warm-up of WARMUP seconds (default 5) at the same rate goes unmeasured.

Prints milliseconds, p50/p95/p99/max:

* ack: from the envelope being written to the websocket to its ack arriving at the emulator
  (the emulator's own turn in this process included);
* reply: until the asker sees the answer: the same moment when it travels in the ack (under
  2 s), else when the "Computing…" ack's response_url reply arrives;

and the errors: acks later than Slack's 3 s or never, answers that are not a flex saldo,
replies that never came, anything the emulator would have refused; how the envelopes were
spread over the replicas and the CPU seconds each replica used; the syncs that ran in the
window; the machine's load average before and after (it is shared).

Targets, on the 2-core machine, for one replica: no errors and ack p99 < 100 ms.

    python benchmarks/load.py --replicas 1
    python benchmarks/load.py --replicas 3
    python benchmarks/load.py --replicas 1 --profile /tmp/prof   # cProfile of each replica
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TENKFEET_TOKEN = "load-token"
TIME_ZONE = "Europe/Helsinki"
SLACK_DEADLINE = 3.0  # seconds Slack waits for an ack
DEFERRED = "Computing the flex saldo"
ANSWER = "Flex saldo for "
TARGET_P99_MS = 100.0
TIMELINE_STEP = 5.0
SYNCED_KINDS = ("users", "projects", "leave-types", "holidays", "hours")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def load_average() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def company_today() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(TIME_ZONE)).date()


# ----------------------------------------------------------------------- the 10000ft emulator


async def tenkfeet_process(people: int, days: int) -> None:
    from bot.emulators.tenkfeet import TenkfeetEmulator
    from bot.emulators.tenkfeet_data import generate_company

    start = company_today() - dt.timedelta(days=days - 1)
    emulator = TenkfeetEmulator(
        generate_company(people, days / 365.25, start=start),
        token=TENKFEET_TOKEN,
        max_per_page=1000,
    )
    url = await emulator.start()
    print(f"ready {url}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until we go
    await emulator.stop()


async def start_tenkfeet(people: int, days: int) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--tenkfeet",
        str(people),
        str(days),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 300)).decode()
    if not line.startswith("ready "):
        raise SystemExit("the 10000ft emulator did not start")
    return process, line.split()[1]


# -------------------------------------------------------------------------------- the company


async def seed(env: dict[str, str], days: int) -> list[str]:
    """The company synced once (all ``days`` of hours), with Slack accounts and contracts
    from the first day of hours; the notification periods due now marked done. Returns the
    askers' Slack ids."""
    from bot.notifications.registry import scheduled_kinds
    from bot.notifications.schedule import due_kinds
    from core.clock import company_now
    from core.settings import load_settings
    from models import JobClaim, Person, SlackUser, WorkContract
    from models.people_directory import link_people_to_slack_users
    from sync.dispatch import run_sync

    settings = load_settings(env)
    today = company_today()
    for kind in SYNCED_KINDS:
        first = today - dt.timedelta(days=days - 1) if kind == "hours" else None
        await run_sync(kind, settings, start=first)
    people = await Person.filter(archived=False, email__isnull=False).order_by("id")
    await SlackUser.bulk_create(
        [SlackUser(slack_id=f"U0L{p.id:06d}", name=f"p{p.id}", email=p.email) for p in people]
    )
    await link_people_to_slack_users()
    start = company_today() - dt.timedelta(days=days - 1)  # from the first day of hours
    await WorkContract.bulk_create(
        [WorkContract(person=p, start_date=start, worktime_percent=100) for p in people]
    )
    now = company_now(settings)
    for due in due_kinds(scheduled_kinds(), settings, now):
        await JobClaim.create(
            job=due.job_id, period=due.period(now.date()), finished_at=dt.datetime.now(dt.UTC)
        )
    return [f"U0L{p.id:06d}" for p in people]


# ----------------------------------------------------------------------------- the replicas


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def read(self, stream: asyncio.StreamReader | None, started: asyncio.Event) -> None:
        assert stream is not None
        while line := (await stream.readline()).decode():
            self.lines.append(line)
            if "admin site at " in line:
                started.set()

    def cpu_seconds(self) -> float:
        """User and system CPU of the replica and its finished children (syncs) so far."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        ticks = sum(int(fields[n]) for n in (11, 12, 13, 14))  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")


async def start_replica(env: dict[str, str], profile: Path | None, number: int) -> Replica:
    command = ["-m", "bot.cli", "serve"]
    if profile is not None:
        command = [__file__, "--profiled-serve", str(profile / f"replica-{number}.prof")]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    replica = Replica(process)
    started = asyncio.Event()
    replica.readers = [
        asyncio.create_task(replica.read(process.stdout, started)),
        asyncio.create_task(replica.read(process.stderr, started)),
    ]
    try:
        await asyncio.wait_for(started.wait(), 180)
    except TimeoutError:
        raise SystemExit("a replica did not start:\n" + "".join(replica.lines[-20:])) from None
    return replica


async def stop_replicas(replicas: list[Replica]) -> None:
    for replica in replicas:
        if replica.process.returncode is None:
            replica.process.send_signal(signal.SIGTERM)
    for replica in replicas:
        try:
            await asyncio.wait_for(replica.process.wait(), 60)
        except TimeoutError:
            replica.process.kill()
            await replica.process.wait()
        await asyncio.gather(*replica.readers, return_exceptions=True)


async def hours_runs_finished() -> int:
    from models import SyncRun

    return await SyncRun.filter(kind="hours").exclude(status="running").count()


async def wait_for_hours_run(after: int) -> None:
    """Until more than ``after`` hours syncs have finished (the replicas' start-up run)."""
    deadline = time.monotonic() + 600
    while await hours_runs_finished() <= after:
        if time.monotonic() > deadline:
            raise SystemExit("the start-up hours sync did not finish within 10 minutes")
        await asyncio.sleep(0.5)


# --------------------------------------------------------------------------------- the load


@dataclass
class Sent:
    sent_at: float
    reply_url_id: str
    ack_latency: float | None = None
    connection: int = 0
    text: str = ""
    error: str = ""


class Load:
    """``/flex-hours`` at ``rate`` per second, on a fixed schedule."""

    def __init__(self, emulator: Any, askers: list[str], rate: float) -> None:
        self.emulator = emulator
        self.askers = askers
        self.rate = rate
        self.next_asker = 0

    def payload(self, user_id: str) -> tuple[dict[str, Any], str]:
        """A slash command as Slack sends it (as ``send_slash_command`` builds it), and the id
        of its response_url."""
        emulator = self.emulator
        url = emulator.response_url()
        return {
            "token": "verification-token-unused",
            "team_id": emulator.team_id,
            "team_domain": emulator.team_domain,
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/flex-hours",
            "text": "",
            "api_app_id": emulator.app_id,
            "is_enterprise_install": "false",
            "response_url": url,
            "trigger_id": emulator.trigger_id(),
        }, url.rsplit("/", 1)[1]

    async def one(self, sent: Sent, payload: dict[str, Any]) -> None:
        try:
            ack = await self.emulator.send_envelope(
                "slash_commands", payload, accepts_response_payload=True, timeout=30
            )
        except TimeoutError:
            sent.error = "no ack within 30 s"
            return
        sent.ack_latency = ack.latency
        sent.connection = ack.connection
        sent.text = str((ack.payload or {}).get("text", ""))

    async def run(self, seconds: float) -> tuple[list[Sent], float]:
        """Sends for ``seconds``; returns every command once acked (or not), and how long the
        sending took."""
        loop = asyncio.get_running_loop()
        sent: list[Sent] = []
        tasks: set[asyncio.Task[None]] = set()
        count = int(seconds * self.rate)
        started = loop.time()
        for n in range(count):
            await asyncio.sleep(max(0.0, started + n / self.rate - loop.time()))
            user_id = self.askers[self.next_asker % len(self.askers)]
            self.next_asker += 1
            payload, reply_url_id = self.payload(user_id)
            item = Sent(time.monotonic(), reply_url_id)
            sent.append(item)
            task = asyncio.create_task(self.one(item, payload))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        took = loop.time() - started
        if tasks:
            await asyncio.gather(*tasks)
        return sent, took


@dataclass
class Figures:
    acks: list[float]
    replies: list[float]
    errors: Counter[str]
    deferred: int
    spread: Counter[int]

    @staticmethod
    def line(name: str, seconds: list[float]) -> str:
        ms = [s * 1000 for s in seconds]
        if not ms:
            return f"{name:<7} none"
        return (
            f"{name:<7} p50 {percentile(ms, 0.5):7.1f}   p95 {percentile(ms, 0.95):7.1f}   "
            f"p99 {percentile(ms, 0.99):7.1f}   max {max(ms):8.1f}   ms"
        )


async def figures_of(emulator: Any, sent: list[Sent]) -> Figures:
    """Ack and reply latencies and the errors; waits up to 10 s for deferred replies."""
    deferred = [s for s in sent if s.text.startswith(DEFERRED)]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        have = {c.args.get("response_url_id") for c in emulator.calls_to("response_url")}
        if all(s.reply_url_id in have for s in deferred):
            break
        await asyncio.sleep(0.2)
    replies_at = {
        c.args.get("response_url_id"): (c.at, str(c.args.get("text", "")))
        for c in emulator.calls_to("response_url")
    }
    errors: Counter[str] = Counter()
    acks: list[float] = []
    replies: list[float] = []
    for item in sent:
        if item.error:
            errors[item.error] += 1
            continue
        assert item.ack_latency is not None
        acks.append(item.ack_latency)
        if item.ack_latency > SLACK_DEADLINE:
            errors["acked later than 3 s"] += 1
        if item.text.startswith(DEFERRED):
            reply = replies_at.get(item.reply_url_id)
            if reply is None:
                errors["no reply after Computing…"] += 1
            elif not reply[1].startswith(ANSWER):
                errors[f"unexpected reply: {reply[1][:60]!r}"] += 1
            else:
                replies.append(reply[0] - item.sent_at)
        elif item.text.startswith(ANSWER):
            replies.append(item.ack_latency)
        else:
            errors[f"unexpected answer: {item.text[:60]!r}"] += 1
    for violation in emulator.violations:
        errors[f"Slack would refuse: {violation[:80]}"] += 1
    return Figures(
        acks, replies, errors, len(deferred), Counter(s.connection for s in sent if not s.error)
    )


def timeline(sent: list[Sent], step: float) -> str:
    """The ack p99 of the commands sent in each ``step`` seconds, in order (an ack that never
    came counts as 30 s)."""
    if not sent:
        return ""
    first = sent[0].sent_at
    buckets: dict[int, list[float]] = {}
    for item in sent:
        latency = item.ack_latency if item.ack_latency is not None else 30.0
        buckets.setdefault(int((item.sent_at - first) // step), []).append(latency * 1000)
    return " ".join(f"{percentile(buckets[n], 0.99):.0f}" for n in sorted(buckets))


async def syncs_during(start: dt.datetime, end: dt.datetime) -> str:
    """The sync runs that were going on at some moment between ``start`` and ``end``."""
    from models import SyncRun

    runs = await SyncRun.filter(started_at__lte=end).values_list("kind", "status", "finished_at")
    counts = Counter(
        f"{kind} {status}"
        for kind, status, finished in runs
        if finished is None or finished >= start
    )
    return ", ".join(f"{what} x{n}" for what, n in sorted(counts.items())) or "none"


# ------------------------------------------------------------------------------------ the run


async def measure(args: argparse.Namespace) -> int:
    import flex as flex_benchmark

    from bot.emulators.slack import SlackEmulator

    tenkfeet, tenkfeet_url = await start_tenkfeet(args.people, args.days)
    slack = SlackEmulator()
    await slack.start()
    replicas: list[Replica] = []
    try:
        async with flex_benchmark.bench_database("postgres") as url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB_"))},
                "DATABASE_URL": url,
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_APP_TOKEN": slack.app_token,
                "SLACK_API_URL": slack.api_url,
                "TENKFEET_API_URL": tenkfeet_url,
                "TENKFEET_AUTH": TENKFEET_TOKEN,
                "TIME_ZONE": TIME_ZONE,
                "WEB_HOST": "127.0.0.1",
                "WEB_PORT": "0",
                "SYNC_HOURS_INTERVAL_MINUTES": str(args.hours_every),
                "SYNC_REFERENCE_INTERVAL_MINUTES": str(args.reference_every),
                "PYTHONPATH": str(ROOT),
            }
            askers = await seed(env, args.days)
            synced = await hours_runs_finished()
            try:
                for number in range(1, args.replicas + 1):
                    replicas.append(await start_replica(env, args.profile, number))
                await slack.wait_for_connections(args.replicas, timeout=60)
                await wait_for_hours_run(synced)

                load = Load(slack, askers, args.rate)
                await load.run(args.warmup)
                slack.calls.clear()
                slack.acks.clear()
                slack.violations.clear()
                before = load_average()
                window_start = dt.datetime.now(dt.UTC)
                cpu_before = [r.cpu_seconds() for r in replicas]
                own_before = time.process_time()
                sent, took = await load.run(args.seconds)
                window_end = dt.datetime.now(dt.UTC)
                cpu = [r.cpu_seconds() - b for r, b in zip(replicas, cpu_before, strict=True)]
                own_cpu = time.process_time() - own_before
                figures = await figures_of(slack, sent)
                after = load_average()
                syncs = await syncs_during(window_start, window_end)
            finally:
                await stop_replicas(replicas)  # before the database is dropped
    finally:
        await slack.stop()
        assert tenkfeet.stdin is not None
        tenkfeet.stdin.close()
        await tenkfeet.wait()

    failures = [
        "".join(r.lines[n : n + 25])
        for r in replicas
        for n, line in enumerate(r.lines)
        if "Traceback" in line
    ]
    print(
        f"[postgres] {args.replicas} replica(s), /flex-hours at {args.rate:g}/s for "
        f"{args.seconds:g} s: {len(sent)} sent in {took:.1f} s, {len(askers)} askers with "
        f"{args.days} days of hours; hours synced every {args.hours_every} min, users, "
        f"projects and leave types every {args.reference_every} min"
    )
    print(f"load average before {before}, after {after} (1, 5, 15 min)")
    print(Figures.line("ack", figures.acks))
    print(Figures.line("reply", figures.replies))
    print(f"ack p99 per {TIMELINE_STEP:g} s of the window (ms): {timeline(sent, TIMELINE_STEP)}")
    print(f"deferred (Computing…, then response_url): {figures.deferred}")
    spread = ", ".join(
        f"#{n}: {figures.spread[n]} envelopes, {cpu[n - 1]:.1f} CPU s"
        for n in range(1, args.replicas + 1)
    )
    print(f"per replica (connection order; CPU includes finished syncs): {spread}")
    print(f"this process (the Slack emulator and the load): {own_cpu:.1f} CPU s")
    print(f"syncs in the window: {syncs}")
    total = sum(figures.errors.values())
    print(f"errors: {total}" + "".join(f"\n  {n} {what}" for what, n in figures.errors.items()))
    if failures:
        print(f"tracebacks in the replicas' logs: {len(failures)}; the first:\n{failures[0]}")
    p99 = percentile([a * 1000 for a in figures.acks], 0.99)
    print(
        f"targets: zero errors: {'met' if total == 0 else 'NOT met'}; ack p99 < "
        f"{TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'NOT met'} ({p99:.1f} ms)"
    )
    return 0


def profiled_serve(out: str) -> None:
    """`financebot serve` under cProfile, timed in CPU seconds (on a shared machine wall time
    would blame whatever ran when the process was descheduled)."""
    import cProfile

    from bot.cli import main as cli

    profile = cProfile.Profile(time.process_time)
    try:
        profile.runcall(cli, ["serve"])
    finally:
        profile.dump_stats(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--profiled-serve":
        profiled_serve(sys.argv[2])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--tenkfeet":
        asyncio.run(tenkfeet_process(int(sys.argv[2]), int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--days", type=int, default=365, help="days of hours upstream")
    parser.add_argument(
        "--hours-every", type=int, default=1, help="minutes between hours syncs (default 1)"
    )
    parser.add_argument(
        "--reference-every",
        type=int,
        default=1,
        help="minutes between users, projects and leave types syncs (default 1)",
    )
    parser.add_argument(
        "--profile", type=Path, help="a folder for each replica's cProfile (CPU time)"
    )
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    sys.exit(asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
