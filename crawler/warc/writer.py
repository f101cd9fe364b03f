"""Writing WARC files: every HTTP exchange as WARC records (see crawler/warc/records.py)."""

from __future__ import annotations

import logging
import os
import re
import zlib
from io import BytesIO
from pathlib import Path
from typing import IO, Callable
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import GzippingWrapper, WARCWriter

logger = logging.getLogger("newsarchive.warc")


from crawler.core import clock
from crawler.warc.records import Headers, RecordRef, payload_digest, sha1_digest

_WARC_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_HTTP_VERSION = re.compile(r"HTTP/\d(?:\.\d)?")
_BODYLESS_STATUS = (204, 304)
# The zlib level each record's gzip member is compressed at. 1 (the fastest) by default: on the
# crawl benchmark's 80 KB pages it compresses a response about four times faster than level 6
# (about 0.3 against 1.2 ms) for files about 15% larger. Any level gives valid gzip members, read
# alike by warcio and crawler.warc.reader; the digests are of the uncompressed record and do not
# depend on it. WarcWriter and CaptureWriter take another as `gzip_level` (0 to 9).
GZIP_LEVEL = 1
EMPTY_DIGEST = sha1_digest(b"")  # the payload digest of a record with no payload (a request)
REVISIT_PROFILE = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"

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


def _file_stamp() -> str:
    """Now, in UTC, as used in file names: YYYYMMDDHHMMSS."""
    return clock.now().strftime("%Y%m%d%H%M%S")


class _GzipMember(GzippingWrapper):
    """What warcio writes one record to: the record as one gzip member of `file`, compressed
    as it comes (no copy of the record), at `level`. warcio's own GzippingWrapper is this at
    level 9, which it does not let one change."""

    def __init__(self, file: IO[bytes], level: int) -> None:
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.out = file


class WarcWriter:
    """Append HTTP exchanges to rotating, per-record gzipped WARC files.

    Files are named ``{prefix}-{UTC YYYYMMDDHHMMSS}-{serial:05d}.warc.gz`` in `directory`
    (created if missing) and never overwritten. The first file is opened by the first
    `write_exchange`; a new one is started before an exchange once the current file has
    reached `max_size` bytes. Each file starts with a warcinfo record holding `software`,
    the WARC format and the `info` fields. Each record is its own gzip member, compressed at
    `gzip_level` (default GZIP_LEVEL, 1). Not thread-safe: one writer per process/thread.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        prefix: str = "newsarchive",
        max_size: int = 1_000_000_000,
        software: str = "newsarchive",
        info: dict | None = None,
        gzip_level: int = GZIP_LEVEL,
    ) -> None:
        if not isinstance(gzip_level, int) or not 0 <= gzip_level <= 9:
            raise ValueError(f"gzip_level must be an integer from 0 to 9, got {gzip_level!r}")
        self.gzip_level = gzip_level
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
        digest: str | None = None,
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
        `digest`, if the caller has it, is payload_digest(body): it is not computed again.

        Each digest is computed once, here, and given to warcio with its record (warcio would
        compute a payload digest when building a record and the block digest when writing it).
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
                                 fetched_at, version, revisit_of, record_id, digest)
        records = {main[0].rec_type: main}
        common = {"WARC-Date": fetched_at, "WARC-Concurrent-To": main[0].rec_headers["WARC-Record-ID"]}
        records["request"] = self._request_record(url, method, request_headers, version, common)
        if fields is not None:
            records["metadata"] = self._metadata_record(url, fields, common)
        return self._write_records(records)

    def _warc_headers(self, extra: dict[str, str], digest: str | None = None) -> dict[str, str]:
        """WARC headers for a record of the current file (with its payload digest, if given:
        after the others, where warcio would add it)."""
        headers = {**extra, "WARC-Warcinfo-ID": self._warcinfo_id}
        if digest is not None:
            headers["WARC-Payload-Digest"] = digest
        return headers

    def _main_record(self, url: str, method: str, status: int, reason: str, headers: Headers,
                     body: bytes, fetched_at: str, version: str,
                     revisit_of: tuple[str, str] | None, record_id: str | None = None,
                     digest: str | None = None) -> tuple[ArcWarcRecord, str]:
        """The response record, or the revisit record if `revisit_of` is given, and its block
        digest (of the HTTP headers and the body; the headers alone for a revisit)."""
        http = _WireHeaders(f"{status} {reason}", _response_headers(status, method, headers, body),
                            protocol=version)
        http.compute_headers_buffer()
        first = {"WARC-Date": fetched_at}
        if record_id:
            first["WARC-Record-ID"] = record_id
        digest = digest or payload_digest(body)
        if revisit_of is None:
            record = self._warc.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict=self._warc_headers(first, digest))
            return record, sha1_digest(http.headers_buff, body)
        original_url, original_date = revisit_of
        record = self._warc.create_revisit_record(
            url, digest, original_url, original_date, http_headers=http,
            warc_headers_dict=self._warc_headers(first))
        record.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
        return record, sha1_digest(http.headers_buff)

    def _request_record(self, url: str, method: str, headers: Headers, version: str,
                        common: dict[str, str]) -> tuple[ArcWarcRecord, str]:
        """The request record (request line and headers, no body) and its block digest."""
        http = _WireHeaders(f"{_request_target(url)} {version}", _request_headers(url, headers),
                            protocol=method.upper())
        http.compute_headers_buffer()
        record = self._warc.create_warc_record(url, "request", http_headers=http,
                                               warc_headers_dict=self._warc_headers(common, EMPTY_DIGEST))
        return record, sha1_digest(http.headers_buff)

    def _metadata_record(self, url: str, fields: bytes, common: dict[str, str]) -> tuple[ArcWarcRecord, str]:
        """The metadata record (application/warc-fields) and its block digest, which is its
        payload digest (no HTTP part)."""
        digest = sha1_digest(fields)
        record = self._warc.create_warc_record(
            url, "metadata", payload=BytesIO(fields), length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict=self._warc_headers(common, digest))
        return record, digest

    def _write_records(self, records: dict[str, tuple[ArcWarcRecord, str | None]]) -> dict[str, RecordRef]:
        """Write the records of one exchange, all or none."""
        start = self._file.tell()
        try:
            return {kind: self._write_one(*record) for kind, record in records.items()}
        except BaseException:
            self._file.seek(start)
            self._file.truncate()
            self._file.flush()
            raise

    def _write_one(self, record: ArcWarcRecord, block_digest: str | None = None) -> RecordRef:
        """Write one record as one gzip member, flushed; where it landed. `block_digest`, when
        given, is its WARC-Block-Digest (warcio computes it otherwise)."""
        _usual_header_order(record)
        if block_digest is not None:  # last, where warcio would add it
            record.rec_headers.add_header("WARC-Block-Digest", block_digest)
        offset = self._file.tell()
        # warcio writes the record into the gzip member as it serializes it, and flushes the
        # file at its end. zlib releases the GIL while it compresses.
        self._warc.out = _GzipMember(self._file, self.gzip_level)
        self._warc.write_record(record)
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
        stamp = _file_stamp()
        while True:  # never overwrite: another writer may have used this name
            path = self.directory / f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:
                self._file = open(path, "xb")
                break
            except FileExistsError:
                continue
        self.paths.append(path)
        # Builds the records, and writes each into the gzip member _write_one gives it.
        self._warc = WARCWriter(None, gzip=False)
        fields = {"software": self.software, "format": "WARC File Format 1.0"}
        fields.update({k: str(v) for k, v in self.info.items() if v is not None})
        warcinfo = self._warc.create_warcinfo_record(path.name, fields)
        self._warcinfo_id = warcinfo.rec_headers["WARC-Record-ID"]
        self._write_records({"warcinfo": (warcinfo, None)})

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._warc = None
        self._warcinfo_id = None


