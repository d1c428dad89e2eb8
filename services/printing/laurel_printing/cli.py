"""The ``laurel-printing`` command: ``worker`` and ``check``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from .storage import STORAGE_ENV
from .worker import DEFAULT_REDIS_URL, REDIS_URL_ENV

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the laurel-printing command."""
    parser = argparse.ArgumentParser(
        prog="laurel-printing", description="Laurel's credential printing service."
    )
    parser.add_argument(
        "--log-level", default="INFO", help="logging level (default: INFO)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    worker = commands.add_parser(
        "worker", help="run an RQ worker on the credentials queue"
    )
    worker.add_argument(
        "--redis-url",
        default=os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL),
        help=f"Redis URL (default: ${REDIS_URL_ENV} or {DEFAULT_REDIS_URL})",
    )
    worker.add_argument(
        "--storage-path",
        help=f"folder shared with the web nodes for outputs (default: ${STORAGE_ENV})",
    )
    worker.add_argument("--name", help="worker name (default: chosen by RQ)")
    worker.add_argument(
        "--burst", action="store_true", help="exit when the queue is empty"
    )
    worker.add_argument("--max-jobs", type=int, help="exit after this many jobs")

    check = commands.add_parser("check", help="check fonts and HarfBuzz subsetting")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def _run_worker(args: argparse.Namespace) -> int:
    from .worker import WorkerSetupError, run_worker

    if args.storage_path:
        os.environ[STORAGE_ENV] = os.path.abspath(args.storage_path)
    if not os.environ.get(STORAGE_ENV):
        logger.error("no storage folder: pass --storage-path or set %s", STORAGE_ENV)
        return 2
    try:
        run_worker(
            args.redis_url, name=args.name, burst=args.burst, max_jobs=args.max_jobs
        )
    except WorkerSetupError as error:
        logger.error("%s", error)
        return 2
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from .diagnostics import run_checks

    results = run_checks()
    if args.json:
        print(json.dumps([result.__dict__ for result in results], indent=2))
    else:
        for result in results:
            print(f"{'ok' if result.ok else 'FAILED':6} {result.name}: {result.detail}")
    return 0 if all(result.ok for result in results) else 1


def main(argv: list[str] | None = None) -> int:
    """Run the laurel-printing command and return its exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format=LOG_FORMAT, stream=sys.stderr
    )
    # WeasyPrint logs every rendering step at INFO; keep only its warnings.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    if args.command == "worker":
        return _run_worker(args)
    return _run_check(args)


if __name__ == "__main__":
    sys.exit(main())
