"""Rendered files on disk, served with a strong ETag, gzip and cache headers.

Downloads and whole graphs are rendered on first request (never at start-up),
written atomically into the cache folder, and gzipped once; later requests
are answered straight from disk (``sendfile``).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Response, current_app, request, send_file

from etomkg.atomic import write_file
from etomkg.store import cache_dir

from .graph import served

MAX_AGE = 3600


def cache_root() -> Path:
    configured = current_app.config.get("CACHE_DIR")
    root = Path(configured) if configured else cache_dir() / f"server-{served().digest}"
    root.mkdir(parents=True, exist_ok=True)
    return root


def ensure(path: Path, render: Callable[[], bytes]) -> str:
    """Render ``path`` once (with its ``.gz`` and ``.sha256``); return its digest."""
    digest_file = path.with_name(path.name + ".sha256")
    if not digest_file.exists():
        data = render()
        write_file(path, data)
        write_file(path.with_name(path.name + ".gz"), gzip.compress(data, compresslevel=6, mtime=0))
        write_file(digest_file, hashlib.sha256(data).hexdigest().encode())
    return digest_file.read_text()


def accepts_gzip() -> bool:
    """Whether Accept-Encoding allows gzip (``gzip`` or ``*`` with a quality above 0)."""
    for element in request.headers.get("Accept-Encoding", "").split(","):
        coding, *params = (part.strip() for part in element.split(";"))
        if coding.lower() not in ("gzip", "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        return q > 0
    return False


def send_rendered(
    path: Path, render: Callable[[], bytes], media_type: str, *, vary: str = "Accept-Encoding"
) -> Response:
    """A rendered file as a response: 304 on a matching If-None-Match, gzip when the client accepts it."""
    digest = ensure(path, render)
    zipped = accepts_gzip()
    etag = digest[:32] + ("-gz" if zipped else "")
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Vary": vary,
        "Access-Control-Allow-Origin": "*",
    }
    if etag in _etags(request.headers.get("If-None-Match", "")):
        return Response(status=304, headers=headers)
    target = path.with_name(path.name + ".gz") if zipped else path
    response = send_file(target, mimetype=media_type, conditional=False, etag=False, max_age=MAX_AGE)
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers.update(headers)
    return response


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}
