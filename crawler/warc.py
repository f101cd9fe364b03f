"""WARC output and input: every HTTP exchange kept as WARC records, and WARC files read back.

A thin layer over warcio (no Scrapy, no sqlite here).

Writing (`WarcWriter`): one ``.warc.gz`` file at a time, every record its own gzip member,
flushed as soon as it is written, so a crash leaves every finished record readable. An
exchange is a ``response`` record (or a ``revisit`` record for an unchanged payload), a
``request`` record and optionally a ``metadata`` record, always in one file. Each file starts
with a ``warcinfo`` record.

Reading (`iter_captures`, `read_record`): WARC files compressed per record (``.warc.gz``) or
not compressed at all (``.warc``), ours or other tools'. Damage is never fatal:

* a record cut off (a crash mid-write, a truncated copy) or otherwise unreadable is skipped
  and reported through ``on_error(filename, offset, reason)``; reading then resumes at the
  next intact record if one can be found further on (the next gzip member that decompresses
  to a WARC record, or the next ``WARC/1.x`` line in an uncompressed file);
* a response whose HTTP part cannot be parsed is skipped and reported the same way;
* a file gzipped whole instead of record by record is reported the same way (once; no
  record of it is yielded: `warcio recompress` turns it into a readable file);
* only a file that is not a WARC file at all (its first bytes are neither a WARC record nor
  gzip data holding one) raises `WarcError`, at once, when `iter_captures` is called.

Digests are not verified on reading (``warcio check`` does that), so bytes altered inside a
record of an uncompressed file go unnoticed (in a .warc.gz file they nearly always break the
decompression, and are caught).
warcio itself prints a few warnings about damaged input straight to stderr.

Strings and bytes: the body is kept exactly as given (no decoding of Content-Encoding).
HTTP header values are ``str``; a non-ASCII value is written in Latin-1 when it can be (the
usual bytes<->str mapping of HTTP, so values decoded from the wire with ``latin-1`` are stored
byte for byte), else in UTF-8. warcio reads each header line as UTF-8 first, Latin-1 if that
fails.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import IO, Callable, Iterator
from urllib.parse import urlsplit

from warcio.archiveiterator import WARCIterator
from warcio.bufferedreaders import ChunkedDataException, ChunkedDataReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger("newsarchive.warc")

ErrorHandler = Callable[[str, int, str], None]
Headers = list[tuple[str, str]]

CAPTURE_TYPES = ("response", "revisit", "resource")
REVISIT_PROFILE = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
WARC_SUFFIXES = (".warc.gz", ".warc")

_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_LINE = re.compile(rb"WARC/\d\.\d+\r?\n")
_WARC_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_WARC_DATE_LOOSE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z")
_HTTP_VERSION = re.compile(r"HTTP/\d(?:\.\d)?")
_BODYLESS_STATUS = (204, 304)
_SCAN_BLOCK = 1 << 16
GZIP_LEVEL = 6
_SNIFF_LIMIT = 1 << 20


class WarcError(ValueError):
    """The file is not a WARC file, or no capture could be read at the given offset."""


@dataclass
class RecordRef:
    """Where one record landed."""

    filename: str  # base name of the WARC file
    offset: int  # byte offset of the record (its gzip member) in the file
    length: int  # byte length of the record as stored (compressed)
    record_id: str = ""  # its WARC-Record-ID, "<urn:uuid:...>"


@dataclass
class Capture:
    """One response (or revisit, or resource) read back from a WARC file."""

    url: str
    fetched_at: str  # WARC-Date as "YYYY-MM-DDTHH:MM:SSZ"
    status: int | None  # HTTP status; None for records without an HTTP response
    headers: Headers  # HTTP response headers as sent
    body: bytes  # raw payload: Content-Encoding kept, chunked transfer encoding removed
    content_type: str  # Content-Type header (WARC Content-Type for a resource), or ""
    payload_digest: str  # "sha1:BASE32" as in WARC-Payload-Digest
    record_type: str  # "response", "revisit" or "resource"
    refers_to_uri: str | None  # revisit: WARC-Refers-To-Target-URI
    refers_to_date: str | None  # revisit: WARC-Refers-To-Date
    filename: str
    offset: int
    length: int
    record_id: str = ""  # WARC-Record-ID


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of `body`: "sha1:" and the base32 of its SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_paths(path: str | os.PathLike[str]) -> list[Path]:
    """`path` itself if it is a file, else every *.warc.gz and *.warc file in it, sorted by name."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or directory: {path}")
    return sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES))


# --------------------------------------------------------------------------- writing


class _WireHeaders(StatusAndHeaders):
    """HTTP status line and headers serialized as they went over the wire.

    warcio percent-encodes any non-ASCII header value (RFC 8187 style) when it serializes
    headers, which would change the bytes of the message; this writes each line in Latin-1
    when possible, UTF-8 otherwise.
    """

    def to_ascii_bytes(self, filter_func: Callable | None = None) -> bytes:
        """The header block as bytes, ending with the blank line."""
        lines = [f"{self.protocol} {self.statusline}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        return b"".join(_encode_header_line(line) + b"\r\n" for line in lines) + b"\r\n"


def _encode_header_line(line: str) -> bytes:
    """Latin-1 if it fits (the bytes as they came, for text decoded as Latin-1), else UTF-8."""
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:
        return line.encode("utf-8")


def _one_line(value: object) -> str:
    """A header or field value on one line (CR and LF would break the record's structure)."""
    return re.sub(r"[\r\n]+", " ", str(value))


def _clean_headers(headers: Headers) -> Headers:
    """The headers as (str, str) pairs, each on one line."""
    return [(_one_line(name).strip(), _one_line(value)) for name, value in headers]


def _check_date(value: str, what: str) -> str:
    """`value` if it is a WARC date of the form we write, else ValueError."""
    if not isinstance(value, str) or not _WARC_DATE.fullmatch(value):
        raise ValueError(f"{what} must be 'YYYY-MM-DDTHH:MM:SSZ', got {value!r}")
    return value


def _http_version(version: str) -> str:
    """"HTTP/1.1" as is; Scrapy's "h2" as "HTTP/2"; anything else is an error."""
    version = "HTTP/2" if version.lower() in ("h2", "http/2.0") else version.upper()
    if not _HTTP_VERSION.fullmatch(version):
        raise ValueError(f"unsupported HTTP version {version!r}")
    return version


def _without_chunked(headers: Headers) -> Headers:
    """Drop 'chunked' from Transfer-Encoding (the body given is de-chunked)."""
    out: Headers = []
    for name, value in headers:
        if name.lower() == "transfer-encoding":
            codings = [c.strip() for c in value.split(",") if c.strip().lower() != "chunked"]
            if not codings:
                continue
            value = ", ".join(codings)
        out.append((name, value))
    return out


def _with_content_length(headers: Headers, length: int) -> Headers:
    """Set Content-Length to `length`, in place of the first one if there was one."""
    out: Headers = []
    placed = False
    for name, value in headers:
        if name.lower() == "content-length":
            if placed:
                continue
            value, placed = str(length), True
        out.append((name, value))
    if not placed:
        out.append(("Content-Length", str(length)))
    return out


def _response_headers(status: int, method: str, headers: Headers, body: bytes) -> Headers:
    """The response headers to store with `body` so that they agree with it.

    Transfer-Encoding: chunked goes (the body is stored de-chunked) and Content-Length becomes
    len(body). Content-Encoding stays: the body must be the raw wire body. Responses that never
    carry a body (HEAD, 1xx, 204, 304) keep their Content-Length as sent.
    """
    headers = _without_chunked(_clean_headers(headers))
    if method.upper() == "HEAD" or status < 200 or status in _BODYLESS_STATUS:
        return headers
    return _with_content_length(headers, len(body))


def _request_headers(url: str, headers: Headers) -> Headers:
    """The request headers, with a Host header first if the caller's list had none."""
    headers = _clean_headers(headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", urlsplit(url).netloc))
    return headers


def _request_target(url: str) -> str:
    """The request line's target: path and query, as sent to the server."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _warc_fields(fields: dict[str, str]) -> bytes:
    """An application/warc-fields block: one 'name: value' line per field."""
    lines = []
    for name, value in fields.items():
        if not name or ":" in name or _one_line(name) != name:
            raise ValueError(f"invalid metadata field name {name!r}")
        lines.append(f"{name}: {_one_line(value)}\r\n")
    return "".join(lines).encode("utf-8")


_FIRST_WARC_HEADERS = ("warc-type", "warc-record-id", "warc-date", "warc-target-uri")


def _usual_header_order(record: ArcWarcRecord) -> None:
    """WARC-Type, -Record-ID, -Date and -Target-URI first, as most tools write them."""
    def rank(header: tuple[str, str]) -> int:
        name = header[0].lower()
        return _FIRST_WARC_HEADERS.index(name) if name in _FIRST_WARC_HEADERS else len(_FIRST_WARC_HEADERS)
    record.rec_headers.headers.sort(key=rank)


def _utc_stamp() -> str:
    """Now, in UTC, as used in file names: YYYYMMDDHHMMSS."""
    return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")


class WarcWriter:
    """Append HTTP exchanges to rotating, per-record gzipped WARC files.

    Files are named ``{prefix}-{UTC YYYYMMDDHHMMSS}-{serial:05d}.warc.gz`` in `directory`
    (created if missing) and never overwritten. The first file is opened by the first
    `write_exchange`; a new one is started before an exchange once the current file has
    reached `max_size` bytes. Each file starts with a warcinfo record holding `software`,
    the WARC format and the `info` fields. Not thread-safe: one writer per process/thread.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        prefix: str = "newsarchive",
        max_size: int = 1_000_000_000,
        software: str = "newsarchive",
        info: dict | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.software = software
        self.info = dict(info or {})
        self.paths: list[Path] = []
        self._serial = 0
        self._file: IO[bytes] | None = None
        self._warc: WARCWriter | None = None
        self._warcinfo_id: str | None = None
        self._closed = False

    @property
    def current_path(self) -> Path | None:
        """The file being written, or None before the first exchange and after close()."""
        return self.paths[-1] if self._file is not None else None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the current file. Further writes raise ValueError."""
        self._close_file()
        self._closed = True

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Headers,
        status: int,
        reason: str,
        response_headers: Headers,
        body: bytes,
        fetched_at: str,
        http_version: str = "HTTP/1.1",
        revisit_of: tuple[str, str] | None = None,
        metadata: dict[str, str] | None = None,
        record_id: str | None = None,
    ) -> dict[str, RecordRef]:
        """Write one exchange; return where its records landed.

        A response record (status line, headers, raw body) or, with
        ``revisit_of=(original_url, original_fetched_at)``, a revisit record (headers only,
        identical-payload-digest profile); then the request record and, if `metadata` is
        given, a metadata record, both concurrent to the response. All get WARC-Date
        `fetched_at` ("YYYY-MM-DDTHH:MM:SSZ"). Keys of the result: "response" or "revisit",
        "request", and "metadata" when written. If writing fails part-way, the file is cut
        back to where the exchange began and the error is raised. `record_id` ("<urn:uuid:...>")
        sets the WARC-Record-ID of the response or revisit record (default: a new one).
        """
        _check_date(fetched_at, "fetched_at")
        if revisit_of is not None:
            _check_date(revisit_of[1], "revisit_of date")
        if not isinstance(status, int) or not 100 <= status <= 999:
            raise ValueError(f"invalid HTTP status {status!r}")
        body = bytes(body)
        version = _http_version(http_version)
        fields = _warc_fields(metadata) if metadata is not None else None
        self._ensure_file()  # rotation happens here, before any record of the exchange
        main = self._main_record(url, method, status, reason, response_headers, body,
                                 fetched_at, version, revisit_of, record_id)
        records = {main.rec_type: main}
        common = {"WARC-Date": fetched_at, "WARC-Concurrent-To": main.rec_headers["WARC-Record-ID"]}
        records["request"] = self._request_record(url, method, request_headers, version, common)
        if fields is not None:
            records["metadata"] = self._metadata_record(url, fields, common)
        return self._write_records(records)

    def _warc_headers(self, extra: dict[str, str]) -> dict[str, str]:
        """WARC headers for a record of the current file."""
        return {**extra, "WARC-Warcinfo-ID": self._warcinfo_id}

    def _main_record(self, url: str, method: str, status: int, reason: str, headers: Headers,
                     body: bytes, fetched_at: str, version: str,
                     revisit_of: tuple[str, str] | None, record_id: str | None = None) -> ArcWarcRecord:
        """The response record, or the revisit record if `revisit_of` is given."""
        http = _WireHeaders(f"{status} {reason}", _response_headers(status, method, headers, body),
                            protocol=version)
        first = {"WARC-Date": fetched_at}
        if record_id:
            first["WARC-Record-ID"] = record_id
        if revisit_of is None:
            return self._warc.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict=self._warc_headers(first))
        original_url, original_date = revisit_of
        record = self._warc.create_revisit_record(
            url, payload_digest(body), original_url, original_date, http_headers=http,
            warc_headers_dict=self._warc_headers(first))
        record.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
        return record

    def _request_record(self, url: str, method: str, headers: Headers, version: str,
                        common: dict[str, str]) -> ArcWarcRecord:
        """The request record: request line and headers, no body."""
        http = _WireHeaders(f"{_request_target(url)} {version}", _request_headers(url, headers),
                            protocol=method.upper())
        return self._warc.create_warc_record(url, "request", http_headers=http,
                                             warc_headers_dict=self._warc_headers(common))

    def _metadata_record(self, url: str, fields: bytes, common: dict[str, str]) -> ArcWarcRecord:
        """The metadata record: application/warc-fields."""
        return self._warc.create_warc_record(
            url, "metadata", payload=BytesIO(fields), length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict=self._warc_headers(common))

    def _write_records(self, records: dict[str, ArcWarcRecord]) -> dict[str, RecordRef]:
        """Write the records of one exchange, all or none."""
        start = self._file.tell()
        try:
            return {kind: self._write_one(record) for kind, record in records.items()}
        except BaseException:
            self._file.seek(start)
            self._file.truncate()
            self._file.flush()
            raise

    def _write_one(self, record: ArcWarcRecord) -> RecordRef:
        """Write one record as one gzip member, flushed; where it landed."""
        _usual_header_order(record)
        offset = self._file.tell()
        # warcio gzips at level 9; a member per record at level 6 (gzip's default) is as valid,
        # about 10% larger and twice as fast. zlib releases the GIL while it compresses.
        buffer = BytesIO()
        WARCWriter(buffer, gzip=False).write_record(record)
        gz = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self._file.write(gz.compress(buffer.getbuffer()) + gz.flush())
        self._file.flush()
        return RecordRef(self.paths[-1].name, offset, self._file.tell() - offset,
                         record.rec_headers["WARC-Record-ID"])

    def _ensure_file(self) -> None:
        """An open file with room: the first one, or a new one once `max_size` is reached."""
        if self._closed:
            raise ValueError("WarcWriter is closed")
        if self._file is not None and self._file.tell() >= self.max_size:
            self._close_file()
        if self._file is None:
            self._open_file()

    def _open_file(self) -> None:
        """Start the next file, beginning with its warcinfo record."""
        stamp = _utc_stamp()
        while True:  # never overwrite: another writer may have used this name
            path = self.directory / f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:
                self._file = open(path, "xb")
                break
            except FileExistsError:
                continue
        self.paths.append(path)
        self._warc = WARCWriter(self._file, gzip=True)  # builds records; _write_one gzips them
        fields = {"software": self.software, "format": "WARC File Format 1.0"}
        fields.update({k: str(v) for k, v in self.info.items() if v is not None})
        warcinfo = self._warc.create_warcinfo_record(path.name, fields)
        self._warcinfo_id = warcinfo.rec_headers["WARC-Record-ID"]
        self._write_one(warcinfo)

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._warc = None
        self._warcinfo_id = None


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
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


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
