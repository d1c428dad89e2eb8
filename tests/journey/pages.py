"""Browser helpers of the journey test: people, logging in, screenshots, units."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from tests.journey.answers import AnswerKey

VIEWPORT = {"width": 1280, "height": 900}
# Colours kept in a screenshot. The pages use few colours, and a palette PNG
# of these pages is less than half the size of the browser's true-colour one.
SCREENSHOT_COLOURS = 128
# Pixels per PDF point when a printed page is pictured: a landscape A4 page
# of 842 by 595 points becomes about 1,260 by 890 pixels.
PDF_SCALE = 1.5
# Milliseconds Playwright waits for an element or a navigation.
ACTION_TIMEOUT = 30_000


@dataclass
class Screenshots:
    """Numbered full-page screenshots, NN-name.png, in one folder."""

    folder: Path
    count: int = 0

    def take(self, page: Any, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.wait_for_load_state()  # stylesheet and images too
        # The clip keeps the viewport's width when a wide table overflows it.
        height = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
        page.screenshot(path=str(path), full_page=True, clip=clip)
        with Image.open(path) as image:
            save_small_png(image, path)
        return path

    def take_pdf_page(self, pdf: Path, name: str) -> Path:
        """Save the first page of ``pdf`` as a picture, as a reader would see it."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        document = pypdfium2.PdfDocument(pdf)
        try:
            image = document[0].render(scale=PDF_SCALE).to_pil()
        finally:
            document.close()
        save_small_png(image, path)
        return path


def save_small_png(image: Image.Image, path: Path) -> None:
    palette = image.convert("RGB").quantize(
        colors=SCREENSHOT_COLOURS, dither=Image.Dither.NONE
    )
    palette.save(path, optimize=True)


@contextmanager
def person(browser: Any, failures: Path) -> Iterator[Any]:
    """Yield a page in a browser context of its own, as on another computer.

    When the block raises, the page's screenshot and HTML go to ``failures``.
    """
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT)
    try:
        yield page
    except Exception:
        # A page that cannot be saved any more must not hide the step's error.
        with suppress(PlaywrightError):
            save_failed_page(page, failures)
        raise
    finally:
        context.close()


def save_failed_page(page: Any, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"failed-{len(list(folder.glob('*.html'))) + 1}"
    stem.with_suffix(".html").write_text(
        f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8"
    )
    page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)


def log_in(page: Any, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert not page.url.endswith("/login"), (
        f"{email} could not log in: {main_text(page)}"
    )


def main_text(page: Any) -> str:
    return page.locator("main").inner_text()


def normalised(text: str) -> str:
    """Return ``text`` in NFC with each run of white space as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def open_unit(page: Any, base_url: str, title: str) -> None:
    page.goto(f"{base_url}/my/units")
    page.get_by_role("link", name=title, exact=True).click()


def drawn_question_ids(page: Any) -> list[str]:
    """Return the ids of the attempt page's questions, in the order shown."""
    names = page.eval_on_selector_all(
        "fieldset.question input[type=radio][value='0']",
        "nodes => nodes.map(node => node.name)",
    )
    return [name.removeprefix("answer-") for name in names]


def answer_questions(
    page: Any,
    key: AnswerKey,
    question_ids: list[str],
    right_count: int,
    rng: random.Random,
) -> None:
    """Tick an option of each question: ``right_count`` right, the others wrong."""
    right = set(rng.sample(question_ids, right_count))
    for question_id in question_ids:
        index = key.choose(question_id, question_id in right, rng)
        page.locator(f"input[name='answer-{question_id}'][value='{index}']").check()


def start_attempt(page: Any) -> list[str]:
    page.get_by_role("button", name=re.compile(r"^Start")).click()
    page.wait_for_url(re.compile(r".*/my/attempts/\d+$"))
    return drawn_question_ids(page)


def submit_attempt(page: Any) -> None:
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(re.compile(r".*/my/attempts/\d+/result$"))
