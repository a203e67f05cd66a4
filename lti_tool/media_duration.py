"""How long a recording lasts, read from the stored file itself.

The browser's figure is only a hint (a script can send any number), so
the credential's length limit is checked against what the container says:
WAV from its data size and a byte rate that must agree with its sample
rate and frame size, Ogg from the last page's granule position (Opus and
Vorbis), MP4 and M4A from the movie header checked against the tracks'
sample tables, WebM and Matroska from the span
of the blocks, which a stated Duration element must agree with. Reads go
through the artefact store in ranges or as one forward pass; no file is
ever held whole.

Hand-written because no library fits: mutagen reads WAV, Ogg and MP4 but
not Matroska at all, and it wants a seekable local file where artefacts
may sit in an S3 bucket. MP3 is counted frame by frame (``mp3_length``).
Formats not listed (fragmented MP4 without a fragment duration, for one)
answer ``None``: the length is then unknown.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterator

from lti_tool import mp3_length, sniff
from lti_tool.storage import ArtefactStore

# Longer than any recording a credential asks for: beyond it the figure is
# taken as nonsense rather than as a length.
LONGEST = 24 * 3600.0
# The largest Ogg page (27 + 255 + 255 * 255 bytes), twice over: the last
# page with a granule position is inside this tail.
OGG_TAIL = 2 * 65_307
# Boxes or chunks walked before giving up on a malformed file.
STEPS = 4096
# Time-to-sample entries read per track (8 bytes each) before giving up.
STTS_ENTRIES = 250_000
# Seconds the movie header may differ from the longest track's samples.
MP4_AGREEMENT = 1.0

Read = Callable[[int, int], bytes]


def measure(store: ArtefactStore, key: str, size: int, media_type: str) -> float | None:
    """Seconds of media in the stored object, or ``None`` when unknown."""

    def read(start: int, end: int) -> bytes:
        end = min(end, size)
        if start >= end:
            return b""
        return b"".join(store.read(key, start, end))

    family = sniff.FAMILIES.get(media_type)
    try:
        if family == "wav":
            seconds = wav_seconds(read, size)
        elif family == "ogg":
            seconds = ogg_seconds(read, size)
        elif family == "mp4":
            seconds = mp4_seconds(read, size)
        elif family == "webm":
            seconds = webm_seconds(store.read(key))
        elif family == "mp3":
            skip = mp3_length.id3v2_size(read(0, 10))
            frames = store.read(key, skip, size) if skip < size else iter(())
            seconds = mp3_length.mp3_seconds(frames, size - skip)
        else:
            return None
    except (struct.error, IndexError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds <= LONGEST:
        return None
    return round(seconds, 3)


# WAV (RIFF): walk the chunks to "fmt " and "data".


def wav_seconds(read: Read, size: int) -> float | None:
    head = read(0, 12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    offset, byte_rate = 12, 0
    for _ in range(STEPS):
        header = read(offset, offset + 8)
        if len(header) < 8:
            return None
        name, length = header[:4], struct.unpack("<I", header[4:])[0]
        if name == b"fmt ":
            fmt = read(offset + 8, offset + 24)
            rate, byte_rate, align = struct.unpack("<IIH", fmt[4:14])
            # The byte rate is a claim; it must be what the sample rate and
            # frame size make, or any length could be written in.
            if not align or byte_rate != rate * align:
                return None
        elif name == b"data":
            # Recorders that stream WAV leave the size 0 or all ones; a
            # stated size past the end of the file is a cut or a lie.
            there = size - offset - 8
            if length in (0, 0xFFFFFFFF):
                data = there
            elif length > there:
                return None
            else:
                data = length
            return data / byte_rate if byte_rate else None
        offset += 8 + length + (length & 1)
    return None


# Ogg: the codec's rate from the first page, the granule from the last.


def _ogg_page(data: bytes, at: int) -> tuple[int, int, int] | None:
    """``(granule, serial, header length)`` of the page at ``at``, if whole."""
    if data[at : at + 4] != b"OggS" or len(data) < at + 27 or data[at + 4] != 0:
        return None
    granule, serial = struct.unpack("<qI", data[at + 6 : at + 18])
    segments = data[at + 26]
    header = 27 + segments
    if len(data) < at + header:
        return None
    body = sum(data[at + 27 : at + header])
    if len(data) < at + header + body:
        return None
    return granule, serial, header


def ogg_seconds(read: Read, size: int) -> float | None:
    head = read(0, 512)
    first = _ogg_page(head, 0)
    if first is None:
        return None
    _, serial, header = first
    packet = head[header:]
    if packet.startswith(b"OpusHead") and len(packet) >= 12:
        # Opus always counts granules at 48 kHz, after the pre-skip.
        rate, pre_skip = 48_000, struct.unpack("<H", packet[10:12])[0]
    elif packet.startswith(b"\x01vorbis") and len(packet) >= 16:
        rate, pre_skip = struct.unpack("<I", packet[12:16])[0], 0
    else:
        return None
    start = max(0, size - OGG_TAIL)
    tail = read(start, size)
    at = len(tail)
    while (at := tail.rfind(b"OggS", 0, at)) >= 0:
        page = _ogg_page(tail, at)
        # -1: no packet ends on this page, so it names no time.
        if page is not None and page[1] == serial and page[0] >= 0:
            return max(page[0] - pre_skip, 0) / rate
    return None


# MP4 / M4A / QuickTime: moov > mvhd, or moov > mvex > mehd when fragmented.


def _boxes(read: Read, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, body start, body end)`` of each box between the offsets."""
    offset = start
    for _ in range(STEPS):
        if offset + 8 > end:
            return
        header = read(offset, offset + 16)
        if len(header) < 8:
            return
        length, kind = struct.unpack(">I4s", header[:8])
        body = offset + 8
        if length == 1:
            length = struct.unpack(">Q", header[8:16])[0]
            body = offset + 16
        elif length == 0:
            length = end - offset
        if length < body - offset:
            return
        yield kind, body, min(offset + length, end)
        offset += length


def _child(read: Read, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, body, stop in _boxes(read, start, end):
        if found == kind:
            return body, stop
    return None


def _track_seconds(read: Read, trak: tuple[int, int]) -> float | None:
    """Seconds of samples in one track: the sum of its time-to-sample table."""
    mdia = _child(read, *trak, b"mdia")
    minf = mdia and _child(read, *mdia, b"minf")
    stbl = minf and _child(read, *minf, b"stbl")
    stts = stbl and _child(read, *stbl, b"stts")
    mdhd = mdia and _child(read, *mdia, b"mdhd")
    if not (stts and mdhd):
        return None
    head = read(mdhd[0], mdhd[0] + 24)
    scale = struct.unpack(">I", head[20:24] if head[0] == 1 else head[12:16])[0]
    entries = struct.unpack(">I", read(stts[0] + 4, stts[0] + 8))[0]
    if not scale or entries > STTS_ENTRIES:
        return None
    table = read(stts[0] + 8, stts[0] + 8 + 8 * entries)
    if len(table) != 8 * entries:
        return None
    ticks = sum(count * delta for count, delta in struct.iter_unpack(">II", table))
    return ticks / scale


def _samples_agree(read: Read, moov: tuple[int, int], stated: float) -> bool:
    """Whether the longest track's samples span what the movie header says."""
    tracks = [
        _track_seconds(read, (body, stop))
        for kind, body, stop in _boxes(read, *moov)
        if kind == b"trak"
    ]
    counted = [seconds for seconds in tracks if seconds is not None]
    return bool(counted) and abs(max(counted) - stated) <= MP4_AGREEMENT


def mp4_seconds(read: Read, size: int) -> float | None:
    moov = _child(read, 0, size, b"moov")
    if moov is None:
        return None
    mvhd = _child(read, *moov, b"mvhd")
    if mvhd is None:
        return None
    data = read(mvhd[0], mvhd[0] + 32)
    if data[0] == 1:
        scale, length = struct.unpack(">IQ", data[20:32])
        unset = length == 0xFFFFFFFFFFFFFFFF
    else:
        scale, length = struct.unpack(">II", data[12:20])
        unset = length == 0xFFFFFFFF
    if (length == 0 or unset) and (mvex := _child(read, *moov, b"mvex")):
        # A fragmented file may state the whole length here instead. Known
        # limit: its samples sit in the fragments, which are not summed, so
        # this figure is taken as stated.
        mehd = _child(read, *mvex, b"mehd")
        if mehd is None:
            return None
        data = read(mehd[0], mehd[0] + 12)
        wide = data[0] == 1
        length = struct.unpack(">Q" if wide else ">I", data[4 : 12 if wide else 8])[0]
    elif unset or not scale:
        return None
    elif not _samples_agree(read, moov, length / scale):
        # The header is a claim; the sample tables are the media.
        return None
    return length / scale if scale else None


# WebM / Matroska (EBML), in one forward pass.

SEGMENT, CLUSTER, BLOCK_GROUP = 0x18538067, 0x1F43B675, 0xA0
INFO, TIMECODE_SCALE, DURATION = 0x1549A966, 0x2AD7B1, 0x4489
TIMECODE, SIMPLE_BLOCK, BLOCK, BLOCK_DURATION = 0xE7, 0xA3, 0xA1, 0x9B
# Masters whose children are read as if they were siblings: that is how an
# element of unknown size (MediaRecorder's Segment and Clusters) is read.
OPENED = {SEGMENT, CLUSTER, BLOCK_GROUP}
INFO_LIMIT = 64 * 1024
# Seconds a stated Duration may differ from the blocks' span: the span
# leaves out the last frame's own length.
WEBM_AGREEMENT = 1.0


class _Forward:
    """A forward-only byte reader over an iterator of chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = iter(chunks)
        self._buffer = bytearray()
        self._at = 0

    def take(self, n: int) -> bytes | None:
        """Exactly ``n`` bytes, or ``None`` at the end of the file."""
        while len(self._buffer) - self._at < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                return None
            if self._at:
                del self._buffer[: self._at]
                self._at = 0
            self._buffer += chunk
        data = bytes(self._buffer[self._at : self._at + n])
        self._at += n
        return data

    def peek(self, n: int) -> bytes:
        """Up to ``n`` bytes ahead, fewer only at the end; none are used up."""
        while len(self._buffer) - self._at < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            if self._at:
                del self._buffer[: self._at]
                self._at = 0
            self._buffer += chunk
        return bytes(self._buffer[self._at : self._at + n])

    def skip(self, n: int) -> bool:
        held = len(self._buffer) - self._at
        if n <= held:
            self._at += n
            return True
        n -= held
        self._buffer.clear()
        self._at = 0
        for chunk in self._chunks:
            if n < len(chunk):
                self._buffer += chunk[n:]
                return True
            n -= len(chunk)
        return n == 0


def _vint(first: int) -> int:
    """The length in bytes of the EBML variable-size integer ``first`` opens."""
    if not first:
        raise ValueError("not an EBML number")
    return 9 - first.bit_length()


def _element(stream: _Forward) -> tuple[int, int | None] | None:
    """The next element's id and size (``None``: unknown size).

    The header is read in one look of up to 16 bytes (an id and a size of
    at most 8 each): one call per element instead of four, as a long take
    has a block every few kilobytes.
    """
    head = stream.peek(16)
    if not head:
        return None
    id_length = _vint(head[0])
    if len(head) <= id_length:
        return None
    length = _vint(head[id_length])
    end = id_length + length
    if len(head) < end:
        return None
    stream.skip(end)
    element_id = int.from_bytes(head[:id_length], "big")
    value = int.from_bytes(head[id_length:end], "big") & ((1 << (7 * length)) - 1)
    return element_id, None if value == (1 << (7 * length)) - 1 else value


def _info(data: bytes) -> tuple[int, float | None]:
    """TimecodeScale (ns per tick) and Duration (ticks) from an Info body."""
    stream, scale, duration = _Forward(iter([data])), 1_000_000, None
    while (found := _element(stream)) is not None:
        element_id, size = found
        if size is None or (body := stream.take(size)) is None:
            break
        if element_id == TIMECODE_SCALE and body:
            scale = int.from_bytes(body, "big")
        elif element_id == DURATION and size in (4, 8):
            duration = struct.unpack(">f" if size == 4 else ">d", body)[0]
    return scale, duration


def webm_seconds(chunks: Iterator[bytes]) -> float | None:
    stream = _Forward(chunks)
    scale, cluster, block = 1_000_000, None, None
    declared: float | None = None
    first: int | None = None
    last: int | None = None
    while (found := _element(stream)) is not None:
        element_id, size = found
        if element_id in OPENED:
            continue
        if size is None:
            break
        if element_id == INFO and size <= INFO_LIMIT:
            body = stream.take(size)
            if body is None:
                break
            scale, declared = _info(body)
        elif element_id == TIMECODE and size <= 8:
            body = stream.take(size)
            if body is None:
                break
            cluster = int.from_bytes(body, "big")
        elif element_id in (SIMPLE_BLOCK, BLOCK) and size >= 4:
            head = stream.take(min(size, 12))
            if head is None:
                break
            track = _vint(head[0])
            relative = struct.unpack(">h", head[track : track + 2])[0]
            if cluster is not None:
                block = cluster + relative
                first = block if first is None else min(first, block)
                last = block if last is None else max(last, block)
            if not stream.skip(size - len(head)):
                break
        elif element_id == BLOCK_DURATION and size <= 8 and block is not None:
            body = stream.take(size)
            if body is None:
                break
            last = max(last or 0, block + int.from_bytes(body, "big"))
        elif not stream.skip(size):
            break
    if first is None or last is None:
        return None
    counted = (last - first) * scale / 1e9
    if declared:
        # The Duration element is a claim; the blocks are the media.
        stated = declared * scale / 1e9
        if abs(stated - counted) > WEBM_AGREEMENT:
            return None
        return max(stated, counted)
    return counted
