"""Whether a WebM, Ogg or MP4 file arrived whole, followed as it streams in.

A container is a run of elements, each stating its own length: WebM's EBML
elements, Ogg's pages, MP4's top-level boxes. Stepping from one element to
the next as the bytes pass by costs a few header reads per element and no
buffering; a file cut in transfer or by a crashed recorder ends inside its
last element instead of exactly at a boundary.

The walk only ever refuses a file that is consistent up to the cut. Where
the structure cannot be followed (a damaged header, an element that runs
to the end of the file by design, such as MP4's size 0 or a WebM element
of unknown size that is not a container), it stops and says nothing.

Hand-written because the parsers that exist (mutagen, pymediainfo) want a
whole, seekable file; this has to work on the stream before it is stored.
"""

from __future__ import annotations

import struct

# WebM masters walked into rather than over: MediaRecorder leaves the
# Segment and its Clusters of unknown size, so their children are followed.
SEGMENT, CLUSTER, BLOCK_GROUP = 0x18538067, 0x1F43B675, 0xA0
_OPENED = {SEGMENT, CLUSTER, BLOCK_GROUP}

# What a header parser answers: (header bytes, body bytes) to step over,
# _MORE when it needs more bytes, _LOST when the walk cannot go on.
_MORE = "more"
_LOST = "lost"


def _vint(data: bytes, at: int, widest: int) -> tuple[int, int] | str:
    """``(length, value)`` of the EBML number at ``at`` (marker bit kept)."""
    if at >= len(data):
        return _MORE
    first = data[at]
    # The marker bit's place gives the length: 0x80 is 1 byte, 0x01 is 8.
    length = 9 - first.bit_length() if first else 0
    if not length or length > widest:
        return _LOST
    if len(data) < at + length:
        return _MORE
    return length, int.from_bytes(data[at : at + length], "big")


def _ebml(header: bytes) -> tuple[int, int] | str:
    found = _vint(header, 0, 4)
    if isinstance(found, str):
        return found
    id_length, element_id = found
    size = _vint(header, id_length, 8)
    if isinstance(size, str):
        return size
    size_length, raw = size
    value = raw & ((1 << (7 * size_length)) - 1)
    head = id_length + size_length
    if element_id in _OPENED:
        return head, 0
    if value == (1 << (7 * size_length)) - 1:
        return _LOST
    return head, value


def _ogg(header: bytes) -> tuple[int, int] | str:
    if len(header) < 27:
        return _MORE
    if header[:4] != b"OggS" or header[4] != 0:
        return _LOST
    segments = header[26]
    if len(header) < 27 + segments:
        return _MORE
    return 27 + segments, sum(header[27 : 27 + segments])


def _mp4(header: bytes) -> tuple[int, int] | str:
    if len(header) < 8:
        return _MORE
    length = struct.unpack(">I", header[:4])[0]
    if length == 1:
        if len(header) < 16:
            return _MORE
        length, head = struct.unpack(">Q", header[8:16])[0], 16
    elif length == 0:
        return _LOST  # runs to the end of the file by definition
    else:
        head = 8
    if length < head:
        return _LOST
    return head, length - head


# (parser, longest header) by the first bytes of the file.
_PARSERS = {"webm": (_ebml, 12), "ogg": (_ogg, 27 + 255), "mp4": (_mp4, 16)}


def _family(first: bytes) -> str | None:
    if first.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if first.startswith(b"OggS"):
        return "ogg"
    if first[4:8] == b"ftyp":
        return "mp4"
    return None


class Follower:
    """Fed each chunk of an upload in order; says whether it ends whole."""

    def __init__(self) -> None:
        self._first = bytearray()
        self._parse = None
        self._widest = 0
        self._seen = 0  # bytes fed so far
        self._next = 0  # offset of the next element's header
        self._header = bytearray()
        self._walking = True

    def feed(self, data: bytes) -> None:
        if self._parse is None:
            if not self._walking:
                return
            self._first += data
            if len(self._first) < 8:
                return
            family = _family(bytes(self._first))
            if family is None:
                self._walking = False
                return
            self._parse, self._widest = _PARSERS[family]
            data, self._first = bytes(self._first), bytearray()
        self._step(data)

    def _step(self, data: bytes) -> None:
        start, end = self._seen, self._seen + len(data)
        self._seen = end
        while self._walking and self._next + len(self._header) < end:
            at = self._next + len(self._header) - start
            if not self._header and at + self._widest <= len(data):
                # The whole header is in this chunk: parse it where it is.
                found = self._parse(data[at : at + self._widest])
                if isinstance(found, tuple):
                    self._next += found[0] + found[1]
                    continue
            self._header += data[at : at + self._widest - len(self._header)]
            found = self._parse(bytes(self._header))
            if found == _MORE:
                if len(self._header) >= self._widest:
                    self._walking = False
                return
            if found == _LOST:
                self._walking = False
                return
            head, body = found
            self._next += head + body
            self._header.clear()

    def cut_short(self, size: int) -> bool:
        """True when the last element runs past the end of ``size`` bytes."""
        if self._parse is None or not self._walking:
            return False
        return self._next != size or bool(self._header)
