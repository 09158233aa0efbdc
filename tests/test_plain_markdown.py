"""The notebooks read well without MyST: in Colab, the classic Notebook, VS Code, GitHub.

Every Markdown cell is rendered with a plain CommonMark renderer (markdown-it-py's
``commonmark`` preset with raw HTML allowed, which is what Colab and Jupyter's renderers
amount to for this book) and the test fails on anything a reader there would see wrongly:

* directive or role syntax (``{cite}`...```, a ```` ```{exercise} ```` fence, ``:label:``);
* a solution that is not folded (a cell about a solution that is not one ``<details>`` block,
  or a solution code cell without the metadata that folds it in Jupyter and Colab);
* an exercise out of order or without a solution;
* a citation whose text is not the author-year label of its ``references.bib`` entry, or a
  chapter whose ``## References`` cell is not the current list of the works it cites.

The conventions themselves are documented in ``_ext/plain_notebooks.py``, which also turns them
into MyST for the HTML book; the last tests check that conversion on every chapter.
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import plain_notebooks as pn  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
RENDER = MarkdownIt("commonmark", {"html": True}).render
BIBLIOGRAPHY = pn.load_bibliography()

# What MyST syntax looks like when nothing interprets it.
MYST_SYNTAX = [
    (re.compile(r"\{[a-z][\w:-]*\}`"), "a MyST role such as {cite}`key`"),
    (re.compile(r"^\s*(```|~~~|:::)\s*\{", re.M), "a MyST directive fence such as ```{exercise}"),
    (re.compile(r"^\s*:(label|class|name|caption|alt|filter):", re.M), "a directive option"),
    (re.compile(r"^\s*\([\w-]+\)=\s*$", re.M), "a MyST target such as (label)="),
    (re.compile(r"\$\$\s*\([\w-]+\)"), "a MyST equation label"),
]


class _Text(HTMLParser):
    """Visible text of rendered HTML, and the tag structure of its top level."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.top: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.top.append(tag)
        if tag not in {"br", "img", "hr", "input", "meta", "link"}:
            self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1

    def handle_data(self, data):
        if self.depth == 0 and data.strip():
            self.top.append("#text")
        self.text.append(data)


def rendered(markdown: str) -> _Text:
    parser = _Text()
    parser.feed(RENDER(markdown))
    parser.close()
    return parser


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"])


def chapter_number(path: Path) -> int:
    return int(path.name[:2])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
class TestPlainMarkdown:
    def test_no_myst_syntax_is_visible(self, path):
        problems = []
        for index, cell in enumerate(load(path)["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            visible = "".join(rendered(source(cell)).text)
            for pattern, what in MYST_SYNTAX:
                for match in pattern.finditer(visible):
                    problems.append(f"cell {index}: {what}: {match.group(0)!r}")
        assert problems == []

    def test_exercises_are_numbered_in_order_and_each_has_a_folded_solution(self, path):
        cells = load(path)["cells"]
        chapter = chapter_number(path)
        exercises, solutions = [], []
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "markdown":
                continue
            text = source(cell)
            exercise = pn.EXERCISE.match(text)
            if exercise:
                exercises.append(exercise.group("number"))
            elif "**Exercise" in text:
                pytest.fail(f"cell {index} mentions an exercise but is not one exercise cell "
                            f"(see _ext/plain_notebooks.py): {text[:80]!r}")
            if re.search(r"Solution to Exercise|<details", text):
                solution = pn.SOLUTION.match(text)
                assert solution, f"cell {index}: a solution must be one <details> cell: {text[:80]!r}"
                html = rendered(text)
                assert html.top == ["details"], (
                    f"cell {index}: the solution is not folded: its rendered top level is "
                    f"{html.top}, not one <details> element"
                )
                solutions.append(solution.group("number"))
        assert exercises, "every chapter ends with exercises"
        assert exercises == [f"{chapter}.{n}" for n in range(1, len(exercises) + 1)]
        assert solutions == exercises, "one solution right after each exercise, in order"

    def test_solution_code_is_folded_in_jupyter_and_colab(self, path):
        cells = load(path)["cells"]
        for index, cell in enumerate(cells):
            tags = cell.get("metadata", {}).get("tags", [])
            if cell["cell_type"] != "code" or "solution" not in tags:
                continue
            before = cells[index - 1]
            assert pn.SOLUTION.match(source(before)) or "solution" in before.get(
                "metadata", {}).get("tags", []), f"cell {index}: solution code follows its solution"
            meta = cell["metadata"]
            assert meta.get("jupyter", {}) == {"source_hidden": True, "outputs_hidden": True}
            assert meta.get("collapsed") is True  # the classic Notebook's output folding
            assert meta.get("cellView") == "form"  # Colab shows a form: the code stays hidden

    def test_citations_read_as_author_and_year(self, path):
        problems = []
        for index, cell in enumerate(load(path)["cells"]):
            if cell["cell_type"] != "markdown" or source(cell).startswith("## References"):
                continue
            text = source(cell)
            matched = 0
            for match in pn.CITATION.finditer(text):
                if match.group("key_t"):
                    links = [(match.group("text_t"), match.group("key_t"), True)]
                else:
                    links = [(m.group("text"), m.group("key"), False)
                             for m in pn.CITATION_LINK.finditer(match.group("group"))]
                for text_, key, textual in links:
                    matched += 1
                    if key not in BIBLIOGRAPHY:
                        problems.append(f"cell {index}: {key!r} is not in references.bib")
                        continue
                    expected = pn.author_year(BIBLIOGRAPHY[key], textual)
                    if textual:
                        ok = text_ == expected or text_.startswith(expected[:-1] + ", ")
                    else:
                        ok = text_ == expected
                    if not ok:
                        problems.append(f"cell {index}: [{text_}](#ref-{key}) should read {expected!r}")
            every_link = len(re.findall(r"\]\(#ref-", text))
            if every_link != matched:
                problems.append(f"cell {index}: {every_link - matched} citation link(s) in no "
                                "recognised form (see _ext/plain_notebooks.py)")
        assert problems == []

    def test_reference_list_is_current(self, path):
        cells = load(path)["cells"]
        last = cells[-1]
        assert last["cell_type"] == "markdown" and source(last).startswith("## References\n"), (
            "the last cell is the chapter's reference list (scripts/run_notebooks.py writes it)"
        )
        cited = pn.cited_keys("\n".join(source(c) for c in cells[:-1] if c["cell_type"] == "markdown"))
        assert source(last) == pn.references_markdown(cited, BIBLIOGRAPHY), (
            "the reference list is stale: run scripts/run_notebooks.py --references-only"
        )

    def test_the_book_gets_exercises_solutions_and_citations(self, path):
        notebook = load(path)
        myst = pn.to_myst(notebook)
        text = "\n".join(source(c) if isinstance(c["source"], list) else c["source"]
                         for c in myst["cells"] if c["cell_type"] == "markdown")
        plain = "\n".join(source(c) for c in notebook["cells"] if c["cell_type"] == "markdown")
        n_exercises = len(re.findall(r"^\*\*Exercise \d+\.\d+\.\*\*", plain, re.M))
        assert len(re.findall(r"^````\{exercise\}\n:label: ", text, re.M)) == n_exercises
        n_solutions = (len(re.findall(r"^````\{solution\} \S+\n:class: dropdown", text, re.M))
                       + len(re.findall(r"^```\{solution-start\} \S+\n:class: dropdown", text, re.M)))
        assert n_solutions == n_exercises
        assert text.count("{solution-start}") == text.count("{solution-end}")
        assert "](#ref-" not in text and "## References" not in text
        assert "<details>" not in text


def test_citation_forms_convert_to_roles():
    cell = {"cell_type": "markdown", "metadata": {}, "source": (
        "As [Su et al. (2024)](#ref-su2024roformer) show ([Su et al., 2024](#ref-su2024roformer), "
        "§3.4.1), and others agree ([Chen et al., 2023](#ref-chen2023extending); "
        "[Peng et al., 2024](#ref-peng2024yarn)); see [Su et al. (2024, §3.3)](#ref-su2024roformer)."
    )}
    out = pn.to_myst({"cells": [cell]})["cells"][0]["source"]
    assert out == (
        "As {cite:t}`su2024roformer` show {cite:p}`su2024roformer{§3.4.1}`, and others agree "
        "{cite:p}`chen2023extending,peng2024yarn`; see {cite:t}`su2024roformer{§3.3}`."
    )


def test_exercise_and_gated_solution_convert_to_sphinx_exercise():
    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    code = {"cell_type": "code", "metadata": {"tags": ["solution"]}, "outputs": [],
            "execution_count": 1, "source": "# NBVAL_IGNORE_OUTPUT\n# timing varies\nx = 1  # noqa: F841"}
    notebook = {"cells": [
        md('<a id="ch09-ex-a"></a>\n\n**Exercise 9.1.** Compute $x$.'),
        md("<details>\n<summary>Solution to Exercise 9.1</summary>\n\nIt is 1.\n\n</details>"),
        code,
        md('<a id="ch09-ex-b"></a>\n\n**Exercise 9.2.** Why?'),
        md("<details>\n<summary>Solution to Exercise 9.2</summary>\n\nBecause.\n\n</details>"),
    ]}
    cells = pn.to_myst(notebook)["cells"]
    assert [c["source"] for c in cells] == [
        "````{exercise}\n:label: ch09-ex-a\nCompute $x$.\n````",
        "```{solution-start} ch09-ex-a\n:class: dropdown\n```\nIt is 1.",
        "x = 1",
        "```{solution-end}\n```",  # a cell of its own, id "ch09-ex-a-end"
        "````{exercise}\n:label: ch09-ex-b\nWhy?\n````",
        "````{solution} ch09-ex-b\n:class: dropdown\nBecause.\n````",
    ]
