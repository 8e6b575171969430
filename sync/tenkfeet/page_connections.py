"""The 10000ft client's GETs over plain asyncio streams: keep-alive HTTP/1.1 connections that
take a page's body from the stream in one piece.

Why not httpx for these: an unchanged hours re-sync is nothing but reading every page of the
range (600 pages of 660 KB for 500 people x 3 years) and hashing them, and httpx's pure-Python
layers (httpx, httpcore, h11, anyio) cost about four times the CPU of the reads themselves
(0.17 against 0.04 s per 84 MB, measured against the emulator). The client still sends its
POSTs through httpx, and falls back to httpx for GETs too where this module does not go: an
injected transport (tests), a proxy from the environment, credentials in the URL.

What is kept from httpx: the request headers of the client, ``accept-encoding: gzip, deflate``
with the answer decoded, bodies sized by ``Content-Length``, chunked or read to the end of the
connection, TLS with httpx's certificate store, the timeout on each connect, write and read
(and on each megabyte of a body), and httpx's own exception types (so
``TenkfeetClient._send`` retries and words every failure as it did). A connection that fails
or is told to close is not used again; a request that finds a kept connection closed by the
server is sent once more on a new one, as httpcore does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

READ_BYTES = 1 << 20
"""The most one read of a body asks for (and the stream's buffer limit)."""
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case; a repeated header keeps its last value
    body: bytes  # decoded (gzip, deflate)


def page_connections_for(
    origin: str, headers: Mapping[str, str], timeout: float
) -> PageConnections | None:
    """Connections to ``origin`` for the client's GETs, or None where httpx must do them: a
    URL with credentials (httpx sends them as basic auth), a proxy configured in the
    environment, a scheme other than http(s), header values that could not go on the wire."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    proxies = urllib.request.getproxies()
    if any(key in proxies for key in ("all", parts.scheme)):
        return None
    if any(c in text for text in (*headers, *headers.values()) for c in "\r\n\0"):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return PageConnections(parts.scheme == "https", parts.hostname, port, headers, timeout)


class PageConnections:
    """A pool of keep-alive connections to one host: ``get`` takes an idle one or opens a new
    one (as many as requests run at once), and puts it back when its answer was read whole."""

    def __init__(
        self, tls: bool, host: str, port: int, headers: Mapping[str, str], timeout: float
    ) -> None:
        self._host = host
        self._port = port
        self._ssl = httpx.create_ssl_context() if tls else None
        self._timeout = timeout
        default_port = 443 if tls else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host:  # an IPv6 address
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        lines = [f"Host: {host_header}", "Accept-Encoding: gzip, deflate"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        self._head_lines = "\r\n".join(lines).encode("latin-1")
        self._idle: list[_Connection] = []
        self._closed = False

    async def get(self, path: str) -> Answer:
        """GET ``path`` (path and query, starting with ``/``); raises ``httpx.TransportError``."""
        request = b"GET %s HTTP/1.1\r\n%s\r\n\r\n" % (path.encode("ascii"), self._head_lines)
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                try:
                    return await self._exchange(connection, request)
                except _StaleConnection:
                    continue  # closed by the server while it was idle: try a new one
            connection.close()
        try:
            return await self._exchange(await self._connect(), request)
        except _StaleConnection as exc:
            raise exc.error from exc.__cause__

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    async def _connect(self) -> _Connection:
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await asyncio.open_connection(
                    self._host,
                    self._port,
                    ssl=self._ssl,
                    server_hostname=self._host if self._ssl is not None else None,
                    limit=READ_BYTES,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {self._host} timed out") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer, self._timeout)

    async def _exchange(self, connection: _Connection, request: bytes) -> Answer:
        try:
            answer, reusable = await connection.exchange(request)
        except BaseException:
            connection.close()
            raise
        if reusable and not self._closed:
            self._idle.append(connection)
        else:
            connection.close()
        return answer


class _StaleConnection(Exception):
    """The connection failed before the server answered anything: on a kept connection, the
    server closed it while it was idle; on a new one, ``error`` is the failure."""

    def __init__(self, error: httpx.TransportError) -> None:
        super().__init__(str(error))
        self.error = error


class _Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout  # for each connect, write and read, as httpx's

    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, request: bytes) -> tuple[Answer, bool]:
        """Send ``request``, read the answer; returns it and whether the connection can be
        used again."""
        try:
            async with asyncio.timeout(self.timeout):
                self.writer.write(request)
                await self.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("sending the request timed out") from None
        except OSError as exc:
            raise _StaleConnection(httpx.WriteError(str(exc) or type(exc).__name__)) from exc
        status, headers, keep_alive = await self._head()
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if status in _NO_BODY or 100 <= status < 200:
            return Answer(status, headers, b""), keep_alive
        if headers.get("transfer-encoding", "").strip().lower() == "chunked":
            body = await self._chunked()
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise httpx.RemoteProtocolError("invalid Content-Length") from None
            body = await self._exactly(length)
        else:
            body, keep_alive = await self._to_the_end(), False
        return Answer(status, headers, _decoded(body, encoding)), keep_alive

    async def _head(self) -> tuple[int, dict[str, str], bool]:
        try:
            async with asyncio.timeout(self.timeout):
                raw = await self.reader.readuntil(b"\r\n\r\n")
        except TimeoutError:
            raise httpx.ReadTimeout("waiting for the answer timed out") from None
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                closed = httpx.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
                raise _StaleConnection(closed) from exc
            raise httpx.RemoteProtocolError("the server closed the connection mid-answer") from exc
        except asyncio.LimitOverrunError:
            raise httpx.RemoteProtocolError("the answer's headers are too long") from None
        except OSError as exc:
            raise _StaleConnection(httpx.ReadError(str(exc) or type(exc).__name__)) from exc
        lines = raw.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        try:
            status = int(rest[:3])
        except ValueError:
            raise httpx.RemoteProtocolError(f"not an HTTP status line: {lines[0][:60]!r}") from None
        if not version.startswith("HTTP/1."):
            raise httpx.RemoteProtocolError(f"not an HTTP/1.x answer: {lines[0][:60]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (
            version != "HTTP/1.0" or "keep-alive" in connection
        )
        return status, headers, keep_alive

    async def _exactly(self, length: int) -> bytes:
        """``length`` bytes, taken from the stream's buffer in one piece once they are all
        there (one copy of a page, not one per read and another to join them); the timeout
        counts once per megabyte."""
        try:
            async with asyncio.timeout(self.timeout * (1 + length // READ_BYTES)):
                return await self.reader.readexactly(length)
        except TimeoutError:
            raise httpx.ReadTimeout("reading the answer timed out") from None
        except asyncio.IncompleteReadError as exc:
            left = length - len(exc.partial)
            raise httpx.RemoteProtocolError(
                f"the server closed the connection {left} bytes before the body's end"
            ) from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            line = await self._line()
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise httpx.RemoteProtocolError("invalid chunk size") from None
            if size == 0:
                while await self._line():  # trailers, up to the empty line
                    pass
                return b"".join(chunks)
            chunks.append(await self._exactly(size))
            if await self._line():
                raise httpx.RemoteProtocolError("a chunk longer than its size")

    async def _to_the_end(self) -> bytes:
        chunks = []
        while chunk := await self._read(READ_BYTES):
            chunks.append(chunk)
        return b"".join(chunks)

    async def _line(self) -> bytes:
        try:
            async with asyncio.timeout(self.timeout):
                return (await self.reader.readuntil(b"\r\n"))[:-2]
        except TimeoutError:
            raise httpx.ReadTimeout("reading the answer timed out") from None
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise httpx.RemoteProtocolError("a chunked body ended early") from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def _read(self, most: int) -> bytes:
        try:
            async with asyncio.timeout(self.timeout):
                return await self.reader.read(most)
        except TimeoutError:
            raise httpx.ReadTimeout("reading the answer timed out") from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc


def _decoded(body: bytes, encoding: str) -> bytes:
    """The body without its content coding (the ones asked for: gzip and deflate)."""
    if encoding in ("identity", ""):
        return body
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            with contextlib.suppress(zlib.error):  # zlib-wrapped, as the standard says
                return zlib.decompress(body)
            return zlib.decompress(body, -zlib.MAX_WBITS)  # raw, as some servers send it
    except zlib.error as exc:
        raise httpx.RemoteProtocolError(f"the {encoding} body does not decode: {exc}") from None
    raise httpx.RemoteProtocolError(f"an answer in an encoding not asked for: {encoding}")
