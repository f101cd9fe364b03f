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
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


ErrorHandler = Callable[[str, int, str], None]
Headers = list[tuple[str, str]]

WARC_SUFFIXES = (".warc.gz", ".warc")



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
    return sha1_digest(body)


def sha1_digest(*parts: bytes) -> str:
    """A WARC digest ("sha1:" and the base32 of the SHA-1) of the parts run together, as warcio
    writes WARC-Block-Digest and WARC-Payload-Digest."""
    sha1 = hashlib.sha1()
    for part in parts:
        sha1.update(part)
    return "sha1:" + base64.b32encode(sha1.digest()).decode("ascii")


def warc_paths(path: str | os.PathLike[str]) -> list[Path]:
    """`path` itself if it is a file, else every *.warc.gz and *.warc file in it, sorted by name."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or directory: {path}")
    return sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES))


