"""Group and single prints of credentials, and login sheets, as stored files."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import logging
import math
import zipfile
from pathlib import Path

import segno

from . import pdf, storage
from .fonts import MissingGlyphsError, describe_characters, uncovered_characters
from .progress import Progress
from .rendering import (
    PageSetup,
    get_renderer,
    overflowing_pages,
    render_html,
    report_layout_pages,
)
from .text import length_step, size_step

logger = logging.getLogger(__name__)

MERGED_NAME = "credentials.pdf"
ZIP_NAME = "credentials.zip"
MANIFEST_NAME = "manifest.csv"
LOGIN_SHEET_NAME = "login-sheet.pdf"
MANIFEST_COLUMNS = ("name", "email", "code", "file")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# The fields each credential prints, with the font stacks that may print them.
CREDENTIAL_TEXT_STACKS = {
    "learner_name": ("serif", "sans"),
    "organisation": ("serif", "sans"),
    "suite_title": ("serif", "sans"),
    "signer": ("serif", "sans"),
    "short_code": ("mono",),
    "verification_url": ("mono",),
}
LOGIN_TEXT_STACKS = {"name": ("sans",), "email": ("sans",), "password": ("mono",)}
MAX_LISTED_PROBLEMS = 20
# Type size steps: a string longer than the n-th limit (in narrow-character
# units, see text.visual_length) prints at step n + 1. The CSS classes
# size-0 to size-<max> of each element hold the sizes.
TYPE_STEP_LIMITS = {
    "learner_name": (24, 36, 56, 90, 160),
    "organisation": (60, 120),
    "suite_title": (40, 80, 140),
    "signer": (30, 60, 120),
}
# Up to 6 areas print in one column at density step 0, up to 14 in two
# columns at step 1, more in three at step 2 (CSS classes density-N).
AREA_COUNT_LIMITS = (6, 14)
# The smallest step each element has a CSS class for.
MAX_TYPE_STEPS = {
    "learner_name": 6,
    "organisation": 3,
    "suite_title": 4,
    "signer": 4,
    "areas": 3,
}
# Fit levels step every size down once more; .fit-3 also shrinks the footer.
MAX_FIT = 3


def credential_page(page_size: str) -> PageSetup:
    """Return the page setup of credentials: landscape with an 8 mm margin."""
    return PageSetup(page_size, landscape=True, margin_mm=8)


def login_sheet_page(page_size: str) -> PageSetup:
    """Return the page setup of login sheets: portrait with a 14 mm margin."""
    return PageSetup(page_size, landscape=False, margin_mm=14)


class RenderError(RuntimeError):
    """WeasyPrint produced a document that breaks the one-page-per-credential rule."""


def format_date(day: datetime.date) -> str:
    """Format day as "4 December 2026", independent of the process locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_score(score: float) -> str:
    """Format a score without a trailing ".0": 90 stays "90", 87.5 "87.5"."""
    return str(int(score)) if float(score).is_integer() else f"{score:.1f}"


def qr_data_url(url: str) -> str:
    """Return a PNG data URL of a QR code (error correction M) for url.

    One pixel per module keeps the image tiny; the stylesheet scales it up
    without smoothing. WeasyPrint draws a PNG far faster than the same code
    as SVG paths.
    """
    code = segno.make(url, error="m", micro=False)
    return code.png_data_uri(scale=1, border=4, dark="#1f2d3d", light="#ffffff")


def _area_rows(areas: list[dict]) -> list[list[dict]]:
    # Areas run down each column in turn, like a newspaper, not across rows.
    count = len(areas)
    if count == 0:
        return []
    column_count = length_step(count, AREA_COUNT_LIMITS) + 1
    shown = [{**area, "score_text": format_score(area["score"])} for area in areas]
    per_column = math.ceil(count / column_count)
    columns = [
        shown[start : start + per_column] for start in range(0, count, per_column)
    ]
    return [
        [column[row] for column in columns if row < len(column)]
        for row in range(per_column)
    ]


def _type_steps(credential: dict, fit: int) -> dict[str, int]:
    steps = {
        field: size_step(credential[field], limits) + fit
        for field, limits in TYPE_STEP_LIMITS.items()
    }
    steps["areas"] = length_step(len(credential["areas"]), AREA_COUNT_LIMITS) + fit
    return {field: min(step, MAX_TYPE_STEPS[field]) for field, step in steps.items()}


def credential_view(credential: dict, fit: int = 0) -> dict:
    """Return the template context of one credential.

    fit 0 sizes type by the length of each string; each higher fit level
    steps every size down once more, for credentials that overflowed.
    """
    return {
        **credential,
        "fit": fit,
        "steps": _type_steps(credential, fit),
        "issued_text": format_date(credential["issued_on"]),
        "qr_data_url": qr_data_url(credential["verification_url"]),
        "area_rows": _area_rows(credential["areas"]),
    }


def _credential_texts(credential: dict):
    for field, stacks in CREDENTIAL_TEXT_STACKS.items():
        yield field, credential[field], stacks
    for position, area in enumerate(credential["areas"]):
        yield f"areas.{position}.title", area["title"], ("serif", "sans")


def check_credential_glyphs(credentials: list[dict]) -> None:
    """Raise MissingGlyphsError if a printed string has characters no font covers."""
    problems = []
    for credential in credentials:
        for field, text, stacks in _credential_texts(credential):
            missing = uncovered_characters(text, stacks)
            if missing:
                problems.append(
                    f"credential {credential['public_id']} {field}: "
                    f"{describe_characters(missing)}"
                )
    _raise_glyph_problems(problems)


def _raise_glyph_problems(problems: list[str]) -> None:
    if not problems:
        return
    listed = "; ".join(problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    suffix = f"; and {more} more" if more > 0 else ""
    raise MissingGlyphsError(
        f"no installed font covers these characters, so they would print as "
        f"boxes: {listed}{suffix}"
    )


def _render_document(credentials: list[dict], fits: list[int], page_size: str):
    renderer = get_renderer()
    views = [credential_view(c, fit) for c, fit in zip(credentials, fits, strict=True)]
    html = render_html(
        "credentials.html", {"title": "Credentials", "credentials": views}
    )
    return renderer.render(
        html, renderer.stylesheets("credentials.css", credential_page(page_size))
    )


def _smallest_fit(credential: dict, fit: int, page_size: str) -> int:
    while fit < MAX_FIT:
        fit += 1
        if not overflowing_pages(_render_document([credential], [fit], page_size)):
            break
    return fit


def _fit_overflowing(credentials, fits, overflowing, page_size) -> None:
    for index in overflowing:
        fits[index] = _smallest_fit(credentials[index], fits[index], page_size)
        logger.info(
            "credential %s printed at fit level %d to stay on one page",
            credentials[index]["public_id"],
            fits[index],
        )


def _layout_progress(progress: Progress | None):
    # A page that starts its layout means the credentials before it are done.
    if progress is None:
        return contextlib.nullcontext()
    return report_layout_pages(lambda number: progress.update(number - 1))


def render_credentials_document(
    credentials: list[dict], page_size: str, progress: Progress | None = None
):
    """Render all credentials as one WeasyPrint document, one page each.

    Credentials whose text overflows their page are rendered alone at smaller
    type until they fit, then the whole document is rendered again.
    """
    fits = [0] * len(credentials)
    with _layout_progress(progress):
        document = _render_document(credentials, fits, page_size)
    overflowing = overflowing_pages(document)
    if overflowing:
        _fit_overflowing(credentials, fits, overflowing, page_size)
        document = _render_document(credentials, fits, page_size)
        overflowing = overflowing_pages(document)
    _check_pages(credentials, document, overflowing)
    return document


def _check_pages(credentials: list[dict], document, overflowing: list[int]) -> None:
    if len(document.pages) != len(credentials):
        raise RenderError(
            f"{len(credentials)} credentials printed on {len(document.pages)} pages; "
            "each credential must fit on one page"
        )
    if overflowing:
        ids = ", ".join(credentials[index]["public_id"] for index in overflowing)
        raise RenderError(
            f"credentials {ids} do not fit on one page even at the smallest type "
            "size; shorten their names, suite titles, signers or area titles"
        )


def render_credentials_pdf(
    credentials: list[dict], page_size: str, progress: Progress | None = None
) -> tuple[bytes, int]:
    """Render all credentials as one PDF and return (pdf, page count)."""
    document = render_credentials_document(credentials, page_size, progress)
    return get_renderer().write_pdf(document), len(document.pages)


def _zip_entry(name: str, day: datetime.date) -> zipfile.ZipInfo:
    # A fixed timestamp keeps the archive identical when a job runs again.
    # ZIP timestamps start in 1980.
    day = max(day, datetime.date(1980, 1, 1))
    entry = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def credential_file_name(credential: dict) -> str:
    """Return the name of a credential's PDF inside the ZIP."""
    return f"{credential['short_code']}.pdf"


def write_zip(path: Path, merged: bytes, credentials: list[dict]) -> None:
    """Write a ZIP with one PDF per credential, split from the merged PDF."""
    with storage.atomic_writer(path) as handle:
        with zipfile.ZipFile(handle, "w") as archive:
            pages = pdf.split_pages(merged)
            for credential, page_pdf in zip(credentials, pages, strict=True):
                entry = _zip_entry(
                    credential_file_name(credential), credential["issued_on"]
                )
                archive.writestr(entry, page_pdf)


def _csv_cell(value: str) -> str:
    # Spreadsheets run cells that start with these characters as formulas.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def manifest_csv(credentials: list[dict], outputs: list[str]) -> bytes:
    """Return the manifest: name, email, code and the credential's file.

    The file is the credential's PDF in the ZIP, else its page of the
    merged PDF, else empty when the job makes neither.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    for number, credential in enumerate(credentials, start=1):
        if "zip" in outputs:
            file_name = credential_file_name(credential)
        elif "merged" in outputs:
            file_name = f"{MERGED_NAME}#page={number}"
        else:
            file_name = ""
        row = (
            credential["learner_name"],
            credential["learner_email"],
            credential["short_code"],
            file_name,
        )
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def print_credentials(payload: dict, root: Path) -> dict:
    """Render a validated credentials payload and store the requested outputs."""
    credentials = payload["credentials"]
    outputs = payload["outputs"]
    check_credential_glyphs(credentials)
    folder = storage.output_folder(root, payload["output_key"])
    storage.remove_partial_files(folder)
    progress = Progress(len(credentials))
    merged, pages = render_credentials_pdf(
        credentials, payload["layout"]["page_size"], progress
    )
    files = []
    for kind in outputs:
        files.append(_write_output(kind, folder, root, merged, pages, payload))
    progress.finish()
    return {
        "output_key": payload["output_key"],
        "files": [stored.as_result() for stored in files],
        "count": len(credentials),
    }


def _write_output(
    kind: str, folder: Path, root: Path, merged: bytes, pages: int, payload: dict
) -> storage.StoredFile:
    credentials = payload["credentials"]
    if kind == "merged":
        path = folder / MERGED_NAME
        storage.write_bytes(path, merged)
    elif kind == "zip":
        path = folder / ZIP_NAME
        write_zip(path, merged, credentials)
    else:
        path = folder / MANIFEST_NAME
        storage.write_bytes(path, manifest_csv(credentials, payload["outputs"]))
        pages = 0
    return storage.describe_file(root, path, kind, pages)


def check_login_glyphs(payload: dict) -> None:
    """Raise MissingGlyphsError for uncovered characters, never showing passwords."""
    problems = []
    for field in ("organisation", "login_url"):
        missing = uncovered_characters(payload[field], ("sans", "mono"))
        if missing:
            problems.append(f"{field}: {describe_characters(missing)}")
    for number, row in enumerate(payload["rows"]):
        for field, stacks in LOGIN_TEXT_STACKS.items():
            missing = uncovered_characters(row[field], stacks)
            if not missing:
                continue
            shown = (
                f"{len(missing)} characters (not shown)"
                if field == "password"
                else describe_characters(missing)
            )
            problems.append(f"rows.{number}.{field}: {shown}")
    _raise_glyph_problems(problems)


def print_login_sheet(payload: dict, root: Path) -> dict:
    """Render a validated login-sheet payload as one PDF table across pages."""
    check_login_glyphs(payload)
    folder = storage.output_folder(root, payload["output_key"])
    storage.remove_partial_files(folder)
    progress = Progress(len(payload["rows"]))
    data, pages = render_login_sheet_pdf(payload)
    path = folder / LOGIN_SHEET_NAME
    storage.write_bytes(path, data)
    progress.finish()
    stored = storage.describe_file(root, path, "login_sheet", pages)
    return {"output_key": payload["output_key"], "files": [stored.as_result()]}


def render_login_sheet_pdf(payload: dict) -> tuple[bytes, int]:
    """Render the login sheet and return (pdf, page count)."""
    renderer = get_renderer()
    page = login_sheet_page(payload["layout"]["page_size"])
    html = render_html("login_sheet.html", payload)
    document = renderer.render(html, renderer.stylesheets("login_sheet.css", page))
    return renderer.write_pdf(document), len(document.pages)
