"""Hostile inputs, made here: mutations of real PDFs, a decompression bomb, a PDF of thousands of pages, hostile
questions, and readers that hang or crash. Shared by tests/test_hostile.py (the short run) and bench/fuzz.py
(the long one)."""

from __future__ import annotations

import os
import random
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from assistant.parse import ParsedDocument, read_document

MUTATIONS = ("flip", "truncate", "delete", "duplicate", "number")
HOSTILE_QUERIES = {
    "100,000 characters": " ".join(["smoking prevalence among adults in Adur"] * 2600)[:100_000],
    "100,000 without a space": "x" * 100_000,
    "control characters": "smoking\x00 prevalence\x1b[31m in\x07 Adur\x08\r\n\t?",
    "right-to-left marks": "\u202esmoking\u202c prevalence \u200f\u200e\u2066Adur\u2069 \ufeff",
    "script tag": "<script>alert(1)</script> smoking prevalence",
    "markdown": "**bold** _smoking_ [x](javascript:alert(1)) ![img](http://example.invalid/x.png) # Adur",
    "html attributes": '<img src=x onerror="alert(1)"> falls <iframe src="javascript:alert(2)"></iframe>',
    "only punctuation": "?!.,;:'\"()[]{}<>/\\|`~@#$%^&*-_=+",
    "empty": "",
    "whitespace": " \t\n\r\x0b\x0c ",
    "emoji and CJK": "吸烟率 🚬 in Adur? 😀",
    "lone surrogate": "smoking \ud800 prevalence",
}


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    """One mutation of ``data``: bytes flipped, cut short, a chunk deleted or duplicated, or a number (a length,
    count or offset the parser trusts) replaced by a hostile one."""
    n = len(data)
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 64)):
            out[rng.randrange(n)] = rng.randrange(256)
        return bytes(out)
    if kind == "truncate":
        return data[: rng.randrange(1, n)]
    start = rng.randrange(n)
    end = min(n, start + rng.randint(1, max(1, n // 20)))
    if kind == "delete":
        return data[:start] + data[end:]
    if kind == "duplicate":
        at = rng.randrange(n)
        return data[:at] + data[start:end] + data[at:]
    if kind == "number":
        match = re.compile(rb"\d+").search(data, start) or re.compile(rb"\d+").search(data)
        if match is None:
            return data
        new = rng.choice(
            [b"0", b"-1", b"999999999", b"2147483648", b"18446744073709551617", b"%d" % rng.randrange(10**6)]
        )
        return data[: match.start()] + new + data[match.end() :]
    raise ValueError(f"unknown mutation {kind!r}")


def raw_pdf(contents: Sequence[bytes], filters: Sequence[Sequence[str]] = ()) -> bytes:
    """A minimal valid PDF, one page per content stream, Helvetica, with a correct cross-reference table.
    ``filters[i]`` names the filters that stream ``i`` is already encoded with."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(contents)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(contents)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(contents):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        names = filters[i] if i < len(filters) else ()
        decode = f" /Filter [{' '.join('/' + name for name in names)}]" if names else ""
        objects.append(f"<< /Length {len(stream)}{decode} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _text(lines: Sequence[tuple[int, int, str]]) -> bytes:
    """Content-stream operators drawing (size, y, text) lines."""
    return " ".join(f"BT /F1 {size} Tf 72 {y} Td ({text}) Tj ET" for size, y, text in lines).encode()


TOPICS = "smoking alcohol falls obesity diabetes housing loneliness asthma dementia cancer stroke income".split()


def many_pages_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` pages, each with a heading and a sentence of its own (so none is a running header)."""
    contents = []
    for page in range(1, pages + 1):
        a, b = TOPICS[page % 12], TOPICS[(page // 12) % 12]
        contents.append(
            _text(
                [
                    (18, 780, f"Section {page}: {a} and {b}"),
                    (11, 740, f"On page {page} {a} among people with {b} was {page % 97}.{page % 10} per cent."),
                    (9, 30, str(page)),
                ]
            )
        )
    return raw_pdf(contents)


def bomb_pdf(inflated_mb: int = 1536) -> bytes:
    """A PDF of a few KB whose second page's content stream inflates to ``inflated_mb`` MB: text-drawing
    operators, deflated twice (``/Filter [/FlateDecode /FlateDecode]``). Made without ever holding the
    inflated bytes: one deflated block, ended by a full flush so it refers to nothing before it, repeated."""
    unit = b"BT /F1 12 Tf 72 700 Td (Decompression bomb) Tj ET\n"
    block = unit * ((16 << 20) // len(unit))
    times = max(1, (inflated_mb << 20) // len(block))
    compressor = zlib.compressobj(9)
    head = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)  # zlib header + block
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)  # the same block, no header
    final_empty_block = b"\x03\x00"
    checksum = _adler32_repeated(block, times).to_bytes(4, "big")
    once = head + again * (times - 1) + final_empty_block + checksum
    page = _text([(14, 760, "This report has a first page of ordinary text about smoking prevalence in Adur.")])
    return raw_pdf([page, zlib.compress(once, 9)], [(), ("FlateDecode", "FlateDecode")])


def _adler32_repeated(block: bytes, times: int) -> int:
    """Adler-32 of ``block * times`` without making it (zlib's adler32_combine, by doubling)."""
    base = 65521

    def combine(first: int, second: int, second_length: int) -> int:
        rem = second_length % base
        low = ((first & 0xFFFF) + (second & 0xFFFF) + base - 1) % base
        high = (rem * (first & 0xFFFF) + (first >> 16) + (second >> 16) + base - rem) % base
        return low | (high << 16)

    result, piece, length = 1, zlib.adler32(block), len(block)
    while times:
        if times & 1:
            result = combine(result, piece, length)
        piece, length, times = combine(piece, piece, length), length * 2, times >> 1
    return result


# --- readers for the worker pool (module-level, so they can be sent to a worker by name) -----------------


def misbehaving_reader(path: Path, max_mb: float, name: str, vocabulary: frozenset[str]) -> ParsedDocument:
    """Reads like the real reader, except for a file named ``hang*`` (never finishes), ``crash*`` (kills its
    process, as pdfium does when it cannot allocate) or ``hog*`` (asks for 64 GB)."""
    if name.startswith("hang"):
        time.sleep(3600)
    if name.startswith("crash"):
        os.abort()
    if name.startswith("hog"):
        bytearray(64 << 30)
    return read_document(path, max_mb, name, vocabulary)
