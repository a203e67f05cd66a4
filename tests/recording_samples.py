"""Recordings whose length is known, written byte by byte for the tests.

Each builder follows its container's layout closely enough for a player;
the audio inside is silence or filler, since only the timing matters.
"""

from __future__ import annotations

import struct


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = (crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(packet: bytes, granule: int, serial: int, sequence: int, flags=0):
    """One Ogg page holding one whole packet (under 255 * 255 bytes)."""
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing)
    )
    page = header + bytes(lacing) + packet
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def opus(seconds: float, pre_skip: int = 312, serial: int = 7) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, 48_000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 6) + b"tester" + struct.pack("<I", 0)
    pages = [ogg_page(head, 0, serial, 0, flags=2), ogg_page(tags, 0, serial, 1)]
    end = pre_skip + round(seconds * 48_000)
    steps = 5
    for n in range(1, steps + 1):
        granule = pre_skip + (end - pre_skip) * n // steps
        pages.append(ogg_page(b"\xfc" + bytes(400), granule, serial, n + 1))
    return b"".join(pages)


def vorbis(seconds: float, rate: int = 44_100, serial: int = 3) -> bytes:
    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, rate, 0, 96_000, 0, 0xB8, 1)
    pages = [ogg_page(ident, 0, serial, 0, flags=2)]
    pages.append(ogg_page(b"\x03vorbis" + bytes(30), 0, serial, 1))
    pages.append(ogg_page(bytes(300), round(seconds * rate), serial, 2))
    # A last page on which no packet ends names no time (-1).
    pages.append(ogg_page(bytes(300), -1, serial, 3, flags=4))
    return b"".join(pages)


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def mvhd(timescale: int, duration: int, version: int = 0) -> bytes:
    if version == 1:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    rest = struct.pack(">IH", 0x00010000, 0x0100) + bytes(70) + struct.pack(">I", 2)
    return box(b"mvhd", bytes([version, 0, 0, 0]) + times + rest)


def trak(seconds: float, frame_ms: int = 20) -> bytes:
    """One audio track whose sample table holds ``seconds`` of frames."""
    count = round(seconds * 1000 / frame_ms)
    times = struct.pack(">II", 1000, count * frame_ms)
    mdhd = box(b"mdhd", bytes(12) + times + bytes(4))
    stts = box(b"stts", bytes(4) + struct.pack(">III", 1, count, frame_ms))
    stbl = box(b"stbl", stts)
    return box(b"trak", box(b"mdia", mdhd + box(b"minf", stbl)))


def mp4(
    seconds: float,
    *,
    version: int = 0,
    moov_last: bool = True,
    samples: float | None = None,
) -> bytes:
    """An M4A: ftyp, a filler mdat and moov (after it, as recorders write).

    The movie header states ``seconds``; the track's sample table holds
    ``samples`` seconds (the same unless given)."""
    ftyp = box(b"ftyp", b"M4A \x00\x00\x02\x00isomM4A ")
    tracked = trak(seconds if samples is None else samples)
    moov = box(b"moov", mvhd(600, round(seconds * 600), version) + tracked)
    mdat = box(b"mdat", bytes((i * 7) % 256 for i in range(50_000)))
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def fragmented_mp4(seconds: float) -> bytes:
    """moov says 0 (fragments follow); mvex > mehd states the whole length."""
    mehd = box(b"mehd", bytes(4) + struct.pack(">I", round(seconds * 1000)))
    moov = box(b"moov", mvhd(1000, 0) + box(b"mvex", mehd))
    ftyp = box(b"ftyp", b"iso5\x00\x00\x02\x00iso5mp41")
    return ftyp + moov + box(b"moof", bytes(64))


def _ebml_id(element_id: int) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")


def _size(n: int) -> bytes:
    """The shortest EBML size field for ``n`` (all ones would mean unknown)."""
    length = 1
    while n >= (1 << (7 * length)) - 1:
        length += 1
    return ((1 << (7 * length)) | n).to_bytes(length, "big")


def element(element_id: int, body: bytes) -> bytes:
    return _ebml_id(element_id) + _size(len(body)) + body


UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
EBML_HEADER = element(
    0x1A45DFA3,
    element(0x4286, b"\x01")
    + element(0x42F7, b"\x01")
    + element(0x4282, b"webm")
    + element(0x4287, b"\x04")
    + element(0x4285, b"\x02"),
)


def webm(seconds: float, *, declared: float | None = None, frame_ms: int = 20) -> bytes:
    """As Chrome's MediaRecorder writes it: a Segment and Clusters of
    unknown size, no Duration in Info (unless ``declared``), SimpleBlocks."""
    info = element(0x2AD7B1, struct.pack(">I", 1_000_000)[1:])
    info += element(0x4D80, b"Chrome")
    if declared is not None:
        info += element(0x4489, struct.pack(">d", declared * 1000))
    track = element(0xAE, element(0xD7, b"\x01") + element(0x86, b"A_OPUS"))
    out = [EBML_HEADER, _ebml_id(0x18538067) + UNKNOWN_SIZE]
    out += [element(0x1549A966, info), element(0x1654AE6B, track)]
    last = round(seconds * 1000)
    for start in range(0, last + 1, 1000):
        out.append(_ebml_id(0x1F43B675) + UNKNOWN_SIZE)
        out.append(element(0xE7, struct.pack(">I", start)))
        for offset in range(0, min(1000, last - start + 1), frame_ms):
            head = b"\x81" + struct.pack(">h", offset) + b"\x80"
            out.append(element(0xA3, head + bytes(60)))
    return b"".join(out)


# MPEG-1 Layer III, 128 kbit/s, 48 kHz, no padding: 384-byte frames of
# 1152 samples, 24 ms each.
MP3_FRAME = b"\xff\xfb\x94\x00" + bytes(380)


def mp3(seconds: float, *, id3v2: bool = False, id3v1: bool = False) -> bytes:
    """``seconds`` of MP3 frames, optionally between ID3 tags."""
    out = MP3_FRAME * round(seconds / 0.024)
    if id3v2:
        out = b"ID3\x04\x00\x00" + bytes([0, 0, 1, 0]) + bytes(128) + out
    if id3v1:
        out += b"TAG" + bytes(125)
    return out
