"""Reading the bot's metrics in tests: this process's registry, or a site's /metrics page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.emulators.slack import SlackEmulator
from bot.lifespan import RunningBot
from core.observability.metrics import REGISTRY
from tests.support.live_bot import live_bot

METRICS_TOKEN = "test-metrics-token-0123456789"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def sample(name: str, **labels: str) -> float:
    """The value of ``name`` with exactly ``labels`` in this process's registry; 0 when the
    series does not exist yet (the metrics are the process's: compare before and after)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def scrape(
    base_url: str, token: str = METRICS_TOKEN
) -> tuple[int, str, dict[str, str], Samples]:
    """GET /metrics with ``token`` (none when empty): status, body, headers and, on 200,
    every sample by (name, labels)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base_url}/metrics", headers=headers) as response:
            text = await response.text()
            status, answer_headers = response.status, dict(response.headers)
    samples: Samples = {}
    if status == 200:
        for family in text_string_to_metric_families(text):
            for found in family.samples:
                samples[(found.name, frozenset(found.labels.items()))] = found.value
    return status, text, answer_headers, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@asynccontextmanager
async def metered_bot(emulator: SlackEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The running bot (:func:`tests.support.live_bot.live_bot`) with /metrics on."""
    async with live_bot(emulator, database_url, METRICS_TOKEN=METRICS_TOKEN) as bot:
        yield bot
