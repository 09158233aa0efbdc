r"""The HTML book's site extension: section search, accessible markup, linked references.

Jupyter Book's HTML is close to what the book needs; this extension (listed in ``_config.yml``
under ``sphinx.local_extensions`` and ``sphinx.config.extensions``) closes four gaps, and makes
an edit of a file under ``_static/`` rebuild the pages (Sphinx copies static files only when it
writes pages). The theme-level rest (layout, icons, colours, small scripts) is in
``_templates/`` and ``_static/``.

Section search
    Sphinx's search index knows which *pages* contain a word, and finds a *section* only when
    the query is at least half of the section's title, so "YaRN" lists chapter 9, not the
    section on YaRN, and its result snippets are fetched from the pages (which a browser refuses
    on ``file://``). While reading each document this extension records its sections (anchor,
    title, the text of the section itself: prose, code, exercises; no outputs) and each glossary
    term, and after the build writes them with their section numbers to
    ``_static/book-search-index.js``. The search page loads that file (``_templates/layout.html``)
    and ``_static/book.js`` ranks sections and shows a snippet of each, on ``file://`` too.
Accessible markup
    myst-nb labels every "Show code cell source" toggle ``aria-label="Toggle hidden content"``,
    which hides its visible text from assistive technology (axe-core's
    ``label-content-name-mismatch``); the label is dropped so the visible text names it.
    docutils marks bibliography entries ``role="doc-biblioentry"``, a deprecated role that is not
    allowed on a ``div``, which also breaks the entries' ``role="list"`` parent
    (``aria-required-children``); they become ``role="listitem"``.
Figure bytes
    Before the pages are written every figure PNG gets a 256-colour palette
    (``ropeviz.plotting.reduce_png``: a half to a third of the bytes, no visible change), so a
    chapter stays within its page-weight budget whether or not its figures were stored under the
    book's figure style.
Linked references
    The pybtex style ``bookplain`` (set as ``bibtex_default_style``) is ``plain`` with every URL
    and every ``arXiv:NNNN.NNNNN`` in an entry's text made a link, so that the notes of
    ``references.bib`` (which the notebooks' reference lists print too) need no second field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes

__all__ = ["SEARCH_INDEX", "fix_markup", "linkify", "section_entries", "setup"]

SEARCH_INDEX = "_static/book-search-index.js"
"""Where the section index is written, relative to the HTML output folder."""

_MAX_TEXT = 20_000  # characters kept per section (the longest section of the book is shorter)
_SKIP_CLASSES = {"cell_output"}


# ------------------------------------------------------------------------------ markup fixes
_MARKUP_FIXES = (
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    (re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"'), r'\1 role="listitem"'),
)


def fix_markup(body: str) -> str:
    """The page body with the accessibility fixes above applied."""
    for pattern, replacement in _MARKUP_FIXES:
        body = pattern.sub(replacement, body)
    return body


def _html_page_context(app: Any, pagename: str, templatename: str, context: dict,
                       doctree: Any) -> None:
    if "body" in context:
        context["body"] = fix_markup(context["body"])


# ------------------------------------------------------------------------------ search index
def _is_section(node: nodes.Node) -> bool:
    """A real section: sphinx-exercise also wraps exercise bodies in untitled sections."""
    return (isinstance(node, nodes.section) and bool(node.children)
            and isinstance(node[0], nodes.title))


def _text(node: nodes.Node) -> str:
    """The searchable text of ``node``: everything but outputs, raw HTML and nested sections.

    A citation counts by nothing: before references resolve it is only its BibTeX key.
    """
    parts: list[str] = []

    def visit(current: nodes.Node) -> None:
        if isinstance(current, (nodes.raw, nodes.image, nodes.comment, nodes.system_message)):
            return
        if _is_section(current):
            return
        if isinstance(current, addnodes.pending_xref) and current.get("refdomain") == "cite":
            return
        if isinstance(current, nodes.Element) and _SKIP_CLASSES & set(current.get("classes", [])):
            return
        if isinstance(current, nodes.Text):
            parts.append(current.astext())
            return
        for child in current.children:
            visit(child)
        if isinstance(current, (nodes.paragraph, nodes.title, nodes.literal_block,
                                nodes.term, nodes.math_block, nodes.list_item)):
            parts.append("\n")

    visit(node)
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def section_entries(doctree: nodes.document) -> list[list[str]]:
    """``[anchor, title, text]`` for every section and glossary term of a document.

    The anchor is the section's first id (``""`` for the document's top section, as Sphinx's
    section numbers are keyed); a glossary term is an entry of its own, and its section keeps
    only the rest of its text.
    """
    entries: list[list[str]] = []
    top = next(iter(doctree.findall(_is_section)), None)
    for section in doctree.findall(_is_section):
        anchor = "" if section is top else (section["ids"][0] if section["ids"] else "")
        if section is not top and not anchor:
            continue
        body: list[str] = []
        for child in section.children[1:]:
            if _is_section(child):
                continue
            if isinstance(child, nodes.Element) and any(child.findall(addnodes.glossary)):
                for item in child.findall(nodes.definition_list_item):
                    terms = [t for t in item.children if isinstance(t, nodes.term)]
                    definition = [d for d in item.children if isinstance(d, nodes.definition)]
                    if terms and terms[0]["ids"]:
                        entries.append([terms[0]["ids"][0], terms[0].astext(),
                                        _text(definition[0])[:_MAX_TEXT] if definition else ""])
                continue
            body.append(_text(child))
        entries.append([anchor, _text(section[0]), " ".join(b for b in body if b)[:_MAX_TEXT]])
    return entries


def _doctree_read(app: Any, doctree: nodes.document) -> None:
    env = app.env
    if not hasattr(env, "book_search_sections"):
        env.book_search_sections = {}
    env.book_search_sections[env.docname] = section_entries(doctree)


def _purge(app: Any, env: Any, docname: str) -> None:
    getattr(env, "book_search_sections", {}).pop(docname, None)


def _merge(app: Any, env: Any, docnames: list[str], other: Any) -> None:
    if not hasattr(env, "book_search_sections"):
        env.book_search_sections = {}
    for docname in docnames:
        if docname in getattr(other, "book_search_sections", {}):
            env.book_search_sections[docname] = other.book_search_sections[docname]


def _reading_order(app: Any) -> list[str]:
    """Documents in the order of the table of contents (the root first)."""
    env = app.env
    order: list[str] = []

    def walk(docname: str) -> None:
        if docname in order or docname not in env.found_docs:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(app.config.root_doc)
    return order + sorted(set(getattr(env, "book_search_sections", {})) - set(order))


def build_search_index(app: Any) -> dict[str, Any]:
    """The index written to :data:`SEARCH_INDEX` (see the module docstring)."""
    env = app.env
    sections = getattr(env, "book_search_sections", {})
    pages, entries = [], []
    for docname in _reading_order(app):
        if docname not in sections:
            continue
        numbers = env.toc_secnumbers.get(docname, {})
        page = len(pages)
        title = env.titles[docname].astext() if docname in env.titles else docname
        number = ".".join(map(str, numbers.get("", ())))
        pages.append([app.builder.get_target_uri(docname), f"{number}. {title}" if number else title])
        for anchor, section_title, text in sections[docname]:
            secnumber = ".".join(map(str, numbers.get(f"#{anchor}" if anchor else "", ())))
            entries.append([page, anchor, secnumber, section_title, text])
    return {"version": 1, "pages": pages, "entries": entries}


def _reduce_images(app: Any, env: Any) -> None:
    """Give every figure PNG the notebooks put in the book a 256-colour palette.

    myst-nb writes each image output to its output folder (``_build/jupyter_execute``) while it
    reads a notebook, and Sphinx copies it from there into ``_images/`` when it writes the page.
    In between (``env-updated``) each PNG that has no palette yet is reduced with
    ``ropeviz.plotting.reduce_png``: figures stored under ``rvp.use_book_style()`` have one
    already; older ones shrink to a half or a third with no visible change. myst-nb never
    rewrites a file that exists (its name is the hash of the notebook's data), so each image is
    reduced once.
    """
    from ropeviz.plotting import reduce_png

    config = getattr(env, "mystnb_config", None)
    folder = Path(getattr(config, "output_folder", "") or Path(app.outdir).parent / "jupyter_execute")
    for path in sorted(folder.rglob("*.png")):
        data = path.read_bytes()
        reduced = reduce_png(data)
        if len(reduced) < len(data):
            path.write_bytes(reduced)


def _build_finished(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / SEARCH_INDEX
    target.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(build_search_index(app), ensure_ascii=False, separators=(",", ":"))
    target.write_text(f"window.BOOK_SEARCH_INDEX = {data};\n", encoding="utf-8")


# ------------------------------------------------------------------------------ static files
def _static_changed(app: Any, env: Any, added: set[str], changed: set[str],
                    removed: set[str]) -> list[str]:
    """Every document, when a file under ``_static/`` changed since the last build.

    Sphinx copies static files only when it writes pages, so an edit of ``_static/book.css``
    alone left the old copy in ``_build/html``; rewriting the pages copies it.
    """
    static = Path(app.confdir) / "_static"
    newest = max((f.stat().st_mtime for f in static.rglob("*") if f.is_file()), default=0.0)
    previous = getattr(env, "book_static_mtime", None)
    env.book_static_mtime = newest
    if previous is not None and newest > previous:
        return sorted(env.found_docs)
    return []


# ------------------------------------------------------------------------------ references
_LINKABLE = re.compile(r"(?P<url>https?://[^\s,;<>]*[^\s,;<>.)\]])|arXiv:(?P<arxiv>\d{4}\.\d{4,5})")


def linkify(text: Any) -> Any:
    """A pybtex rich text with its URLs and ``arXiv:`` identifiers turned into links."""
    from pybtex.richtext import BaseMultipartText, HRef, String, Text

    if isinstance(text, HRef):
        return text
    if isinstance(text, String):
        parts, position = [], 0
        for match in _LINKABLE.finditer(text.value):
            parts.append(String(text.value[position:match.start()]))
            if match.group("url"):
                parts.append(HRef(match.group("url"), String(match.group("url"))))
            else:
                parts.append(HRef(f"https://arxiv.org/abs/{match.group('arxiv')}",
                                  String(match.group(0))))
            position = match.end()
        if not parts:
            return text
        parts.append(String(text.value[position:]))
        return Text(*parts)
    if isinstance(text, BaseMultipartText):
        return text._create_similar([linkify(part) for part in text.parts])
    return text


def _register_style() -> None:
    import pybtex.plugin
    from pybtex.style import FormattedEntry
    from pybtex.style.formatting.plain import Style as PlainStyle

    class BookPlainStyle(PlainStyle):
        """pybtex's ``plain``, with URLs and arXiv identifiers in the text made links."""

        def format_entry(self, label: str, entry: Any, bib_data: Any = None) -> FormattedEntry:
            formatted = super().format_entry(label, entry, bib_data=bib_data)
            return FormattedEntry(formatted.key, linkify(formatted.text), formatted.label)

    pybtex.plugin.register_plugin("pybtex.style.formatting", "bookplain", BookPlainStyle)


def setup(app: Any) -> dict[str, Any]:
    """Connect the three parts (see the module docstring)."""
    _register_style()
    app.connect("html-page-context", _html_page_context)
    app.connect("doctree-read", _doctree_read)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _build_finished)
    app.connect("env-get-outdated", _static_changed)
    app.connect("env-updated", _reduce_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1",
            "env_version": 3}
