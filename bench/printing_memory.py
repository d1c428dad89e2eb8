"""Measure the resident memory of a process that renders credentials many times.

Run from the repository root:

    .venv/bin/python bench/printing_memory.py --renders 1000

One process calls the render_credentials job for one credential at a time,
as an in-process print or a non-forking worker would, and prints its
resident set size (VmRSS) after 10 renders and at each checkpoint. The
forking ``laurel-printing worker`` renders in a fresh work horse per job, so
its own size does not grow with renders at all; this is the harder case.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from laurel_printing import worker
from laurel_printing.jobs import render_credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))
from printing_payloads import credentials_payload  # noqa: E402

LIMIT_MB = 50


def rss_mb() -> float:
    """Return this process's resident set size in MB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=1000, help="jobs to run")
    args = parser.parse_args()
    worker.warm_up()
    checkpoints = {10, 100, 250, 500, 750, args.renders}
    sizes: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(1, args.renders + 1):
            payload = credentials_payload(
                1, outputs=("merged",), output_key="bench/memory"
            )
            # Vary the credential so each render has new text, fonts and QR code.
            payload["credentials"][0] = credentials_payload(number + 1)["credentials"][
                number
            ]
            render_credentials(payload, storage_root=folder)
            if number in checkpoints:
                sizes[number] = rss_mb()
                print(f"after {number:5d} renders: {sizes[number]:7.1f} MB", flush=True)
    growth = sizes[args.renders] - sizes[10]
    verdict = "within" if growth <= LIMIT_MB else "OVER"
    print(f"growth from 10 to {args.renders} renders: {growth:+.1f} MB")
    print(f"{verdict} the {LIMIT_MB} MB limit")


if __name__ == "__main__":
    main()
