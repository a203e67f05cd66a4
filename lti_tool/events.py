"""Operator log lines: one line per event, an event name and ids.

Values are ids and short codes only: never tokens, keys, names, emails or
learner content. Callers pass keyword arguments; ``None`` values are left
out so lines stay short.
"""

from __future__ import annotations

import json
import logging
from typing import Any

logger = logging.getLogger("pathmark")


def _format_value(value: Any) -> str:
    text = str(value)
    if text and all(c.isalnum() or c in "-_.:/@#" for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event=<name> key=value ...`` on the ``pathmark`` logger."""
    if not logger.isEnabledFor(level):
        return
    parts = [f"event={name}"]
    parts += [f"{k}={_format_value(v)}" for k, v in fields.items() if v is not None]
    logger.log(level, " ".join(parts))


def configure(level: str) -> None:
    """Send Pathmark's lines to stderr once; called by the factory."""
    if any(getattr(h, "_pathmark", False) for h in logger.handlers):
        logger.setLevel(level)
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    handler._pathmark = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
