"""The client's GET connections over plain asyncio streams, against real local servers: the
body framings and codings a server may choose, keep-alive, and where httpx stays in charge."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from aiohttp import web

from bot.emulators.tenkfeet import DEFAULT_TOKEN
from sync.tenkfeet.client import TenkfeetClient
from sync.tenkfeet.page_connections import PageConnections, page_connections_for

PAGE = json.dumps({"data": [{"id": n, "name": f"Type {n}"} for n in range(1, 400)]}).encode()
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A TCP server answering with whatever bytes ``handler`` writes; yields its origin."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def aiohttp_server(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def connections(origin: str, timeout: float = 5.0) -> PageConnections:
    found = page_connections_for(origin, {"auth": DEFAULT_TOKEN}, timeout)
    assert found is not None
    return found


async def read_request(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw deflate", "chunked"])
async def test_bodies_in_any_framing_and_coding_read_back_whole(coding: str) -> None:
    seen: list[str] = []

    async def answer(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("Accept-Encoding", ""))
        if coding == "chunked":
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(PAGE), 7000):
                await response.write(PAGE[start : start + 7000])
            await response.write_eof()
            return response
        body = {
            "gzip": lambda: gzip.compress(PAGE),
            "deflate": lambda: zlib.compress(PAGE),
            "raw deflate": lambda: zlib.compress(PAGE)[2:-4],
        }[coding]()
        name = "gzip" if coding == "gzip" else "deflate"
        return web.Response(body=body, headers={"Content-Encoding": name})

    async with aiohttp_server(answer) as origin:
        pages = connections(origin)
        for _ in range(3):  # on one kept connection
            got = await pages.get("/api/v1/leave_types?per_page=5")
            assert (got.status, got.body) == (200, PAGE)
        await pages.aclose()
    assert seen == ["gzip, deflate"] * 3


async def test_one_connection_is_kept_and_the_headers_go_on_every_request() -> None:
    requests: list[bytes] = []
    connected = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connected
        connected += 1
        while not reader.at_eof():
            try:
                requests.append(await read_request(reader))
            except asyncio.IncompleteReadError:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE))
            await writer.drain()
        writer.close()

    async with raw_server(handler) as origin:
        pages = connections(origin)
        for n in range(3):
            assert (await pages.get(f"/x?page={n}")).body == PAGE
        await pages.aclose()
    assert connected == 1
    port = origin.rsplit(":", 1)[1]
    assert all(f"auth: {DEFAULT_TOKEN}\r\n".encode() in r for r in requests)
    assert requests[2].startswith(b"GET /x?page=2 HTTP/1.1\r\nHost: 127.0.0.1:" + port.encode())


async def test_a_body_without_a_length_is_read_to_the_end_and_the_connection_not_kept() -> None:
    connected = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connected
        connected += 1
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + PAGE)
        await writer.drain()
        writer.close()

    async with raw_server(handler) as origin:
        pages = connections(origin)
        assert (await pages.get("/a")).body == PAGE
        assert (await pages.get("/b")).body == PAGE
        await pages.aclose()
    assert connected == 2


async def test_a_kept_connection_the_server_closed_is_replaced_without_an_error() -> None:
    connected = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connected
        connected += 1
        await read_request(reader)
        # Keep-alive announced, but closed right after the answer (an idle timeout, say).
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE))
        await writer.drain()
        writer.close()

    async with raw_server(handler) as origin:
        pages = connections(origin)
        for _ in range(3):
            assert (await pages.get("/a")).body == PAGE
        await pages.aclose()
    assert connected == 3


async def test_an_answer_cut_short_is_a_protocol_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE[:100]))
        await writer.drain()
        writer.close()

    async with raw_server(handler) as origin:
        pages = connections(origin)
        with pytest.raises(httpx.RemoteProtocolError, match="before the body's end"):
            await pages.get("/a")
        await pages.aclose()


async def test_a_silent_server_times_out_as_httpx_would() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()
        writer.close()

    async with raw_server(handler) as origin:
        pages = connections(origin, timeout=0.2)
        with pytest.raises(httpx.ReadTimeout):
            await pages.get("/a")
        release.set()
        await pages.aclose()


async def test_a_body_that_stops_midway_times_out() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE[:99]))
        await writer.drain()
        await release.wait()
        writer.close()

    async with raw_server(handler) as origin:
        pages = connections(origin, timeout=0.2)
        with pytest.raises(httpx.ReadTimeout):
            await pages.get("/a")
        release.set()
        await pages.aclose()


async def test_the_client_retries_a_dropped_connection_then_answers() -> None:
    attempts = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1
        await read_request(reader)
        if attempts == 1:
            writer.close()  # no answer at all
            return
        body = b'{"data": [{"id": 1, "name": "Vacation"}], "paging": {"next": null}}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    delays: list[float] = []

    async def no_wait(seconds: float) -> None:
        delays.append(seconds)

    async with raw_server(handler) as origin, TenkfeetClient(origin, "t", sleep=no_wait) as client:
        leave_types = (await client.leave_types()).items
    assert [lt.name for lt in leave_types] == ["Vacation"]
    assert attempts == 2 and len(delays) == 1


def test_httpx_keeps_the_requests_this_module_does_not_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = {"auth": "t"}
    assert page_connections_for("https://api.example.com", headers, 5) is not None
    assert page_connections_for("http://robot:pw@api.example.com", headers, 5) is None
    assert page_connections_for("ftp://api.example.com", headers, 5) is None
    assert page_connections_for("http://api.example.com", {"auth": "t\r\nx: y"}, 5) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
    assert page_connections_for("https://api.example.com", headers, 5) is None
    assert page_connections_for("http://api.example.com", headers, 5) is not None
