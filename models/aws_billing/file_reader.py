"""One billing file read from its bytes as they arrive: gunzipped when it is ``.gz``, decoded
as UTF-8 (a byte-order mark allowed), split into CSV records and handed to the month's
collector. Memory stays bounded by the chunk size, whatever the file's size.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterator

from models.aws_billing.csv_stream import CsvStream, UnclosedQuote
from models.aws_billing.month import MonthCollector

#: Most bytes one step of decompression may produce (a gzip chunk may expand twentyfold).
INFLATE_STEP = 4 << 20


class GzipEndsEarly(ValueError):
    """The gzip stream stops before its end: the file is truncated or damaged."""


class _Gunzip:
    """gzip members one after another, inflated in bounded steps. A member must end (its last
    block and trailer read): a stream cut off, even right after a complete row, raises
    :class:`GzipEndsEarly` at :meth:`close` instead of passing for a shorter file."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self._member_open = False
        """Bytes of the current member have been read and its end has not."""

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            self._member_open = True
            out = self._inflater.decompress(data, INFLATE_STEP)
            if out:
                yield out
            if self._inflater.eof:
                data = self._inflater.unused_data
                self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                self._member_open = False
            else:
                data = self._inflater.unconsumed_tail

    def close(self) -> Iterator[bytes]:
        out = self._inflater.flush()
        if out:
            yield out
        if self._member_open and not self._inflater.eof:
            raise GzipEndsEarly


class BillingFileReader:
    """Feed a file's bytes with :meth:`feed`, then :meth:`close`. A problem (not gzip, not
    UTF-8, a wrong header) is noted on the collector and the rest of the file is ignored."""

    def __init__(self, collector: MonthCollector, name: str, *, gzipped: bool) -> None:
        self.collector = collector
        self.name = name
        self._gunzip = _Gunzip() if gzipped else None
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._csv = CsvStream()
        self._header_seen = False
        self._stopped = False
        self.bytes_read = 0

    def feed(self, data: bytes) -> None:
        if self._stopped:
            return
        self.bytes_read += len(data)
        if self._gunzip is None:
            self._text(data, final=False)
            return
        try:
            for piece in self._gunzip.feed(data):
                self._text(piece, final=False)
                if self._stopped:
                    return
        except zlib.error:
            self._stop(self.name, "not a gzip file (or a damaged one)")

    def close(self) -> None:
        if not self._stopped and self._gunzip is not None:
            try:
                for piece in self._gunzip.close():
                    self._text(piece, final=False)
            except zlib.error:
                self._stop(self.name, "not a gzip file (or a damaged one)")
            except GzipEndsEarly:
                if not self._stopped:
                    self._stop(self.name, "the gzip file ends early (truncated or damaged)")
        if self._stopped:
            return
        self._text(b"", final=True)
        if self._stopped:
            return
        try:
            self._records(self._csv.close())
        except UnclosedQuote as exc:
            self._stop(f"{self.name}:{exc.line}", "a quoted field is never closed")
            return
        if not self._header_seen:
            self._stop(self.name, "the file is empty")

    def _text(self, data: bytes, *, final: bool) -> None:
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            line = self._csv.lines_read + 1 + data[: max(exc.start, 0)].count(b"\n")
            bad = exc.object[exc.start : exc.start + 1].hex()
            self._stop(f"{self.name}:{line}", f"not UTF-8 text (byte 0x{bad})")
            return
        if text:
            self._records(self._csv.feed(text))

    def _records(self, records: list[tuple[int, list[str]]]) -> None:
        collector = self.collector
        for line, cells in records:
            if not self._header_seen:
                self._header_seen = True
                if not collector.start_file(self.name, cells, line):
                    self._stopped = True
                    return
                continue
            collector.add_row(line, cells)

    def _stop(self, where: str, message: str) -> None:
        if not self._header_seen:
            self.collector.files += 1
        self.collector.problem(where, message)
        self._stopped = True
