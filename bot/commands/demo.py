"""`financebot demo`: the whole bot on a SQLite file, with built-in Slack and 10000ft emulators.

The emulators (``bot/emulators/``) and the sample company (``bot/demo/``) ship in the package,
so the demo runs from an installed wheel as well as from a checkout. The sample company is
served by the 10000ft emulator and loaded through the real syncs and CSV imports
(``bot/demo/seed.py``), so the demo shows what production would show; scheduled syncs keep
hitting the emulator.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
from pathlib import Path
from urllib.parse import quote

from bot.commands.serve import run_until_stopped
from bot.demo.company import DemoPerson
from bot.demo.data_dir import DATABASE_FILE, reset_data_dir
from bot.demo.progress import load_display
from bot.demo.seed import (
    SampleCompany,
    SeedSummary,
    company_start,
    fill_slack_workspace,
    sample_company,
    seed_sample_company,
)
from bot.demo.workspace_actions import set_up_workspace
from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.lifespan import RunningBot
from bot.notifications.schedule import wake_catch_up_if_waiting
from core.clock import company_today
from core.errors import CommandError
from core.formatting import quoted
from core.settings import Settings


def demo_settings(
    settings: Settings, slack: SlackEmulator, tenkfeet: TenkfeetEmulator, data_dir: Path
) -> Settings:
    """The settings with the SQLite file and both emulators in place of the real services.

    Sign in with Slack points at the emulator's OpenID endpoints, and the admin site offers the
    demo's own sign-in page (``demo_sign_in``) to sign in as any sample person.
    """
    env = {
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_CLIENT_ID": slack.oidc_client_id,
        "SLACK_CLIENT_SECRET": slack.oidc_client_secret,
        "SLACK_OPENID_AUTHORIZE_URL": slack.openid_authorize_url,
        "TENKFEET_API_URL": tenkfeet.base_url,
        "TENKFEET_AUTH": tenkfeet.token,
    }
    os.environ.update(env)  # anything that reads the environment again sees the emulators too
    public_url = settings.public_url
    if "PUBLIC_URL" not in os.environ and settings.web_port:
        public_url = f"http://{settings.web_local_host}:{settings.web_port}"
    return dataclasses.replace(
        settings,
        database_url=f"sqlite://{data_dir / DATABASE_FILE}",
        slack_api_url=env["SLACK_API_URL"],
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_app_token=env["SLACK_APP_TOKEN"],
        tenkfeet_api_url=env["TENKFEET_API_URL"],
        tenkfeet_auth=env["TENKFEET_AUTH"],
        public_url=public_url,
        slack_client_id=env["SLACK_CLIENT_ID"],
        slack_client_secret=env["SLACK_CLIENT_SECRET"],
        slack_openid_authorize_url=env["SLACK_OPENID_AUTHORIZE_URL"],
        # Sessions of a demo need not outlive it: a fresh key unless SECRET_KEY is set.
        secret_key=settings.secret_key or secrets.token_bytes(32),
        demo_sign_in=True,
    )


def prepare_data_dir(raw: str) -> Path:
    data_dir = Path(raw).resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create --data-dir {quoted(raw)}: {exc.strerror}") from None
    return data_dir


def ready_text(
    company: SampleCompany,
    summary: SeedSummary,
    web_url: str,
    slack_url: str,
    data_dir: Path,
) -> str:
    """What the demo prints once everything is loaded: where to look and what to try."""
    eino, helmi = company.person("eino.virtanen"), company.person("helmi.makinen")
    vaino, aino = company.person("vaino.hamalainen"), company.person("aino.korhonen")
    elias = company.person("elias.jarvinen")
    roles = ", ".join(f"{p.first_name} ({'/'.join(p.groups)})" for p in company.people if p.groups)
    sign_in = f"{web_url}/demo/sign-in"

    def flex(person: DemoPerson, text: str = "") -> str:
        query = f"user_id={person.slack_id}" + (f"&text={quote(text)}" if text else "")
        return f"curl '{slack_url}/try/flex-hours?{query}'"

    return "\n".join(
        [
            "",
            f"Demo is ready: {len(company.people)} people, {company.project_count} projects and "
            f"{company.entry_count:,} hour entries since {company.started}, loaded in "
            f"{summary.seconds:.1f} s.",
            "",
            f"  Workspace:     {slack_url}/workspace  (the sample company's Slack)",
            f"  Admin site:    {sign_in}  (sign in as anyone; {roles})",
            f"  Health:        {web_url}/healthz",
            "",
            "  In the workspace, pick someone and try:",
            f"  - {eino.full_name}: type /flex-hours, open App Home, click Review on an invoice",
            f"  - {aino.full_name} (HR): /flex-hours @{elias.handle}",
            "  - 'Run scheduled jobs now': Monday's reminders, the manager digest, and the rest",
            "",
            "  Or from a shell: each line sends a Slack event to the bot and prints its answer "
            "(JSON).",
            f"  /flex-hours as {eino.full_name}:  {flex(eino)}",
            f"  ... as {helmi.full_name}, part-time:  {flex(helmi)}",
            f"  ... as {vaino.full_name}, no contract:  {flex(vaino)}",
            f"  HR ({aino.full_name}) asks `/flex-hours @{elias.handle}`:  "
            + flex(aino, "@" + elias.handle),
            f"  App Home of {elias.full_name}:  "
            f"curl '{slack_url}/try/app-home?user_id={elias.slack_id}'",
            "",
            f"  Data directory: {data_dir}  (--reset starts over)",
            "Stop with Ctrl-C.",
        ]
    )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    data_dir = prepare_data_dir(args.data_dir)
    if args.reset:
        reset_data_dir(data_dir)
    today = company_today(settings)
    company = sample_company(company_start(data_dir, today), today)
    slack = SlackEmulator()
    tenkfeet = TenkfeetEmulator(company.tenkfeet, max_per_page=1000)
    fill_slack_workspace(slack, company)

    async def on_started(running: RunningBot) -> None:
        with load_display() as display:
            summary = await seed_sample_company(running.settings, company, display)
        set_up_workspace(slack.workspace, running.settings)
        # The catch-up at start found no hours synced yet: this week's reminders go now.
        await wake_catch_up_if_waiting(running.scheduler, running.settings)
        text = ready_text(company, summary, running.web_url, slack.base_url, data_dir)
        print(text, flush=True)

    try:
        await slack.start()
        await tenkfeet.start()
        return await run_until_stopped(
            demo_settings(settings, slack, tenkfeet, data_dir), on_started=on_started
        )
    finally:
        await tenkfeet.stop()
        await slack.stop()
