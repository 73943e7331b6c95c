"""A gzip document spliced from parts deflated apart is one valid gzip of the parts in order; a kept gzip
document is answered as it is, or unzipped for a client that cannot take it."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

from starlette.requests import Request

from wijkzicht.web.compressed import GZIP_MINIMUM_SIZE, Deflated, gzipped, gzipped_answer, spliced_gzip


def _parts(snapshot: Path) -> list[bytes]:
    # real text of the snapshot: the regional codes of 2024, cut into parts of unequal length (one empty)
    text = gzip.decompress(
        (snapshot / "cbs_kwb" / "85984NED_kwb2024_WijkenEnBuurten_regiocodes.csv.gz").read_bytes()
    )
    return [text[:7], text[7:150_000], b"", text[150_000:150_001], text[150_001:400_000]]


def test_parts_deflated_apart_make_one_gzip_document_in_any_order(snapshot: Path) -> None:
    parts = _parts(snapshot)
    kept = [Deflated.of(part) for part in parts]
    for order in ([0, 1, 2, 3, 4], [4, 2, 1, 0, 3], [1, 1, 3]):
        document = spliced_gzip([kept[i] for i in order])
        # the standard library checks the trailer's CRC-32 and length, as does the gzip program
        assert gzip.decompress(document) == b"".join(parts[i] for i in order)
        assert subprocess.run(["gzip", "--test"], input=document, check=False).returncode == 0


def test_bytes_are_deflated_where_they_stand_and_a_part_inflates_alone(snapshot: Path) -> None:
    parts = _parts(snapshot)
    kept = Deflated.of(parts[1])
    assert kept.inflated() == parts[1] and kept.size == len(parts[1])
    assert len(kept.data) < len(parts[1]) // 3  # deflated, not stored
    document = spliced_gzip([b"<html>", kept, b"</html>"])
    assert gzip.decompress(document) == b"<html>" + parts[1] + b"</html>"


def _request(accept_encoding: str) -> Request:
    headers = [(b"accept-encoding", accept_encoding.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_a_kept_gzip_document_is_sent_as_kept_or_unzipped(snapshot: Path) -> None:
    text = _parts(snapshot)[1]
    kept = gzipped(text)
    assert kept == gzipped(text) and gzip.decompress(kept) == text  # the same bytes each time: no timestamp
    packed = gzipped_answer(_request("gzip, deflate"), kept, "text/csv", {"ETag": '"x"'})
    assert packed.body == kept and packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding" and packed.headers["etag"] == '"x"'
    plain = gzipped_answer(_request("identity"), kept, "text/csv")
    assert plain.body == text and "content-encoding" not in plain.headers
    # a long plain answer passes the compression middleware, which adds Vary; a short one is not compressed
    # there, so it says so itself
    assert "vary" not in plain.headers
    short = gzipped_answer(_request("identity"), gzipped(text[: GZIP_MINIMUM_SIZE - 1]), "text/csv")
    assert short.body == text[: GZIP_MINIMUM_SIZE - 1] and short.headers["vary"] == "Accept-Encoding"
