"""Compressed answers: the level every answer is gzipped at, documents kept gzipped and answered as they are,
and gzip documents spliced together from parts compressed apart.

A page that is mostly content kept from before (an area's profile) is sent gzipped without compressing that
content again: each part is deflated on its own and ends on a byte boundary with no reference to what came
before it (a sync flush), so parts deflated at different times follow each other in one deflate stream
(RFC 1951); the gzip trailer's CRC-32 of the whole is combined from the parts' own (RFC 1952). Compressing a
wijk's 170 kB profile page on each request cost 2.7 ms of CPU, more than the rest of the request.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.responses import Response

if TYPE_CHECKING:
    from starlette.requests import Request

GZIP_LEVEL = 6  # what every answer is compressed at (starlette's GZipMiddleware, the parts below)
# Answers shorter than this are sent as they are: gzip's header and trailer would outweigh what it saves.
GZIP_MINIMUM_SIZE = 2000
# The headers of an answer sent gzipped by the application itself (the middleware passes it through as it is)
GZIPPED: Mapping[str, str] = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}

_RAW_DEFLATE = -zlib.MAX_WBITS  # no zlib header or trailer: the parts go inside one gzip member
# gzip header: deflate, no flags, no time, no extra flags, unknown operating system
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_LAST_BLOCK = b"\x03\x00"  # an empty, final, fixed-Huffman block: the end of the deflate stream


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def gzipped(content: bytes, level: int = GZIP_LEVEL) -> bytes:
    """`content` as a gzip document to keep and answer with `gzipped_answer` (no time in its header, so the
    same content gives the same bytes)."""
    return gzip.compress(content, compresslevel=level, mtime=0)


def gzipped_answer(
    request: Request, document: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """A kept gzip document as it is to a client that takes gzip, unzipped to one that does not."""
    if accepts_gzip(request):
        return Response(document, media_type=media_type, headers={**(headers or {}), **GZIPPED})
    body = gzip.decompress(document)
    # a longer plain answer passes the compression middleware, which adds the Vary header itself
    vary = {"Vary": "Accept-Encoding"} if len(body) < GZIP_MINIMUM_SIZE else {}
    return Response(body, media_type=media_type, headers={**(headers or {}), **vary})


@dataclass(frozen=True)
class Deflated:
    """Bytes deflated on their own, to be spliced into a gzip document (`spliced_gzip`)."""

    data: bytes  # raw deflate blocks, sync-flushed: they end on a byte boundary, with no final block
    crc: int  # CRC-32 of the bytes before compression
    size: int  # their length

    @classmethod
    def of(cls, content: bytes, level: int = GZIP_LEVEL) -> Deflated:
        deflater = zlib.compressobj(level, zlib.DEFLATED, _RAW_DEFLATE)
        data = deflater.compress(content) + deflater.flush(zlib.Z_SYNC_FLUSH)
        return cls(data, zlib.crc32(content), len(content))

    def inflated(self) -> bytes:
        return zlib.decompressobj(_RAW_DEFLATE).decompress(self.data)


def spliced_gzip(parts: list[bytes | Deflated]) -> bytes:
    """One gzip document of the parts in order; bytes are deflated now, `Deflated` parts used as they are."""
    deflated = [part if isinstance(part, Deflated) else Deflated.of(part) for part in parts]
    crc, size = 0, 0
    for part in deflated:
        crc, size = _crc_of_both(crc, part.crc, part.size), size + part.size
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return b"".join([_GZIP_HEADER, *(part.data for part in deflated), _LAST_BLOCK, trailer])


def _crc_of_both(first: int, second: int, second_size: int) -> int:
    """The CRC-32 of two byte strings one after the other, from each one's CRC-32 and the second's length.

    CRC-32 is linear: crc(a + b) = crc(a + zeros) ^ crc(zeros) ^ crc(b), zeros being as long as b, and
    crc(a + zeros) continues a's CRC over the zeros."""
    zeros = bytes(second_size)
    return zlib.crc32(zeros, first) ^ zlib.crc32(zeros) ^ second
