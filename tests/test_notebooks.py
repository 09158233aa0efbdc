"""Notebook hygiene: the conventions every chapter follows (README, "Working on the book").

nbval re-executes the notebooks and compares outputs; these tests check what nbval does not:
structure, stored state, figure accessibility, and that the output-ignore marker is not abused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
IGNORE_MARKER = "# NBVAL_IGNORE_OUTPUT"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_chapters():
    assert CHAPTERS, "chapters/ holds no notebook"


def test_chapter_file_names_are_numbered_and_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    numbers = []
    for path in CHAPTERS:
        match = re.fullmatch(r"(\d\d)_[a-z0-9_]+\.ipynb", path.name)
        assert match, f"{path.name}: chapter files are named NN_short_title.ipynb"
        numbers.append(int(match.group(1)))
        assert f"chapters/{path.stem}" in toc, f"{path.name} is not listed in _toc.yml"
    assert len(set(numbers)) == len(numbers), "two notebooks share a chapter number"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
class TestChapter:
    def test_one_title_first(self, path):
        notebook = load(path)
        first = notebook["cells"][0]
        assert first["cell_type"] == "markdown"
        assert source(first).startswith("# "), "the first cell starts with the chapter's H1"
        titles = [
            line
            for cell in notebook["cells"]
            if cell["cell_type"] == "markdown"
            for line in source(cell).splitlines()
            if re.match(r"^# \S", line)
        ]
        assert len(titles) == 1, f"exactly one H1 per chapter, found {titles}"

    def test_opens_with_summary_and_what_you_will_learn(self, path):
        first = source(load(path)["cells"][0])
        assert "What you will learn" in first

    def test_first_code_cell_installs_only_in_colab(self, path):
        first = source(code_cells(load(path))[0])
        assert "import google.colab" in first
        assert re.search(r"if IN_COLAB:\n\s+%pip install --quiet \"ropeviz @ git\+https://", first)

    def test_seeded(self, path):
        cells = code_cells(load(path))
        text = "\n".join(source(cell) for cell in cells[:3])
        assert "np.random.default_rng(" in text
        # chapters that use torch seed it too; the others do not import it at all (so they
        # also run where no torch is installed, e.g. Python 3.13 in the Colab simulation)
        if any(re.search(r"^\s*import torch", source(cell), re.M) for cell in cells):
            assert "torch.manual_seed(" in text

    def test_executed_in_order_with_no_errors(self, path):
        cells = code_cells(load(path))
        counts = [cell["execution_count"] for cell in cells]
        assert counts == list(range(1, len(cells) + 1)), (
            "store outputs with scripts/run_notebooks.py (counts must run 1, 2, 3, ...)"
        )
        for cell in cells:
            for output in cell["outputs"]:
                assert output["output_type"] != "error", f"stored error in: {source(cell)[:80]}"

    def test_no_widget_state(self, path):
        assert "widgets" not in load(path)["metadata"]

    def test_outputs_hold_no_memory_addresses_or_local_paths(self, path):
        for cell in code_cells(load(path)):
            for output in cell["outputs"]:
                text = json.dumps(output.get("text", "")) + json.dumps(
                    output.get("data", {}).get("text/plain", "")
                )
                assert not re.search(r" at 0x[0-9a-f]{6,}", text), source(cell)[:80]
                assert "/work/" not in text and "/home/" not in text, source(cell)[:80]

    def test_ignore_marker_only_with_a_reason(self, path):
        for cell in code_cells(load(path)):
            text = source(cell)
            if "NBVAL_IGNORE_OUTPUT" in text:
                lines = text.splitlines()
                assert lines[0] == IGNORE_MARKER, "the marker is the cell's first line"
                assert len(lines) > 1 and lines[1].startswith("# "), (
                    "the line after NBVAL_IGNORE_OUTPUT is a comment saying why the output varies"
                )

    def test_every_figure_has_caption_and_alt_text(self, path):
        for cell in code_cells(load(path)):
            has_image = any("image/png" in output.get("data", {}) for output in cell["outputs"])
            if not has_image:
                continue
            meta = cell["metadata"].get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), f"no caption: {source(cell)[:80]}"
            assert meta.get("image", {}).get("alt"), f"no alt text: {source(cell)[:80]}"
            tags = cell["metadata"].get("tags", [])
            assert {"hide-input", "hide-cell", "remove-input"} & set(tags), (
                f"code that only draws is folded in the book (tag it hide-input): "
                f"{source(cell)[:80]}"
            )

    def test_ends_with_what_to_remember(self, path):
        markdown = "\n".join(
            source(cell) for cell in load(path)["cells"] if cell["cell_type"] == "markdown"
        )
        assert "## What to remember" in markdown
