"""Benchmark a group print against a bare WeasyPrint render and separate renders.

Run from the repository root:

    .venv/bin/python bench/printing_group.py --count 500

In one process it times, per credential:
  floor     one WeasyPrint document of all pages, HTML prepared beforehand
  merged    the render_credentials job asking for the merged PDF only
  group     the render_credentials job writing merged PDF, ZIP and manifest
  separate  one WeasyPrint document per credential, fonts and CSS reused
The job timings include payload validation, the glyph check and writing files.
Times are CPU seconds of the benchmark process. Each round runs every case
once, in this order, and the fastest round of each case counts.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import weasyprint
from laurel_printing import services, worker
from laurel_printing.jobs import render_credentials
from laurel_printing.rendering import get_renderer, render_html
from laurel_printing.schemas import CredentialsPayloadSchema, load_payload

sys.path.insert(0, str(Path(__file__).resolve().parent))
from printing_payloads import credentials_payload  # noqa: E402


def _cpu_seconds(action: Callable[[], object]) -> float:
    # CPU time of this process: the cases run single-threaded, and on a
    # shared machine wall time mostly measures the other processes.
    start = time.process_time()
    action()
    return time.process_time() - start


def _html(credentials: list[dict]) -> str:
    views = [services.credential_view(credential) for credential in credentials]
    return render_html(
        "credentials.html", {"title": "Credentials", "credentials": views}
    )


def floor(credentials: list[dict]) -> Callable[[], bytes]:
    renderer = get_renderer()
    stylesheets = renderer.stylesheets(
        "credentials.css", services.credential_page("A4")
    )
    html = _html(credentials)

    def run() -> bytes:
        return weasyprint.HTML(string=html, url_fetcher=renderer.fetcher).write_pdf(
            stylesheets=stylesheets, font_config=renderer.font_config
        )

    return run


def separate(credentials: list[dict]) -> Callable[[], None]:
    renderer = get_renderer()
    stylesheets = renderer.stylesheets(
        "credentials.css", services.credential_page("A4")
    )
    pages = [_html([credential]) for credential in credentials]

    def run() -> None:
        for html in pages:
            renderer.write_pdf(renderer.render(html, stylesheets))

    return run


def job(payload: dict, root: Path) -> Callable[[], dict]:
    return lambda: render_credentials(payload, storage_root=root)


def measure(count: int, rounds: int, root: Path) -> dict[str, float]:
    payload = credentials_payload(count)
    merged_payload = credentials_payload(count, ("merged",), "bench/merged")
    credentials = load_payload(CredentialsPayloadSchema(), payload)["credentials"]
    cases = {
        "floor": floor(credentials),
        "merged": job(merged_payload, root),
        "group": job(payload, root),
        "separate": separate(credentials),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, run in cases.items():
            timings[name].append(_cpu_seconds(run))
    return {name: min(values) for name, values in timings.items()}


def describe_machine() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="credentials per run")
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs; the fastest counts"
    )
    args = parser.parse_args()
    worker.warm_up()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        render_credentials(credentials_payload(5), storage_root=root)
        seconds = measure(args.count, args.rounds, root)
        sizes = {
            path.name: path.stat().st_size for path in (root / "bench/group").iterdir()
        }
    print(describe_machine())
    base = seconds["floor"]
    for name, value in seconds.items():
        per = value / args.count * 1000
        ratio = value / base
        line = f"{name:9} {value:7.2f} CPU s  {per:6.1f} ms/credential"
        print(f"{line}  {ratio:4.2f}x floor")
    for name, size in sorted(sizes.items()):
        print(f"{name:16} {size / 1e6:7.2f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
