r"""Plain-Markdown notebooks: one source that reads well in Colab and builds into the book.

The chapters are notebooks whose Markdown is plain CommonMark plus a little HTML, so that
Colab, the classic Notebook, JupyterLab, VS Code and GitHub's preview all show them as a reader
expects: no MyST directive or role is ever visible there. A few conventions carry what the HTML
book needs, and :func:`to_myst` turns them into MyST when Sphinx reads a notebook (this module
is also the book's Sphinx extension, see :func:`setup`):

Exercise
    A Markdown cell of its own that starts with the exercise's label as an HTML anchor and its
    number in bold::

        <a id="ch05-ex-base"></a>

        **Exercise 5.2.** For $d = 128$, what is the smallest base ...

    The book turns it into a numbered ``{exercise}`` (sphinx-exercise numbers it 5.2 too;
    ``tests/test_plain_markdown.py`` checks the numbers).
Solution
    A Markdown cell of its own, folded with HTML's ``<details>`` wherever the notebook is read::

        <details>
        <summary>Solution to Exercise 5.2</summary>

        ...

        </details>

    Code cells right after it whose metadata tags include ``solution`` belong to the solution:
    they are folded in the notebook front ends that can fold (``jupyter.source_hidden`` and
    ``outputs_hidden`` for JupyterLab, Notebook 7 and VS Code, ``collapsed`` for the classic
    Notebook, ``cellView: form`` for Colab) and, in the book, go inside the solution's dropdown.
Citation
    A link to the chapter's reference list, in author-year form::

        [Su et al. (2024)](#ref-su2024roformer)                 -> {cite:t}`su2024roformer`
        ([Su et al., 2024](#ref-su2024roformer))                -> {cite:p}`su2024roformer`
        ([Su et al., 2024](#ref-su2024roformer), §3.4.1)        -> {cite:p}`su2024roformer{§3.4.1}`
        ([A, 2023](#ref-a); [B and C, 2024](#ref-b))            -> {cite:p}`a,b`

    The text must be the label :func:`author_year` makes from ``references.bib`` (checked by the
    tests), so a reader in Colab reads the same citation the book prints.
References
    The notebook's last cell, ``## References``, lists every work the chapter cites with an
    ``<a id="ref-KEY"></a>`` anchor, written by :func:`references_markdown` from
    ``references.bib`` (``scripts/run_notebooks.py`` keeps it current). The book drops it:
    its citations link to the bibliography page instead.

Everything else in a notebook is left as it is; code cells are untouched except that the book
does not show the test markers ``# NBVAL_IGNORE_OUTPUT`` (with the comment line after it that
says why) and ``# noqa`` comments, which only the test tools read.
"""

from __future__ import annotations

import codecs
import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CITATION",
    "CITATION_LINK",
    "EXERCISE",
    "SOLUTION",
    "author_year",
    "cited_keys",
    "load_bibliography",
    "references_markdown",
    "setup",
    "to_myst",
]

ROOT = Path(__file__).resolve().parent.parent
BIBLIOGRAPHY = ROOT / "references.bib"

EXERCISE = re.compile(
    r'\A<a id="(?P<label>[\w-]+)"></a>\s*\n\s*\n\*\*Exercise (?P<number>\d+\.\d+)\.\*\*[ \n]'
    r"(?P<body>.*)\Z",
    re.S,
)
"""An exercise cell: anchor, blank line, ``**Exercise N.M.**`` and the body."""

SOLUTION = re.compile(
    r"\A<details>\n<summary>Solution to Exercise (?P<number>\d+\.\d+)</summary>\n\n"
    r"(?P<body>.*?)\n*</details>\s*\Z",
    re.S,
)
"""A solution cell: ``<details>``, its summary line, a blank line, the body, ``</details>``."""

_LINK = r"\[(?P<text{n}>[^\[\]]+)\]\(#ref-(?P<key{n}>[\w:.-]+)\)"
CITATION = re.compile(
    # parenthetical: ([A, 2024](#ref-a); [B, 2023](#ref-b), post)
    r"\((?P<group>" + _LINK.format(n="") + r"(?:; " + _LINK.format(n="_more").replace(
        "(?P<text_more>", "(?:").replace("(?P<key_more>", "(?:") + r")*)"
    r"(?:, (?P<post>[^()]*?))?\)"
    # or textual: [A (2024)](#ref-a), [A (2024, post)](#ref-a)
    r"|" + _LINK.format(n="_t"),
)
"""One citation, parenthetical (``group``, ``post``) or textual (``text_t``, ``key_t``)."""

CITATION_LINK = re.compile(_LINK.format(n=""))
"""One ``[text](#ref-key)`` link of a citation (``text``, ``key``)."""
_TEXTUAL = re.compile(r"\A(?P<authors>.+) \((?P<year>\d{4}[a-z]?)(?:, (?P<post>.+))?\)\Z")
_PARENTHETICAL = re.compile(r"\A(?P<authors>.+), (?P<year>\d{4}[a-z]?)\Z")


# ------------------------------------------------------------------------------ bibliography
@dataclass(frozen=True)
class Reference:
    """One entry of ``references.bib`` as the notebooks print it."""

    key: str
    authors: str  # "Su et al." (three or more), "Ruscio and Silvestri" (two), "Fleetwood"
    year: str
    text: str  # the full reference, Markdown


def _latex_to_text(value: str) -> str:
    text = codecs.decode(value, "ulatex")
    return re.sub(r"[{}]", "", text).replace("\\", "").strip()


def load_bibliography(path: Path = BIBLIOGRAPHY) -> dict[str, Reference]:
    """Every entry of the ``.bib`` file, keyed by citation key."""
    import latexcodec  # noqa: F401 - registers the "ulatex" codec
    from pybtex.database import parse_file

    database = parse_file(str(path))
    references = {}
    for key, entry in database.entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_latex_to_text(" ".join(p.prelast_names + p.last_names)) for p in people]
        if "others" in names:  # BibTeX's "and others": at least three authors
            names = [name for name in names if name != "others"] + ["", ""]
        if not names:
            names = [_latex_to_text(entry.fields.get("organization", entry.fields["title"]))]
        authors = names[0] if len(names) == 1 else (
            f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
        year = entry.fields.get("year", "n.d.")
        references[key] = Reference(key, authors, year, _full_reference(entry, names))
    return references


def _full_reference(entry: Any, names: list[str]) -> str:
    fields = {name: _latex_to_text(value) for name, value in entry.fields.items()}
    people = entry.persons.get("author") or []
    full_names = [
        _latex_to_text(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names))
        for p in people
    ] or names
    if full_names[-1] == "others":
        authors = ", ".join(full_names[:-1]) + " et al."
    else:
        authors = ", ".join(full_names[:-1]) + (" and " if len(full_names) > 1 else "")
        authors += full_names[-1]
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher") or ""
    title = fields["title"]
    parts = [f"{authors} ({fields.get('year', 'n.d.')}).",
             f"*{title}*" + ("" if title[-1] in ".?!" else ".")]
    if venue:
        parts.append(f"{venue}.")
    url = fields.get("url")
    note = fields.get("note", "")
    arxiv = re.search(r"arXiv:(\d{4}\.\d{4,5})", note)
    if url:
        parts.append(f"<{url}>")
    elif arxiv:
        parts.append(f"[arXiv:{arxiv.group(1)}](https://arxiv.org/abs/{arxiv.group(1)})")
    elif note:
        parts.append(re.sub(r"(https?://[^\s,;]+?)\.?(?=\s|$)", r"<\1>", note.rstrip(".")) + ".")
    return " ".join(parts)


def author_year(reference: Reference, textual: bool) -> str:
    """The citation text: ``"Su et al. (2024)"`` (textual) or ``"Su et al., 2024"``."""
    if textual:
        return f"{reference.authors} ({reference.year})"
    return f"{reference.authors}, {reference.year}"


def cited_keys(markdown: str) -> list[str]:
    """Citation keys in order of first appearance."""
    keys: list[str] = []
    for match in CITATION_LINK.finditer(markdown):
        if match.group("key") not in keys:
            keys.append(match.group("key"))
    return keys


def references_markdown(keys: list[str], bibliography: dict[str, Reference]) -> str:
    """The ``## References`` cell: the works cited in a chapter, sorted by author and year."""
    entries = sorted((bibliography[key] for key in keys),
                     key=lambda r: (r.authors.lower(), r.year, r.key))
    lines = [
        "## References",
        "",
        "Every work this chapter cites; the book's bibliography page lists them all.",
        "",
    ]
    lines += [f'- <a id="ref-{r.key}"></a>{r.text}' for r in entries]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ conversion
def _citation_to_myst(match: re.Match) -> str:
    if match.group("key_t"):
        parsed = _TEXTUAL.match(match.group("text_t"))
        post = parsed.group("post") if parsed else None
        key = match.group("key_t") + (f"{{{post}}}" if post else "")
        return f"{{cite:t}}`{key}`"
    keys = [link.group("key") for link in CITATION_LINK.finditer(match.group("group"))]
    post = match.group("post")
    if post:
        keys[-1] += f"{{{post}}}"
    return f"{{cite:p}}`{','.join(keys)}`"


def _strip_test_markers(source: str) -> str:
    lines = source.split("\n")
    if lines and lines[0].strip() == "# NBVAL_IGNORE_OUTPUT":
        lines = lines[1:]
        while lines and lines[0].startswith("# "):  # the comment saying why
            lines = lines[1:]
    text = "\n".join(lines)
    return re.sub(r"[ \t]*# noqa(?::[ \w,]+)?(?=\n|$)", "", text)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def to_myst(notebook: dict) -> dict:
    """A copy of ``notebook`` with the plain conventions turned into MyST for the book."""
    notebook = copy.deepcopy(notebook)
    cells = notebook["cells"]
    labels = {}
    for cell in cells:
        match = EXERCISE.match(_source(cell)) if cell["cell_type"] == "markdown" else None
        if match:
            labels[match.group("number")] = match.group("label")

    out: list[dict] = []
    index = 0
    while index < len(cells):
        cell = cells[index]
        index += 1
        if cell["cell_type"] == "code":
            cell["source"] = _strip_test_markers(_source(cell))
            out.append(cell)
            continue
        if cell["cell_type"] != "markdown":
            out.append(cell)
            continue
        text = _source(cell)
        if text.startswith("## References\n"):
            continue  # the book links citations to its bibliography page
        exercise = EXERCISE.match(text)
        solution = SOLUTION.match(text)
        if exercise:
            body = CITATION.sub(_citation_to_myst, exercise.group("body").strip())
            text = f"````{{exercise}}\n:label: {exercise.group('label')}\n{body}\n````"
        elif solution:
            label = labels[solution.group("number")]
            body = CITATION.sub(_citation_to_myst, solution.group("body").strip())
            code = []
            while index < len(cells) and "solution" in cells[index].get("metadata", {}).get(
                "tags", []
            ):
                code.append(cells[index])
                index += 1
            if code:
                cell["source"] = (
                    f"```{{solution-start}} {label}\n:class: dropdown\n```\n{body}"
                )
                out.append(cell)
                for code_cell in code:
                    code_cell["source"] = _strip_test_markers(_source(code_cell))
                    out.append(code_cell)
                out.append({"cell_type": "markdown", "id": f"{label}-end"[-64:], "metadata": {},
                            "source": "```{solution-end}\n```"})
                continue
            text = f"````{{solution}} {label}\n:class: dropdown\n{body}\n````"
        else:
            text = CITATION.sub(_citation_to_myst, text)
        cell["source"] = text
        out.append(cell)
    notebook["cells"] = out
    return notebook


# ------------------------------------------------------------------------------ Sphinx
def _source_read(app: Any, docname: str, source: list[str]) -> None:
    if Path(app.env.doc2path(docname)).suffix != ".ipynb":
        return
    source[0] = json.dumps(to_myst(json.loads(source[0])))


def setup(app: Any) -> dict[str, Any]:
    """The book's Sphinx extension: notebooks are read through :func:`to_myst`."""
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
