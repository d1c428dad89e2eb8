"""A WeasyPrint URL fetcher that serves only this package's assets.

Rendering must never reach the network or the file system outside
``laurel_printing/assets``: learner strings are escaped, so this fetcher is the
second line of defence. Allowed are ``file:`` URLs of regular files inside the
assets folder and ``data:`` URLs of PNG or SVG images, which the templates use
for QR codes and which are decoded here without any I/O. Every other request
is rejected and logged.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import urllib.parse
import urllib.request
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

ASSETS_DIR = (Path(__file__).parent / "assets").resolve()
DATA_URL_TYPES = ("image/png", "image/svg+xml")
_LOGGED_URL_LENGTH = 120


class FetchRejectedError(ValueError):
    """A resource URL outside the package assets was requested."""


class AssetFetcher(URLFetcher):
    """Serve package assets and image data URLs; reject everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme == "file":
            return self._fetch_asset(url)
        if scheme == "data":
            return self._fetch_data(url)
        raise self._reject(url, f"scheme {scheme or '(none)'!r} is not allowed")

    def _fetch_asset(self, url: str) -> URLFetcherResponse:
        parts = urllib.parse.urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self._reject(url, f"file host {parts.netloc!r} is not allowed")
        path = Path(urllib.request.url2pathname(parts.path)).resolve()
        if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
            raise self._reject(url, "file is outside the package assets")
        mime_type, _ = mimetypes.guess_type(path.name)
        headers = {"Content-Type": mime_type or "application/octet-stream"}
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers)

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        header, comma, body = url[len("data:") :].partition(",")
        params = header.split(";")
        mime_type = params[0].lower()
        if not comma or mime_type not in DATA_URL_TYPES:
            raise self._reject(url, f"data URL type {mime_type!r} is not allowed")
        if "base64" in params[1:]:
            content = base64.b64decode(urllib.parse.unquote(body), validate=True)
        else:
            content = urllib.parse.unquote_to_bytes(body)
        return URLFetcherResponse(url, content, {"Content-Type": mime_type})

    def _reject(self, url: str, reason: str) -> FetchRejectedError:
        shown = (
            url if len(url) <= _LOGGED_URL_LENGTH else url[:_LOGGED_URL_LENGTH] + "…"
        )
        logger.warning("rejected resource %s: %s", shown, reason)
        return FetchRejectedError(f"rejected resource {shown}: {reason}")
