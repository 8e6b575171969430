"""How fast does a Socket Mode envelope get its ack? Three ways of running Bolt, measured.

Prints p50/p95 ack latency (emulator sends the envelope → receives the ack) for a listener
that only acks, and one that acks and then keeps working for 50 ms:

- stock handler, process_before_response=False (Bolt polls for the ack every 10 ms);
- stock handler, process_before_response=True (ack sent when the listener returns);
- bot.socket_mode.ImmediateAckSocketModeHandler + True (what `serve` uses).

Run from the checkout: ``python benchmarks/slack_ack_modes.py [N]``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.emulators.slack import SlackEmulator
from bot.socket_mode import ImmediateAckSocketModeHandler
from core.settings import load_settings
from sync.slack_client import build_web_client

WORK_AFTER_ACK = 0.05  # seconds of simulated work after ack()


async def ping(ack: AsyncAck) -> None:
    await ack(text="pong")


async def ack_then_work(ack: AsyncAck) -> None:
    await ack(text="working")
    await asyncio.sleep(WORK_AFTER_ACK)  # stands for a slow query or API call


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(label: str, before_response: bool, immediate: bool, n: int) -> None:
    emulator = SlackEmulator()
    await emulator.start()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_APP_TOKEN": emulator.app_token,
            "SLACK_API_URL": emulator.api_url,
        }
    )
    app = AsyncApp(
        client=build_web_client(settings),
        process_before_response=before_response,
        request_verification_enabled=False,
    )
    app.command("/ping")(ping)
    app.command("/work")(ack_then_work)
    handler_class = ImmediateAckSocketModeHandler if immediate else AsyncSocketModeHandler
    handler = handler_class(app, settings.slack_app_token)
    await handler.connect_async()
    await emulator.wait_for_connections(1)
    await emulator.send_slash_command("/ping")  # warm-up: Bolt's first auth.test
    for command in ("/ping", "/work"):
        latencies = [(await emulator.send_slash_command(command)).latency * 1000 for _ in range(n)]
        print(
            f"{label:<44} {command:<6} p50 {statistics.median(latencies):6.2f} ms"
            f"   p95 {_percentile(latencies, 0.95):6.2f} ms"
        )
    await handler.close_async()
    await emulator.stop()


async def main(n: int) -> None:
    await measure("stock handler, process_before_response=False", False, False, n)
    await measure("stock handler, process_before_response=True", True, False, n)
    await measure("immediate-ack handler, process_before_response=True", True, True, n)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
