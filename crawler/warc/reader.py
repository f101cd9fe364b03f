"""Reading WARC files, ours or other tools', tolerating damage (see crawler/warc/records.py)."""

from __future__ import annotations

import logging
import os
import re
import zlib
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Iterator

from warcio.archiveiterator import WARCIterator
from warcio.bufferedreaders import ChunkedDataException, ChunkedDataReader
from warcio.recordloader import ArcWarcRecord

logger = logging.getLogger("newsarchive.warc")


from crawler.core import clock
from crawler.warc.records import Capture, ErrorHandler, Headers, WarcError, payload_digest

_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_LINE = re.compile(rb"WARC/\d\.\d+\r?\n")
_WARC_DATE_LOOSE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z")
_SCAN_BLOCK = 1 << 16
_SNIFF_LIMIT = 1 << 20
CAPTURE_TYPES = ("response", "revisit", "resource")

# --------------------------------------------------------------------------- reading


class _BadRecord(Exception):
    """A record that cannot be used; the message says why (one line)."""


class _FramingError(_BadRecord):
    """The record's bytes do not match its headers: what follows cannot be trusted."""


def _reason(exc: BaseException) -> str:
    """An error as a one-line reason."""
    text = " ".join(str(exc).split())
    return text if isinstance(exc, _BadRecord) else f"{type(exc).__name__}: {text}"


def _log_error(filename: str, offset: int, reason: str) -> None:
    """The default `on_error`: a warning on the "newsarchive.warc" logger."""
    logger.warning("%s: skipped damaged WARC record at offset %d: %s", filename, offset, reason)


def _sniff(path: Path) -> str | None:
    """"gzip" or "plain" for a WARC file, None for an empty one; WarcError for anything else.

    A file whose first bytes are damaged still counts as a (gzipped) WARC file if a gzip
    member in its first MiB holds a WARC record.
    """
    with open(path, "rb") as fh:
        head = fh.read(_SCAN_BLOCK)
        if not head:
            return None
        is_gzip = head[:2] == _GZIP_MAGIC[:2] or head == _GZIP_MAGIC[:1]
        start = _inflate_start(head) if is_gzip else head
        if start is not None and _warc_prefix(start):
            return "gzip" if is_gzip else "plain"
        if _resync(fh, 1, "gzip", limit=_SNIFF_LIMIT) is not None:
            return "gzip"
    if start is None:
        raise WarcError(f"{path.name} is not a WARC file: gzip data that does not decompress")
    what = "gzip data starting with" if is_gzip else "it starts with"
    raise WarcError(f"{path.name} is not a WARC file: {what} {start[:20]!r}")


def _warc_prefix(data: bytes) -> bool:
    """True if `data` starts with "WARC/", or is all there is of a cut-off "WARC/"."""
    return data[:5] == b"WARC/" or (len(data) < 5 and b"WARC/".startswith(data))


def _inflate_start(data: bytes) -> bytes | None:
    """The first bytes that the gzip member at the start of `data` inflates to, or None."""
    try:  # inflate only the start: damage further on is not our concern here
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 20)
    except zlib.error:
        return None


def iter_captures(path: str | os.PathLike[str], *, on_error: ErrorHandler | None = None) -> Iterator[Capture]:
    """Every response, revisit and resource record of one WARC file, in file order.

    Reads gzip-per-record (.warc.gz) and uncompressed (.warc) files. warcinfo, request and
    metadata records are read (so damage in them is noticed) but not yielded. A damaged record
    is skipped and reported as ``on_error(filename, offset, reason)`` (default: a warning on
    the "newsarchive.warc" logger); reading resumes at the next intact record if there is one.
    An empty file yields nothing. Raises WarcError at once, before any iteration, if `path`
    is not a WARC file at all, and FileNotFoundError if it does not exist.
    """
    path = Path(path)
    kind = _sniff(path)
    if kind is None:
        return iter(())
    return _iter_file(path, kind, on_error or _log_error)


def _iter_file(path: Path, kind: str, on_error: ErrorHandler) -> Iterator[Capture]:
    """The captures of a file, going past damaged stretches."""
    with open(path, "rb") as fh:
        start: int | None = 0
        while start is not None:
            fh.seek(start)
            bad_offset = yield from _iter_from(fh, path.name, kind, on_error)
            if bad_offset is not None:  # look further on, never back
                start = _resync(fh, max(bad_offset, start) + 1, kind)
            else:
                start = None


def _iter_from(fh: IO[bytes], filename: str, kind: str, on_error: ErrorHandler) -> Iterator[Capture]:
    """Yield captures from the current position; return the offset of a record that broke
    the framing (so the caller can look for the next intact record), or None at the end."""
    records = WARCIterator(fh)
    while True:
        offset = records.offset
        try:
            record = next(records)
        except StopIteration:
            return _check_rest(fh, records.offset, filename, on_error)
        except Exception as exc:  # warcio raises assorted errors for unparsable input
            on_error(filename, offset, _reason(exc))
            return offset
        try:
            capture = _read_current(records, record, fh, kind)
        except _FramingError as exc:
            on_error(filename, offset, str(exc))
            return offset
        except _BadRecord as exc:
            on_error(filename, offset, _reason(exc))
            continue
        if capture is not None:
            yield capture


def _check_rest(fh: IO[bytes], end: int, filename: str, on_error: ErrorHandler) -> int | None:
    """After warcio stopped at `end`: None if only blank bytes follow, else report them and
    return `end`. (warcio takes a record cut off inside its headers for the end of the file.)"""
    fh.seek(end)
    while block := fh.read(_SCAN_BLOCK):
        if block.strip():
            size = os.fstat(fh.fileno()).st_size
            on_error(filename, end, f"unreadable or cut-off record ({size - end} bytes to the end of the file)")
            return end
    return None


def _read_current(records: WARCIterator, record: ArcWarcRecord, fh: IO[bytes], kind: str) -> Capture | None:
    """Read the iterator's current record whole; a Capture for the types we yield, else None.

    _FramingError if the record's bytes do not match its headers, _BadRecord if they do but
    the record cannot be used.
    """
    try:
        raw = _drain(record)
        errors_before = records.err_count
        offset, length = records.get_record_offset(), records.get_record_length()
        if records.err_count != errors_before:
            raise _BadRecord("record not followed by its blank lines (wrong Content-Length?)")
        if kind == "gzip":
            _check_gzip_member(fh, offset, length)
    except Exception as exc:
        raise _FramingError(_reason(exc)) from exc
    if record.rec_type not in CAPTURE_TYPES:
        return None
    return _capture(record, raw, Path(fh.name).name, offset, length)


def _check_gzip_member(fh: IO[bytes], offset: int, length: int) -> None:
    """_BadRecord unless the record is exactly one whole gzip member.

    Two cases warcio lets through: a file gzipped whole rather than record by record (warcio
    then reports nonsense offsets, and fails on the second record), and a last member cut
    off after the record's data but before the member's end (the record's closing blank
    lines, the gzip trailer), as a crash mid-write leaves it. The costly check (inflating
    the member again) is only made where the next member does not follow as it should.
    """
    at_end = offset + length >= os.fstat(fh.fileno()).st_size
    position = fh.tell()
    try:
        if offset < 0 or length <= 0 or not _is_member_start(fh, offset):
            raise _BadRecord(_NOT_PER_RECORD)
        if (at_end or not _is_member_start(fh, offset + length)) and not _member_ends_at(fh, offset, length):
            raise _BadRecord("record cut off: its gzip member ends before its end marker" if at_end
                             else _NOT_PER_RECORD)
    finally:
        fh.seek(position)


_NOT_PER_RECORD = "not one gzip member per record (a file gzipped whole? `warcio recompress` fixes that)"


def _is_member_start(fh: IO[bytes], offset: int) -> bool:
    """True if a gzip member starts at `offset` (or as much of its magic as the file holds)."""
    fh.seek(offset)
    head = fh.read(len(_GZIP_MAGIC))
    return bool(head) and _GZIP_MAGIC.startswith(head)


def _member_ends_at(fh: IO[bytes], offset: int, length: int) -> bool:
    """True if the gzip member at `offset` is whole, `length` bytes long, and ends a record."""
    fh.seek(offset)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(fh.read(length))
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data and data.endswith(b"\r\n\r\n")


def _drain(record: ArcWarcRecord) -> bytes:
    """The record's remaining bytes (after any HTTP headers); _BadRecord if any are missing."""
    declared = (record.rec_headers.get_header("Content-Length") or "").strip()
    if not declared.isdigit():
        raise _BadRecord(f"missing or invalid Content-Length {declared!r}")
    chunks = []
    while chunk := record.raw_stream.read(_SCAN_BLOCK):
        chunks.append(chunk)
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise _BadRecord(f"record cut off: {missing} of its {declared} bytes are missing")
    return b"".join(chunks)


def _resync(fh: IO[bytes], start: int, kind: str, limit: int | None = None) -> int | None:
    """Offset of the next intact-looking record at or after `start` (and before `limit`), or None."""
    marker = _GZIP_MAGIC if kind == "gzip" else b"WARC/1."
    pos = start
    while (found := _find(fh, marker, pos)) is not None and (limit is None or found < limit):
        if _looks_like_record(fh, found, kind):
            return found
        pos = found + 1
    return None


def _find(fh: IO[bytes], marker: bytes, pos: int) -> int | None:
    """Offset of the next `marker` at or after `pos`."""
    while True:
        fh.seek(pos)
        block = fh.read(_SCAN_BLOCK + len(marker) - 1)
        if len(block) < len(marker):
            return None
        hit = block.find(marker)
        if hit >= 0:
            return pos + hit
        pos += _SCAN_BLOCK


def _looks_like_record(fh: IO[bytes], offset: int, kind: str) -> bool:
    """True if a WARC record seems to start at `offset` (checked before resuming there)."""
    fh.seek(offset)
    data = fh.read(4096)
    if kind == "gzip":
        data = _inflate_start(data) or b""
    elif offset > 0:
        fh.seek(offset - 1)
        if fh.read(1) != b"\n":
            return False
    return _WARC_LINE.match(data) is not None


def _normalize_date(value: str | None) -> str | None:
    """A WARC date as "YYYY-MM-DDTHH:MM:SSZ" (fractions of a second dropped)."""
    if value is None:
        return None
    match = _WARC_DATE_LOOSE.fullmatch(value.strip())
    if match:
        return match.group(1) + "Z"
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    return clock.format(parsed)


def _dechunk(raw: bytes) -> bytes:
    """Remove chunked transfer encoding; data that is not validly chunked is kept as it is.

    (warcio's own fallback would keep the chunks decoded so far and the rest raw, mixed.)
    """
    reader = ChunkedDataReader(BytesIO(raw), raise_exceptions=True)
    try:
        return b"".join(iter(lambda: reader.read(_SCAN_BLOCK), b""))
    except ChunkedDataException:
        return raw


def _is_chunked(headers: Headers) -> bool:
    """True if the headers say the body was sent with chunked transfer encoding."""
    return any(name.lower() == "transfer-encoding" and "chunked" in value.lower()
               for name, value in headers)


def _http_status(record: ArcWarcRecord) -> int | None:
    """The HTTP status of a response/revisit record; _BadRecord if it has none where it must."""
    http = record.http_headers
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not url.lower().startswith(("http:", "https:")) or record.rec_type == "resource":
        return None
    if http is None:
        if record.rec_type == "revisit":
            return None
        raise _BadRecord("response record without an HTTP response")
    code = http.get_statuscode()
    if not (http.protocol or "").upper().startswith("HTTP/") or not code.isdigit():
        line = f"{http.protocol} {http.statusline}".strip()
        raise _BadRecord(f"unparsable HTTP status line {line[:80]!r}")
    return int(code)


def _capture(record: ArcWarcRecord, raw: bytes, filename: str, offset: int, length: int) -> Capture:
    """A Capture from a fully read record and its raw remaining bytes."""
    warc = record.rec_headers
    status = _http_status(record)
    http = record.http_headers if status is not None else None
    headers = list(http.headers) if http is not None else []
    if record.rec_type == "revisit":
        body = b""
    elif http is not None and _is_chunked(headers):
        body = _dechunk(raw)
    else:
        body = raw
    if http is not None:
        content_type = http.get_header("Content-Type") or ""
    else:
        content_type = warc.get_header("Content-Type") or ""
    digest = warc.get_header("WARC-Payload-Digest")
    if digest is None:
        digest = "" if record.rec_type == "revisit" else payload_digest(body)
    is_revisit = record.rec_type == "revisit"
    return Capture(
        url=warc.get_header("WARC-Target-URI") or "",
        fetched_at=_normalize_date(warc.get_header("WARC-Date")) or "",
        status=status,
        headers=headers,
        body=body,
        content_type=content_type,
        payload_digest=digest,
        record_type=record.rec_type,
        refers_to_uri=warc.get_header("WARC-Refers-To-Target-URI") if is_revisit else None,
        refers_to_date=_normalize_date(warc.get_header("WARC-Refers-To-Date")) if is_revisit else None,
        filename=filename,
        offset=offset,
        length=length,
        record_id=warc.get_header("WARC-Record-ID") or "",
    )


def read_record(directory_or_path: str | os.PathLike[str], filename: str, offset: int) -> Capture:
    """The capture stored at `offset` of a WARC file (random access, for replay).

    `directory_or_path` is the directory holding `filename`, or the WARC file itself (then
    `filename` is not used). Raises WarcError if no intact response, revisit or resource
    record starts at `offset`.
    """
    base = Path(directory_or_path)
    path = base / filename if base.is_dir() else base
    with open(path, "rb") as fh:
        fh.seek(offset)
        kind = "gzip" if fh.read(2) == _GZIP_MAGIC[:2] else "plain"
        fh.seek(offset)
        records = WARCIterator(fh)
        try:
            record = next(records)
            capture = _read_current(records, record, fh, kind)
        except StopIteration:
            raise WarcError(f"{path.name}: no WARC record at offset {offset}") from None
        except Exception as exc:
            raise WarcError(f"{path.name}: unreadable WARC record at offset {offset}: {_reason(exc)}") from None
    if capture is None:
        raise WarcError(f"{path.name}: the record at offset {offset} is a {record.rec_type} record, "
                        "not a capture")
    return capture

