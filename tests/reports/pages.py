"""Reading report pages in tests: the learners and cells a matrix shows."""

from __future__ import annotations

import html
import re

ROW = re.compile(r'<th scope="row"><a href="[^"]*">(?P<name>[^<]*)</a>.*?</tr>', re.S)
CELL = re.compile(r'<td class="cell cell-(?P<state>[a-z_]+)" title="(?P<text>[^"]*)">')


def matrix_names(body: str) -> list[str]:
    """Return the "Last, First" names of the matrix rows, in order."""
    return [html.unescape(match["name"]) for match in ROW.finditer(body)]


def matrix_cells(body: str) -> dict[str, list[str]]:
    """Return each row's cell texts (the title attribute), by "Last, First" name."""
    rows = {}
    for match in ROW.finditer(body):
        cells = [html.unescape(cell["text"]) for cell in CELL.finditer(match.group(0))]
        rows[html.unescape(match["name"])] = cells
    return rows
