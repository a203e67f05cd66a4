"""Small, valid files of each kind Pathmark takes, built in code."""

from __future__ import annotations

import io
import struct
import wave
import zlib

# An EBML header naming the "webm" doctype, then a Segment of unknown size,
# as MediaRecorder writes it.
WEBM_HEADER = (
    b"\x1a\x45\xdf\xa3\x9f"
    b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
    b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
)


def webm(size: int = 20_000) -> bytes:
    """A WebM-looking recording of ``size`` bytes (header plus filler)."""
    filler = bytes((i * 37 + 11) % 251 for i in range(size - len(WEBM_HEADER)))
    return WEBM_HEADER + filler


def wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(
            b"".join(struct.pack("<h", (i * 300) % 8000) for i in range(frames))
        )
    return out.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_page(text: str) -> bytes:
    """A one-page PDF that shows ``text`` (ASCII) in Helvetica: a document a
    PDF viewer really renders, with the cross-reference table it needs."""
    content = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]"
        b"/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length %d>>stream\n%b\nendstream" % (len(content), content),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\n" % (len(objects) + 1)
    return out + b"startxref\n%d\n%%%%EOF\n" % table


def mp4(size: int = 5000) -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2"
    return ftyp + bytes(size - len(ftyp))


def zip_tail() -> bytes:
    """An empty ZIP archive: just its end-of-directory record."""
    return b"PK\x05\x06" + bytes(18)
