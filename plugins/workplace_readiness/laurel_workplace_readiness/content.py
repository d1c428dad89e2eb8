"""Read and validate the ten content files that hold the suite's text.

Each skill area is one TOML file in the package's ``content`` folder, named
``NN_<area key>.toml`` where NN is the area's order (01 to 10). Their shape
is documented in docs/plugins.md ("Workplace Readiness content files").
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from laurel.plugins.schemas import flatten_messages
from marshmallow import ValidationError

from laurel_workplace_readiness.schemas import AREA_COUNT, AreaFileSchema

FILE_NAME = re.compile(r"^(\d{2})_([a-z][a-z0-9_]*)\.toml$")
PARTS = ("assessment", "skill_building")
QUESTION_PATH = re.compile(r"^(assessment|skill_building)\.questions\[(\d+)\]")


class ContentError(ValueError):
    """A missing or invalid content file. The message names the file and field."""

    def __init__(self, file_name: str, problems: list[str]) -> None:
        self.file_name = file_name
        self.problems = problems
        super().__init__(f"content/{file_name}: {'; '.join(problems)}")


def content_folder() -> Traversable:
    return resources.files("laurel_workplace_readiness").joinpath("content")


def content_files(folder: Traversable) -> list[Traversable]:
    """Return the area files in order, or raise ContentError naming the gap."""
    files = sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")),
        key=lambda item: item.name,
    )
    for item in files:
        if not FILE_NAME.match(item.name):
            raise ContentError(item.name, ["file name must be NN_<area key>.toml"])
    numbers = [int(FILE_NAME.match(item.name).group(1)) for item in files]
    expected = list(range(1, AREA_COUNT + 1))
    if numbers != expected:
        missing = sorted(set(expected) - set(numbers))
        extra = sorted(n for n in numbers if n not in expected or numbers.count(n) > 1)
        raise ContentError(
            "",
            [
                f"expected one file for each area 01 to {AREA_COUNT:02}; "
                f"missing: {format_numbers(missing)}, unexpected or repeated: "
                f"{format_numbers(extra)}"
            ],
        )
    return files


def format_numbers(numbers: list[int]) -> str:
    return ", ".join(f"{number:02}" for number in numbers) or "none"


def load_area(item: Traversable) -> dict[str, Any]:
    """Parse and validate one area file, raising ContentError on any problem."""
    try:
        raw = tomllib.loads(item.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ContentError(item.name, [f"invalid TOML: {error}"]) from None
    number, key = FILE_NAME.match(item.name).groups()
    if raw.get("key") != key or raw.get("order") != int(number):
        raise ContentError(
            item.name,
            [
                "key and order must match the file name: "
                f"key = {key!r}, order = {int(number)}"
            ],
        )
    try:
        area = AreaFileSchema().load(raw)
    except ValidationError as error:
        lines = flatten_messages(error.messages)
        problems = [with_question_id(line, raw) for line in lines]
        raise ContentError(item.name, problems) from None
    check_unique_ids(item.name, area)
    return area


def with_question_id(line: str, raw: dict[str, Any]) -> str:
    """Add the question's id to a path such as ``assessment.questions[3]``."""
    found = QUESTION_PATH.match(line)
    if not found:
        return line
    part, index = found.group(1), int(found.group(2))
    try:
        question_id = raw[part]["questions"][index]["id"]
    except (KeyError, IndexError, TypeError):
        return line
    return f"{line} (question {question_id})"


def load_areas(folder: Traversable | None = None) -> list[dict[str, Any]]:
    """Load every area file in order, from ``folder`` or the package's own."""
    return [load_area(item) for item in content_files(folder or content_folder())]


def check_unique_ids(file_name: str, area: dict[str, Any]) -> None:
    ids = [q["id"] for part in PARTS for q in area[part]["questions"]]
    repeated = sorted(
        {question_id for question_id in ids if ids.count(question_id) > 1}
    )
    if repeated:
        raise ContentError(
            file_name, [f"question ids used more than once: {', '.join(repeated)}"]
        )


def content_digest(folder: Traversable | None = None) -> str:
    """Return a short SHA-256 of every content file's name and bytes.

    The suite version includes it, so any edit to the content gives a new
    version and stored attempts keep pointing at the text they were given.
    """
    digest = hashlib.sha256()
    for item in content_files(folder or content_folder()):
        digest.update(item.name.encode())
        digest.update(b"\0")
        digest.update(item.read_bytes())
    return digest.hexdigest()[:12]
