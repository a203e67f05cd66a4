"""A credential's length limits, held against the length read from the file.

The browser's own timing is shown to people but never decides: a take
whose length Pathmark could not read is refused while the task has limits,
and an uploaded audio or video file meets the same limits as a recording.
"""

from __future__ import annotations

from lti_tool.credentials import EvidenceRequirements
from lti_tool.models import Artefact

# Seconds a recording may run over the credential's maximum (encoder slack).
DURATION_SLACK = 2.0


def applies(req: EvidenceRequirements, piece: Artefact) -> bool:
    """A recording always; audio or video in a task that asks for one."""
    if not (req.min_seconds or req.max_seconds):
        return False
    if piece.kind == "recording":
        return True
    media = (piece.media_type or "").split("/")[0]
    return "recording" in req.kinds and media in ("audio", "video")


def problem(req: EvidenceRequirements, piece: Artefact) -> tuple[str, str] | None:
    """``(code, message for the learner)`` when the take breaks a limit."""
    seconds = piece.duration_seconds
    if seconds is None:
        name = piece.original_name or "this take"
        return "length_unknown", (
            f"The length of {name} cannot be read from the file, and this task "
            "has length limits. Record it again in the browser, or upload a "
            "WebM, Ogg, MP4, MP3 or WAV file."
        )
    said = f"The recording lasts {seconds:.0f} s (measured from the file)"
    if req.min_seconds and seconds < req.min_seconds:
        return "too_short", (
            f"{said}; this task needs at least {req.min_seconds} s. "
            "Record a longer take."
        )
    if req.max_seconds and seconds > req.max_seconds + DURATION_SLACK:
        return "too_long", (
            f"{said}; this task allows at most {req.max_seconds} s. "
            "Record a shorter take."
        )
    return None
