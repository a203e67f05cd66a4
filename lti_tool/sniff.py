"""What a file really is, from its bytes: never from its name or the browser.

The container signatures come from ``filetype`` (pure Python, no libmagic
to install). On top of it Pathmark adds what that library does not judge:
executables are refused whatever else they claim, plain text is told from
binary, and the checks that catch a file posing as two things at once (a
polyglot) or cut short on the way. Only the first ``HEAD_BYTES`` and the
last ``TAIL_BYTES`` are looked at, so sniffing never needs the whole file.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import filetype

HEAD_BYTES = 8192
# A ZIP end record sits in the last 22 bytes plus a comment of up to 64 KiB.
TAIL_BYTES = 22 + 65535

# Media type -> the container family it is sniffed as. Audio and video
# share containers (a WebM with only an audio track is still WebM), so the
# check is on the family; the media type kept is the allowed one.
FAMILIES: dict[str, str] = {
    "audio/webm": "webm",
    "video/webm": "webm",
    "video/x-matroska": "webm",
    "audio/ogg": "ogg",
    "video/ogg": "ogg",
    "audio/mp4": "mp4",
    "audio/x-m4a": "mp4",
    "video/mp4": "mp4",
    "video/quicktime": "mp4",
    "video/x-m4v": "mp4",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "text/plain": "text",
    "text/uri-list": "text",
}

# Zip-based document formats legitimately end with a ZIP directory.
_ZIP_BASED = {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"}

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (also Java class)
    b"#!",  # a script with an interpreter line
    b"\x00asm",
)
_ACTIVE_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed)\b", re.I)
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SniffRefused(ValueError):
    """The bytes are not an acceptable file; ``code`` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Sniffed:
    family: str
    media_type: str


def _is_text(head: bytes) -> bool:
    if _TEXT_CONTROL.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def sniff_head(head: bytes) -> Sniffed:
    """The family the first bytes show; refuse executables and unknowns."""
    if not head:
        raise SniffRefused("empty", "The file is empty.")
    if head.startswith(_EXECUTABLE_MAGIC) or filetype.guess_mime(head) in {
        "application/x-msdownload",
        "application/x-executable",
        "application/wasm",
    }:
        raise SniffRefused("executable", "The file is a program, not evidence.")
    kind = filetype.guess(head)
    if kind is not None:
        family = FAMILIES.get(kind.mime)
        if family is None:
            family = kind.extension if kind.extension in _ZIP_BASED else kind.mime
        return Sniffed(family, kind.mime)
    if head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return Sniffed("mp3", "audio/mpeg")
    if _is_text(head):
        if _ACTIVE_MARKUP.search(head[:1024]):
            raise SniffRefused("markup", "Web pages and scripts cannot be handed in.")
        return Sniffed("text", "text/plain")
    raise SniffRefused(
        "unknown_type", "Pathmark cannot tell what kind of file this is."
    )


def _zip_end_record(tail: bytes) -> bool:
    """Whether the bytes end with a well-formed ZIP end-of-directory record."""
    at = tail.rfind(b"PK\x05\x06")
    while at >= 0:
        if at + 22 <= len(tail):
            (comment_length,) = struct.unpack_from("<H", tail, at + 20)
            if at + 22 + comment_length == len(tail):
                return True
        at = tail.rfind(b"PK\x05\x06", 0, at)
    return False


def check_whole(sniffed: Sniffed, head: bytes, tail: bytes, size: int) -> None:
    """Checks that need the end of the file: polyglots and cut-off files."""
    family = sniffed.family
    if family != "pdf" and b"%PDF-" in head[1:1024]:
        raise SniffRefused("polyglot", "The file is also a PDF in disguise.")
    if family not in _ZIP_BASED and (
        b"PK\x03\x04" in head[4:] or _zip_end_record(tail)
    ):
        raise SniffRefused("polyglot", "The file has an archive hidden inside it.")
    if family != "text" and _ACTIVE_MARKUP.search(head):
        raise SniffRefused("polyglot", "The file has web page code hidden inside it.")
    if family == "wav" and len(head) >= 8:
        (riff_size,) = struct.unpack_from("<I", head, 4)
        if riff_size + 8 > size:
            raise SniffRefused("truncated", "The recording was cut short.")
    if family == "pdf" and b"%%EOF" not in tail[-1024:]:
        raise SniffRefused("truncated", "The PDF was cut short.")
    if family == "png" and not tail.endswith(b"IEND\xaeB`\x82"):
        raise SniffRefused("truncated", "The image was cut short.")
    if family == "jpeg" and b"\xff\xd9" not in tail[-64:]:
        raise SniffRefused("truncated", "The image was cut short.")


def accept(sniffed: Sniffed, allowed: tuple[str, ...], declared: str = "") -> str:
    """The media type to record, or refuse a family the activity does not take.

    ``declared`` (what the browser said) is kept when it names the sniffed
    family and is allowed; otherwise the first allowed type of the family.
    """
    declared = declared.split(";", 1)[0].strip().lower()
    matching = [t for t in allowed if FAMILIES.get(t, t) == sniffed.family]
    if not matching:
        raise SniffRefused(
            "wrong_type",
            f"This activity does not take {describe(sniffed.family)} files.",
        )
    return declared if declared in matching else matching[0]


def describe(family: str) -> str:
    return {
        "webm": "WebM",
        "ogg": "Ogg",
        "mp4": "MP4",
        "mp3": "MP3",
        "wav": "WAV",
        "pdf": "PDF",
        "png": "PNG",
        "jpeg": "JPEG",
        "text": "text",
    }.get(family, family)
