"""How long an MP3 lasts, by walking its frames from first to last.

MP3 has no container that states a length, and the Xing or VBRI summary
an encoder may write is as much a claim as a browser's figure. Every
frame header gives the frame's size and how many samples it carries, so
the length is counted frame by frame in one forward pass over the stored
object. Anything that is not a run of frames to the end (bar an ID3v1
tag) leaves the length unknown rather than guessed.

Hand-written because mutagen reads the summary frame and estimates the
rest from the bitrate, and it wants a seekable local file.
"""

from __future__ import annotations

from collections.abc import Iterator

# Kilobits per second by (MPEG-1?, layer) and the header's index 1-14.
_BITRATES = {
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_BITRATES[(False, 3)] = _BITRATES[(False, 2)]
# Samples per second by the header's version bits and rate index.
_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000)}
_RATES[0] = (11_025, 12_000, 8_000)


def _frame(header: bytes) -> tuple[int, int, int] | None:
    """``(frame bytes, samples, sample rate)`` of a frame header, if one."""
    if header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer_bits == 0 or rate_index == 3:
        return None
    if not 1 <= bitrate_index <= 14:
        return None  # free format (0) or forbidden (15)
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4, 384, rate
    samples = 1152 if layer == 2 or mpeg1 else 576
    return samples // 8 * bitrate // rate + padding, samples, rate


def id3v2_size(head: bytes) -> int:
    """Bytes taken by an ID3v2 tag at the start (0 when there is none)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)


def mp3_seconds(chunks: Iterator[bytes], size: int) -> float | None:
    """Seconds of audio in ``size`` bytes of frames (after any ID3v2 tag).

    Only whole frames count: a cut last frame adds nothing.
    """
    buffer = bytearray()
    before = 0  # bytes dropped from the front of the buffer
    seconds, frames = 0.0, 0
    for chunk in chunks:
        buffer += chunk
        at = 0
        while len(buffer) - at >= 4:
            found = _frame(buffer[at : at + 4])
            if found is None:
                # Only an ID3v1 tag (128 bytes, "TAG") may follow the frames.
                tagged = buffer[at : at + 3] == b"TAG" and before + at + 128 == size
                return seconds if tagged and frames else None
            length, samples, rate = found
            if at + length > len(buffer):
                break  # the rest of this frame is in the next chunk
            seconds += samples / rate
            frames += 1
            at += length
        del buffer[:at]
        before += at
    return seconds if frames else None
