"""Rendering fetches nothing but package assets, and learner text is escaped."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from laurel_printing import fetcher
from laurel_printing.jobs import render_credentials
from laurel_printing.rendering import PageSetup, get_renderer

from . import pdfcheck


class ConnectionRecorder:
    """A TCP listener on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def recorder() -> Iterator[ConnectionRecorder]:
    listener = ConnectionRecorder()
    yield listener
    listener.close()


def test_recorder_sees_a_connection(recorder: ConnectionRecorder) -> None:
    # Proves the listener works, so a count of zero elsewhere means something.
    with socket.create_connection(("127.0.0.1", recorder.port)):
        pass
    recorder.close()
    assert recorder.connections == 1


def test_markup_in_names_prints_as_text(
    recorder, storage_root, make_credentials_payload
) -> None:
    url = f"http://127.0.0.1:{recorder.port}/x"
    hostile = {
        "learner_name": f'<img src="{url}">',
        "organisation": f'<link rel="stylesheet" href="{url}/style.css">',
        "suite_title": f"<style>@import url({url}/import.css);</style>",
        "signer": f'<svg><image href="{url}/svg.png"/></svg>',
    }
    payload = make_credentials_payload(1)
    payload["credentials"][0].update(hostile)
    payload["credentials"][0]["areas"][0]["title"] = f"<iframe src={url}/frame>"
    render_credentials(payload, storage_root=storage_root)
    pdf = (storage_root / "print-jobs/8b0c0c9e/credentials.pdf").read_bytes()
    # The organisation prints in capitals, so compare without case.
    text = pdfcheck.squeeze(pdfcheck.page_texts(pdf)[0]).casefold()
    recorder.close()
    assert recorder.connections == 0
    for field, value in hostile.items():
        assert pdfcheck.squeeze(value).casefold() in text, field
    assert pdfcheck.squeeze(f"<iframe src={url}/frame>").casefold() in text


def _render_html(html: str) -> bytes:
    renderer = get_renderer()
    stylesheets = renderer.stylesheets("credentials.css", PageSetup("A4", True, 8))
    return renderer.write_pdf(renderer.render(html, stylesheets))


def test_fetcher_rejects_network_and_files(recorder, caplog, tmp_path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"not an image")
    base = f"http://127.0.0.1:{recorder.port}"
    urls = [
        f"{base}/image.png",
        f"https://127.0.0.1:{recorder.port}/image.png",
        f"ftp://127.0.0.1:{recorder.port}/image.png",
        outside.as_uri(),
        "file:///etc/passwd",
        (fetcher.ASSETS_DIR / ".." / "rendering.py").as_uri(),
        "data:text/html,<p>hello</p>",
    ]
    images = "".join(f'<img src="{url}">' for url in urls)
    html = (
        f'<link rel="stylesheet" href="{base}/style.css">'
        f"<style>@import url({base}/import.css);</style>"
        f'<p style="background: url({base}/background.png)">{images}</p>'
    )
    with caplog.at_level(logging.WARNING, logger="laurel_printing.fetcher"):
        _render_html(html)
    recorder.close()
    assert recorder.connections == 0
    rejected = "\n".join(record.getMessage() for record in caplog.records)
    for url in urls:
        assert f"rejected resource {url[:60]}" in rejected, url
    assert f"rejected resource {base}/style.css" in rejected
    assert f"rejected resource {base}/import.css" in rejected
    assert f"rejected resource {base}/background.png" in rejected


def test_fetcher_serves_package_assets() -> None:
    response = fetcher.AssetFetcher().fetch((fetcher.ASSETS_DIR / "seal.svg").as_uri())
    assert response.read().startswith(b"<svg")
    assert response.content_type == "image/svg+xml"


def test_fetcher_rejects_symlink_out_of_assets(tmp_path: Path) -> None:
    link = fetcher.ASSETS_DIR / "test-link.txt"
    target = tmp_path / "secret.txt"
    target.write_text("secret")
    link.symlink_to(target)
    try:
        with pytest.raises(
            fetcher.FetchRejectedError, match="outside the package assets"
        ):
            fetcher.AssetFetcher().fetch(link.as_uri())
    finally:
        link.unlink()


def test_fetcher_decodes_image_data_urls() -> None:
    response = fetcher.AssetFetcher().fetch("data:image/svg+xml,%3Csvg%2F%3E")
    assert response.read() == b"<svg/>"
    png = fetcher.AssetFetcher().fetch("data:image/png;base64,iVBORw0KGgo=")
    assert png.read() == b"\x89PNG\r\n\x1a\n"


def test_seal_asset_is_drawn(storage_root, make_credentials_payload, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="laurel_printing.fetcher"):
        render_credentials(make_credentials_payload(1), storage_root=storage_root)
    assert caplog.records == []
