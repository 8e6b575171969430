"""A TCP proxy the tests can cut and restore: a database that becomes unreachable and comes
back, without touching the shared server behind it.

``async with TcpProxy("127.0.0.1", 5432) as proxy`` listens on a free local port
(:attr:`TcpProxy.port`) and forwards every connection to the target. :meth:`TcpProxy.cut`
makes the target unreachable in one of two ways:

- ``"refuse"``: every open connection is reset and new ones are reset at once, as when the
  server is down or restarting (the client learns at once);
- ``"blackhole"``: open connections stop carrying bytes and new ones are accepted but never
  answered, as in a network partition (the client learns nothing; only its timeouts help).

:meth:`TcpProxy.restore` lets new connections through again; connections cut off by a
blackhole are reset then (a partition long enough to matter ends the peer's sessions too).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Literal

Cut = Literal["refuse", "blackhole"]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.cut_mode: Cut | None = None
        self.connections_accepted = 0
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self._flowing.set()
        for client, upstream in list(self._pairs):
            _reset(client)
            if upstream is not None:
                _reset(upstream)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def url_for(self, database_url: str) -> str:
        """``database_url`` (postgres://user@host:port/db) pointed at this proxy."""
        scheme, rest = database_url.split("://", 1)
        credentials, _, tail = rest.rpartition("@")
        path = tail.split("/", 1)[1]
        who = f"{credentials}@" if credentials else ""
        return f"{scheme}://{who}127.0.0.1:{self.port}/{path}"

    def cut(self, mode: Cut = "refuse") -> None:
        """Makes the target unreachable (see the module docstring)."""
        self.cut_mode = mode
        if mode == "refuse":
            for client, upstream in list(self._pairs):
                _reset(client)
                if upstream is not None:
                    _reset(upstream)
        else:
            self._flowing.clear()

    def restore(self) -> None:
        """New connections reach the target again; blackholed ones are reset."""
        if self.cut_mode == "blackhole":
            for client, upstream in list(self._pairs):
                _reset(client)
                if upstream is not None:
                    _reset(upstream)
        self.cut_mode = None
        self._flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections_accepted += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter | None] = (writer, None)
        self._pairs.add(pair)
        try:
            await self._forward(reader, writer, pair)
        except asyncio.CancelledError:
            pass  # the proxy stops
        finally:
            self._tasks.discard(task)

    async def _forward(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter | None],
    ) -> None:
        try:
            if self.cut_mode == "refuse":
                _reset(writer)
                return
            await self._flowing.wait()
            try:
                up_reader, up_writer = await asyncio.open_connection(
                    self.target_host, self.target_port
                )
            except OSError:
                _reset(writer)
                return
            self._pairs.discard(pair)
            pair = (writer, up_writer)
            self._pairs.add(pair)
            await asyncio.gather(
                self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
            )
        finally:
            self._pairs.discard(pair)
            for end in pair:
                if end is not None:
                    end.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                if writer.is_closing():
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                if writer.can_write_eof():
                    writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes with a TCP reset (SO_LINGER 0), as a server that went away does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
