"""QR codes of passports (``segno``): the GS1 Digital Link where the passport has a GTIN, else
the handle's URL; error correction level M at least (segno raises it when the symbol has room),
a four-module quiet zone as ISO/IEC 18004 requires."""

from __future__ import annotations

import io
from functools import lru_cache

import segno

__all__ = ["QUIET_ZONE", "qr_png", "qr_svg"]

QUIET_ZONE = 4  # modules of light margin around the symbol


def _symbol(content: str) -> segno.QRCode:
    # micro=False: a Micro QR code has no room for a URL and phones do not all read it.
    return segno.make(content, error="m", boost_error=True, micro=False)


@lru_cache(maxsize=1024)
def qr_svg(content: str, *, title: str) -> bytes:
    """An SVG of the QR code for ``content``, with a title for screen readers."""
    out = io.BytesIO()
    _symbol(content).save(
        out, kind="svg", scale=4, border=QUIET_ZONE, title=title, xmldecl=False, light="#fff"
    )
    return out.getvalue()


@lru_cache(maxsize=1024)
def qr_png(content: str, *, scale: int = 8) -> bytes:
    """A PNG of the QR code for ``content``, ``scale`` pixels per module."""
    out = io.BytesIO()
    _symbol(content).save(out, kind="png", scale=scale, border=QUIET_ZONE)
    return out.getvalue()
