"""Badge images and baking: a credential carried inside its own picture.

PNG baking writes an ``iTXt`` chunk (keyword ``openbadges`` for a 2.0
assertion, ``openbadgecredential`` for a 3.0 credential); SVG baking adds
an ``openbadges:assertion`` or ``openbadges:credential`` element. Pillow
reads and writes the chunks, so no PNG code is written here.
"""

from __future__ import annotations

import hashlib
import io
import json
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, PngImagePlugin

OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
SIZE = 256


@lru_cache(maxsize=256)
def badge_png(title: str, level: str) -> bytes:
    """A plain round badge: a colour from the title, the level in the middle."""
    shade = hashlib.sha256(title.encode()).digest()
    colour = (40 + shade[0] % 120, 60 + shade[1] % 120, 110 + shade[2] % 120)
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=colour, outline=(30, 30, 40), width=6)
    draw.ellipse((40, 40, SIZE - 40, SIZE - 40), outline=(255, 255, 255), width=3)
    label = (level or title[:2]).upper()[:6]
    box = draw.textbbox((0, 0), label, font_size=56)
    width, height = box[2] - box[0], box[3] - box[1]
    draw.text(
        ((SIZE - width) / 2 - box[0], (SIZE - height) / 2 - box[1]),
        label,
        fill=(255, 255, 255),
        font_size=56,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def bake_png(png: bytes, keyword: str, payload: str) -> bytes:
    """``png`` with an iTXt chunk holding ``payload``; other chunks kept."""
    image = Image.open(io.BytesIO(png))
    info = PngImagePlugin.PngInfo()
    for key, value in image.text.items():
        if key not in (OB2_KEYWORD, OB3_KEYWORD):
            info.add_itxt(key, value)
    info.add_itxt(keyword, payload)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def read_png(png: bytes, keyword: str) -> str | None:
    image = Image.open(io.BytesIO(png))
    image.load()
    value = image.text.get(keyword)
    return None if value is None else str(value)


def bake_svg(title: str, level: str, element: str, payload: dict[str, Any]) -> str:
    """An SVG badge with the assertion or credential inside (verify attr)."""
    # A "]]>" inside the JSON would end the CDATA section early.
    text = json.dumps(payload, ensure_ascii=False).replace("]]>", "]]]]><![CDATA[>")
    verify = payload.get("id", "")
    label = escape((level or title[:2]).upper()[:6])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="https://purl.imsglobal.org/ob/v2p0" '
        f'width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">'
        f"<title>{escape(title)}</title>"
        f"<openbadges:{element} verify={quoteattr(str(verify))}>"
        f"<![CDATA[{text}]]></openbadges:{element}>"
        f'<circle cx="128" cy="128" r="118" fill="#3b6ea5" stroke="#1e1e28" '
        'stroke-width="6"/>'
        '<text x="128" y="148" font-size="56" text-anchor="middle" '
        f'fill="#fff" font-family="sans-serif">{label}</text></svg>'
    )


def read_svg(svg: str, element: str) -> dict[str, Any] | None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    node = root.find(f"{{https://purl.imsglobal.org/ob/v2p0}}{element}")
    if node is None or not node.text:
        return None
    return json.loads(node.text)
