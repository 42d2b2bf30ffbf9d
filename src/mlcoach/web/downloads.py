"""Every file the web app hands out goes through `download`, so that any file name works.

HTTP headers are Latin-1: a name like "résumé-評価.ipynb" put there as is makes the server fail
(it was a 500). RFC 6266 / RFC 5987 answer: an ASCII fallback in ``filename=`` for old clients and
the exact name, UTF-8 and percent-encoded, in ``filename*=``; browsers use the second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote

from fastapi.responses import Response

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def ascii_fallback(filename: str) -> str:
    """A plain-ASCII stand-in: accents dropped, other characters replaced, never empty."""
    # Accents are combining marks after NFKD: drop them ("é" -> "e"); other letters become "_".
    decomposed = unicodedata.normalize("NFKD", filename)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    base = _UNSAFE.sub("_", base).strip(" .")
    return base or "download"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    # Path separators and control characters never belong in a suggested name.
    name = "".join(ch for ch in filename.replace("/", "_").replace("\\", "_") if ch.isprintable())
    name = name.strip() or "download"
    kind = "inline" if inline else "attachment"
    value = f'{kind}; filename="{ascii_fallback(name)}"'
    if ascii_fallback(name) != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def download(
    content: bytes | str,
    filename: str,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A response that saves ``content`` as ``filename`` (any characters)."""
    all_headers = {"Content-Disposition": content_disposition(filename), **(headers or {})}
    return Response(content, media_type=media_type, headers=all_headers)
