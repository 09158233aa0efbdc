"""The built HTML book, opened in Debian's Chromium: pages render offline and read as intended.

The book is (re)built with warnings as errors, served from ``_build/html`` on 127.0.0.1, and
opened with Playwright driving ``/usr/bin/chromium``. Every request that would leave the machine
is recorded and refused, and the tests assert there were none; every console error and every
uncaught script error fails them too. A missing Chromium or axe-core fails these tests: install
both with ``scripts/install_test_tools.sh`` (``make test`` does), or deselect them with
``-m "not browser"``.

The survey
    :func:`survey` opens every page of the built book once, in a fresh browser context (an empty
    cache, like a first visit), and looks at it four ways without reloading: 1280 px wide in the
    light theme, then dark (switched with the theme's own button), then 390 px wide (a phone) in
    dark, then light. It records the console, the requests, the page weight, axe-core's
    accessibility audit in light and in dark mode (at 1280 px), and every element whose content
    is wider than its box with no way to scroll to the rest, at both widths in both themes. The
    ``test_survey_*`` tests assert on that record, so a run costs one page load per page.
Page weight (how it is measured)
    In that first visit, after the load event, MathJax's typesetting and the fonts: the sum of
    Chromium's ``transferSize`` over the navigation and every resource in the Resource Timing
    buffer (bytes on the wire, headers included; the local server does not compress, so these
    are the uncompressed sizes, an upper bound for a host that gzips). A chapter's *first visit*
    must stay under :data:`FIRST_VISIT_BUDGET`. A page's *own bytes* are the same sum without
    the book's shared assets under ``_static/`` (theme, scripts, MathJax, fonts), which a further
    page finds in the cache: its HTML (inline data included) and its images. Every page's own
    bytes must stay under :data:`OWN_BYTES_BUDGET`.
Accessibility
    axe-core (the pinned npm package in ``node_modules/axe-core``, see
    ``scripts/install_test_tools.sh``) runs on every page in light and in dark mode with all its
    rules; findings of impact "critical" or "serious" fail the test, except inside the explorers'
    static twins (``.ropeviz-explorer``), whose findings are printed separately. Counts per
    impact are printed (``pytest -s`` shows them), with a one-line summary.
Clipping
    Playwright normally starts Chromium with ``--hide-scrollbars``; these tests do not, so boxes
    draw their scrollbars as on a desktop and a box that scrolls without showing it is caught.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import http.server
import json
import math
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb")
                  if not os.environ.get("ROPEBOOK_TEST_TOC")
                  or f"chapters/{p.stem}" in Path(os.environ["ROPEBOOK_TEST_TOC"]).read_text())
FIRST_VISIT_BUDGET = 2_500_000
"""Bytes a chapter may load on a first visit (everything, cold cache)."""
OWN_BYTES_BUDGET = 1_000_000
"""Bytes of a page's own (HTML with inline data, images) that a further visit loads."""
EXPLORER = ".ropeviz-explorer"
"""The explorers' static twins: their layout and accessibility belong to ropeviz.explorers."""
WIDE, PHONE = 1280, 390

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def built_book() -> Path:
    # The vendoring script subsets the icon fonts with this Python (it has fontTools).
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run(["bash", str(ROOT / "scripts" / "vendor_mathjax.sh")], cwd=ROOT, check=True,
                   capture_output=True, env=env)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going"]
    # Development aid: ROPEBOOK_TEST_TOC=path/to/_toc.yml builds (and tests) a subset of chapters.
    if os.environ.get("ROPEBOOK_TEST_TOC"):
        command += ["--toc", os.environ["ROPEBOOK_TEST_TOC"]]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return HTML


@pytest.fixture(scope="module")
def server(built_book: Path) -> Iterator[str]:
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is not installed at /usr/bin/chromium: run "
            "scripts/install_test_tools.sh (make test does), or deselect with -m 'not browser'"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              ignore_default_args=["--hide-scrollbars"])
        yield chromium
        chromium.close()


def book_pages(html: Path) -> list[str]:
    """Every page of the built book, relative to its root (search and index pages included)."""
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if p.relative_to(html).parts[0] not in {"_static", "_sources", "_images"}
                  and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:500])


class Visit:
    """A page opened on the local server, with every off-machine request refused and recorded,
    and every console error and uncaught script error recorded."""

    def __init__(self, browser, server: str, width: int = WIDE, height: int = 900):
        self.server = server
        self.external: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console: {message.text} ({where})")

    def _route(self, route) -> None:
        url = route.request.url
        local = urlparse(url).netloc == urlparse(self.server).netloc
        if local or url.startswith(("data:", "blob:", "file:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def open(self, path: str, ready: bool = False):
        self.page.goto(f"{self.server}/{path}")
        if ready:
            waiting = self.page.evaluate(READY_JS)
            if waiting:
                self.errors.append(f"still waiting for {waiting} after 30 s")
        else:
            self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, server) -> Iterator[Visit]:
    session = Visit(browser, server)
    yield session
    session.close()


# -- page scripts ------------------------------------------------------------------------------
# Every wait in the page is bounded, so that a promise that never settles fails a check instead
# of hanging the run: READY_JS returns what it was still waiting for ("" when all is ready).
READY_JS = """async () => {
  const within = (promise, ms, what) => Promise.race([promise.then(() => ""),
    new Promise((resolve) => setTimeout(() => resolve(what), ms))]);
  const waiting = [];
  if (document.readyState !== "complete")
    waiting.push(await within(new Promise((resolve) => window.addEventListener("load", resolve, {once: true})), 30000, "load"));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise)
    waiting.push(await within(MathJax.startup.promise, 30000, "MathJax"));
  waiting.push(await within(document.fonts.ready, 10000, "fonts"));
  await within(new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))), 1000, "");
  return waiting.filter((w) => w).join(", ");
}"""

WEIGHT_JS = """() => {
  const entries = [performance.getEntriesByType("navigation")[0],
                   ...performance.getEntriesByType("resource")];
  return entries.map((e) => [e.name.replace(location.origin, ""), e.transferSize]);
}"""

# Switch the theme with its own button, then wait for the colour transitions to end (an audit
# in the middle of one reads colours that are neither theme's).
SET_THEME_JS = """async (theme) => {
  const button = document.querySelector(".theme-switch-button");
  for (let i = 0; i < 3 && document.documentElement.dataset.theme !== theme; i++) button.click();
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  await pause(50);
  const transitions = document.getAnimations().filter((a) => a instanceof CSSTransition);
  await Promise.race([Promise.all(transitions.map((a) => a.finished.catch(() => null))), pause(1000)]);
  return document.documentElement.dataset.theme;
}"""

# Every element whose content is wider than its box and that neither scrolls with a drawn
# scrollbar nor shows an ellipsis; and the page itself when it is wider than the window.
CLIPPED_JS = """(explorerSelector) => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1)
    found.push({kind: "page wider than the window", content: root.scrollWidth, box: root.clientWidth,
                where: "html", explorer: false, text: ""});
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    if (el.classList.length) name += "." + [...el.classList].slice(0, 3).join(".");
    const section = el.closest("section[id]");
    return (section ? "#" + section.id + " " : "") + name;
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (el.clientWidth === 0 || el.scrollWidth <= el.clientWidth + 1) continue;
    const style = getComputedStyle(el);
    if (style.display === "inline" || style.visibility === "hidden") continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 2 || rect.height <= 2) continue;  // visually hidden helpers
    if (style.clipPath !== "none" || style.clip !== "auto") continue;
    if (style.textOverflow === "ellipsis") continue;  // the ellipsis shows the cut
    if (el.closest("mjx-math")) continue;  // MathJax's own glyph layout (stretchy delimiters clip)
    let kind = null;
    if (style.overflowX === "hidden" || style.overflowX === "clip") {
      kind = "clipped (overflow " + style.overflowX + ")";
    } else if (style.overflowX === "auto" || style.overflowX === "scroll") {
      const bar = el.offsetHeight - el.clientHeight
        - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
      if (bar < 2) kind = "scrolls without a visible scrollbar";
    }
    if (kind) found.push({kind, content: el.scrollWidth, box: el.clientWidth, where: describe(el),
                          explorer: !!el.closest(explorerSelector),
                          text: el.textContent.trim().replace(/\\s+/g, " ").slice(0, 70)});
  }
  return found;
}"""

ASPECT_JS = """() => {
  // figures whose shown aspect ratio differs from the image's own by more than 3 %
  const found = [];
  for (const img of document.querySelectorAll(".bd-article img")) {
    if (!img.naturalWidth || !img.clientHeight) continue;
    const style = getComputedStyle(img);  // dark mode mats figures with padding: measure inside it
    const width = img.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = img.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const own = img.naturalWidth / img.naturalHeight, shown = width / height;
    if (Math.abs(shown / own - 1) > 0.03)
      found.push(img.alt.slice(0, 50) + ": shown " + img.clientWidth + "x" + img.clientHeight
                 + ", image " + img.naturalWidth + "x" + img.naturalHeight);
  }
  return found;
}"""

AXE_JS = """async (explorerSelector) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => {
      let element = null;
      try { element = document.querySelector(n.target[0]); } catch (e) {}
      return {target: n.target.join(" "), html: n.html.slice(0, 160),
              explorer: !!(element && element.closest(explorerSelector))};
    }),
  }));
}"""

PAGE_FACTS_JS = """() => {
  const figures = [...document.querySelectorAll("main figure img")];
  return {
    h1: [...document.querySelectorAll("main h1")].some((h) => h.getBoundingClientRect().height > 0),
    mathContainers: document.querySelectorAll("mjx-container").length,
    mathSources: document.querySelectorAll(".math").length,
    mathErrors: document.querySelectorAll("mjx-merror").length,
    figures: figures.length,
    figuresWithoutAlt: figures.filter((img) => !(img.getAttribute("alt") || "").trim()).length,
    figuresNotLoaded: figures.filter((img) => !(img.complete && img.naturalWidth > 0)).length,
    captions: document.querySelectorAll("main figure figcaption").length,
    links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
  };
}"""


# -- the survey --------------------------------------------------------------------------------
@dataclasses.dataclass
class PageReport:
    """What the survey saw on one page (see the module docstring)."""

    page: str
    errors: list[str]
    external: list[str]
    transfers: list[tuple[str, int]]
    facts: dict
    axe: dict[str, list[dict]]  # theme -> violations
    clipped: dict[str, list[dict]]  # "1280 light" -> findings
    solution: str | None  # why the first solution did not fold and unfold, if it did not
    distorted: list[str]  # images shown at another aspect ratio on a phone

    @property
    def first_visit(self) -> int:
        return sum(size for _, size in self.transfers)

    @property
    def own_bytes(self) -> int:
        return sum(size for url, size in self.transfers if not url.startswith("/_static/"))


def _check_solution(page) -> str | None:
    """Open the page's first solution; None if it was folded and then opened."""
    solutions = page.locator(".solution.dropdown")
    if solutions.count() == 0:
        return "no solution on the page"
    first = solutions.first
    body = first.locator("section").first
    if body.is_visible():
        return "the solution is not folded away"
    first.locator(".admonition-title").click()
    try:
        body.wait_for(state="visible", timeout=5_000)
    except Exception:  # noqa: BLE001 - any failure to open is the finding
        return "clicking the title did not open the solution"
    return None


@pytest.fixture(scope="module")
def survey(browser, server, built_book) -> dict[str, PageReport]:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE.relative_to(ROOT)}: run "
                    "scripts/install_test_tools.sh (make test does)")
    axe_source = AXE.read_text()
    reports = {}
    for name in book_pages(built_book):
        visit = Visit(browser, server)
        page = visit.open(name, ready=True)
        transfers = [(url, size) for url, size in page.evaluate(WEIGHT_JS)]
        facts = page.evaluate(PAGE_FACTS_JS)
        page.add_script_tag(content=axe_source)
        axe, clipped = {}, {}
        clipped[f"{WIDE} light"] = page.evaluate(CLIPPED_JS, EXPLORER)
        axe["light"] = page.evaluate(AXE_JS, EXPLORER)
        assert page.evaluate(SET_THEME_JS, "dark") == "dark", f"{name}: no switch to dark mode"
        axe["dark"] = page.evaluate(AXE_JS, EXPLORER)
        clipped[f"{WIDE} dark"] = page.evaluate(CLIPPED_JS, EXPLORER)
        page.set_viewport_size({"width": PHONE, "height": 844})
        page.evaluate(READY_JS)  # a new layout: one more frame for book.js to mark scroll boxes
        clipped[f"{PHONE} dark"] = page.evaluate(CLIPPED_JS, EXPLORER)
        distorted = page.evaluate(ASPECT_JS)
        page.evaluate(SET_THEME_JS, "light")
        clipped[f"{PHONE} light"] = page.evaluate(CLIPPED_JS, EXPLORER)
        solution = _check_solution(page) if name.startswith("chapters/") else None
        reports[name] = PageReport(name, visit.errors, visit.external, transfers, facts, axe,
                                   clipped, solution, distorted)
        visit.close()
    return reports


def _impact_counts(violations: list[dict], explorer: bool) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for violation in violations:
        counts[violation["impact"]] += sum(1 for n in violation["nodes"] if n["explorer"] == explorer)
    return counts


IMPACTS = ("critical", "serious", "moderate", "minor")


def test_survey_pages_render_offline_without_errors(survey):
    for name, report in survey.items():
        assert report.facts["h1"], f"{name}: no visible title"
        assert report.external == [], f"{name}: requests left the machine: {report.external}"
        assert report.errors == [], f"{name}: errors in the console: {report.errors}"


def test_survey_accessibility(survey):
    """axe-core: no critical or serious finding on any page, explorers' twins included, in
    either theme; the counts per impact are printed (``pytest -s``)."""
    version = (AXE.parent / "VERSION").read_text().strip() if (AXE.parent / "VERSION").exists() else "?"
    totals = {theme: collections.Counter() for theme in ("light", "dark")}
    twins = {theme: collections.Counter() for theme in ("light", "dark")}
    failures = []
    for name, report in survey.items():
        for theme, violations in report.axe.items():
            counts = _impact_counts(violations, explorer=False)
            totals[theme].update(counts)
            twins[theme].update(_impact_counts(violations, explorer=True))
            print(f"axe {theme:5s} {name:45s} " + " ".join(f"{i} {counts[i]}" for i in IMPACTS))
            for violation in violations:
                for node in violation["nodes"]:
                    where = "explorer twin" if node["explorer"] else "page"
                    line = (f"{name} [{theme}] {violation['impact']} {violation['id']} ({where}): "
                            f"{node['target']} {node['html'][:100]}")
                    if violation["impact"] in ("critical", "serious"):
                        failures.append(line)  # on the page or in an explorer's twin
                    elif node["explorer"]:
                        print("  twin finding:", line)
    summary = " | ".join(
        f"{theme}: " + ", ".join(f"{i} {totals[theme][i]}" for i in IMPACTS)
        + f" (explorer twins: {sum(twins[theme].values())})" for theme in totals)
    print(f"axe-core {version} on {len(survey)} pages: {summary}")
    assert not failures, "critical or serious accessibility findings:\n" + "\n".join(failures)


def test_survey_nothing_is_clipped(survey):
    """At 1280 and 390 px, light and dark: wide content scrolls visibly or wraps, never cut."""
    failures = []
    for name, report in survey.items():
        for view, findings in report.clipped.items():
            for finding in findings:
                line = (f"{name} @ {view}: {finding['kind']}: {finding['where']} "
                        f"({finding['content']} px of content in {finding['box']} px) "
                        f"{finding['text']!r}")
                failures.append(line)
    assert not failures, "content cut off:\n" + "\n".join(failures)


def test_survey_figures_keep_their_shape_on_a_phone(survey):
    """At 390 px a figure shrinks to the column and its height follows (not stretched)."""
    distorted = [f"{name}: {item}" for name, report in survey.items() for item in report.distorted]
    assert distorted == [], "figures stretched on a phone:\n" + "\n".join(distorted)


def test_survey_page_weight(survey):
    """First visit of a chapter < FIRST_VISIT_BUDGET; every page's own bytes < OWN_BYTES_BUDGET."""
    failures = []
    for name, report in survey.items():
        largest = sorted(report.transfers, key=lambda item: -item[1])[:3]
        print(f"weight {name:45s} first visit {report.first_visit / 1e6:5.2f} MB, "
              f"own {report.own_bytes / 1e6:5.2f} MB; largest: "
              + ", ".join(f"{url.split('?')[0].rsplit('/', 1)[-1]} {size / 1e3:.0f} kB"
                          for url, size in largest))
        if name.startswith("chapters/") and report.first_visit >= FIRST_VISIT_BUDGET:
            failures.append(f"{name}: first visit {report.first_visit / 1e6:.2f} MB")
        if report.own_bytes >= OWN_BYTES_BUDGET:
            failures.append(f"{name}: own bytes {report.own_bytes / 1e6:.2f} MB")
    assert not failures, "over budget: " + "; ".join(failures)


@pytest.mark.parametrize("name", CHAPTERS)
def test_survey_chapter_math_is_typeset(survey, name):
    facts = survey[f"chapters/{name}.html"].facts
    assert facts["mathContainers"] > 0, "no typeset math"
    assert facts["mathContainers"] >= facts["mathSources"], "some math was not typeset"
    assert facts["mathErrors"] == 0, "MathJax reported TeX errors"


@pytest.mark.parametrize("name", CHAPTERS)
def test_survey_chapter_has_colab_launch_button(survey, name):
    config = (ROOT / "_config.yml").read_text()
    repository = re.search(r"^repository:\n\s+url:\s*https://github\.com/(\S+)", config, re.M)
    assert repository, "_config.yml has no repository.url"
    expected = (f"https://colab.research.google.com/github/{repository.group(1)}"
                f"/blob/main/chapters/{name}.ipynb")
    assert survey[f"chapters/{name}.html"].facts["links"].count(expected) == 1


@pytest.mark.parametrize("name", CHAPTERS)
def test_survey_solutions_are_hidden_until_opened(survey, name):
    assert survey[f"chapters/{name}.html"].solution is None, survey[f"chapters/{name}.html"].solution


@pytest.mark.parametrize("name", CHAPTERS)
def test_survey_figures_have_alt_text_and_captions(survey, name):
    facts = survey[f"chapters/{name}.html"].facts
    assert facts["figures"] > 0
    assert facts["figuresWithoutAlt"] == 0, "figure without alt text"
    assert facts["figuresNotLoaded"] == 0, "image did not load"
    assert facts["captions"] == facts["figures"]


# -- layout details ----------------------------------------------------------------------------
def test_one_search_field_and_sidebar_titles_inside_the_sidebar(visit):
    """At 1280 px: no header bar of its own with a second search field; part titles clear of
    the sidebar's border."""
    page = visit.open("chapters/01_attention_has_no_order.html", ready=True)
    visible_fields = [box for box in page.locator(".search-button-field").all() if box.is_visible()]
    assert len(visible_fields) == 1, f"{len(visible_fields)} search fields are visible"
    header = page.locator("#pst-header")
    assert header.count() == 0 or not header.is_visible() or header.bounding_box()["height"] < 1
    sidebar = page.locator("#pst-primary-sidebar").bounding_box()
    for caption in page.locator("nav.bd-links p.caption .caption-text").all():
        box = caption.bounding_box()
        assert box["x"] + box["width"] <= sidebar["x"] + sidebar["width"] - 8, (
            f"{caption.inner_text()!r} runs into the sidebar's border")
    assert visit.errors == []


def test_bibliography_urls_are_links(visit):
    page = visit.open("bibliography.html")
    unlinked = page.evaluate("""() => {
      const walker = document.createTreeWalker(document.querySelector(".citation-list"), NodeFilter.SHOW_TEXT);
      const found = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode())
        if (/https?:\\/\\/|arXiv:\\d/.test(node.textContent) && !node.parentElement.closest("a"))
          found.push(node.textContent.trim());
      return found;
    }""")
    assert unlinked == [], f"URLs or arXiv ids that are not links: {unlinked}"
    assert page.locator('.citation-list a[href^="https://arxiv.org/abs/"]').count() > 10


# -- search ------------------------------------------------------------------------------------
def _search(page, root: str, query: str) -> list[dict]:
    page.goto(f"{root}/search.html?q={quote(query)}")
    page.wait_for_selector("#search-results .search-summary:not(:empty)", timeout=15_000)
    return page.evaluate("""() => [...document.querySelectorAll("ul.search > li")].map((li) => ({
        href: li.querySelector("a").getAttribute("href"),
        title: li.querySelector("a").textContent,
        snippet: li.querySelector("p.context") ? li.querySelector("p.context").textContent : "",
        marked: [...li.querySelectorAll("p.context .highlighted")].map((m) => m.textContent)}))""")


@pytest.mark.parametrize("over", ["http", "file"])
def test_search_finds_sections_with_snippets(browser, server, built_book, over):
    """"YaRN" leads first to the section on YaRN in chapter 9 (9.3.4), "rotate_half" to chapters 6
    and 11;
    results are sections, each listed once, with a snippet that shows the word; no console error,
    on http and file://."""
    visit = Visit(browser, server)
    root = server if over == "http" else built_book.resolve().as_uri()
    try:
        results = _search(visit.page, root, "YaRN")
        assert results, "no result for YaRN"
        first = results[0]  # the section on YaRN (9.3.4 when this was written), not a page
        assert "chapters/09_longer_contexts.html#" in first["href"], first
        assert re.match(r"9\.\d+\.\d+ .*YaRN", first["title"]), first["title"]
        hrefs = [r["href"] for r in results]
        assert len(hrefs) == len(set(hrefs)), "a result is listed twice"
        assert any("#" in href for href in hrefs[1:]), "results are whole pages, not sections"
        for result in results[:5]:
            assert result["snippet"], f"no snippet: {result}"
            assert ("yarn" in result["title"].lower()
                    or "yarn" in " ".join(result["marked"]).lower()), f"the word is not shown: {result}"

        # chapter 6 implements it, chapter 11 compares it across stacks: both come early
        results = _search(visit.page, root, "rotate_half")
        first = [r["href"] for r in results[:8]]
        chapter6 = [r for r in results[:8] if "chapters/06_rope_in_code.html" in r["href"]]
        assert chapter6, f"chapter 6 is not among the first results: {first}"
        assert any("chapters/11_rope_in_real_models.html" in href for href in first), first
        assert "rotate_half" in chapter6[0]["snippet"]
        assert visit.errors == [], visit.errors
        assert visit.external == []
    finally:
        visit.close()


# -- bibliography ------------------------------------------------------------------------------
def test_bibliography_lists_every_cited_work(visit):
    sys.path.insert(0, str(ROOT / "_ext"))
    import plain_notebooks

    bibliography = plain_notebooks.load_bibliography()
    cited: set[str] = set()
    for name in CHAPTERS:
        notebook = json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text())
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                cited.update(plain_notebooks.cited_keys("".join(cell["source"])))
    assert cited, "no chapter cites anything"
    bib = (ROOT / "references.bib").read_text()
    titles = dict(re.findall(r"@\w+\{([^,]+),\s*\n\s*title\s*=\s*\{(.+)\},", bib))
    text = visit.open("bibliography.html").locator("main").inner_text()

    def letters(value: str) -> str:  # the style may change case, quotes and TeX markup
        return re.sub(r"[^0-9a-z]", "", plain_notebooks._latex_to_text(value).lower())

    page = letters(text)
    for key in sorted(cited):
        assert key in bibliography and key in titles, f"{key} is cited but not in references.bib"
        assert letters(titles[key])[:30] in page, f"{key} ({titles[key]}) is not on the page"


# -- explorers: the static twins respond to their sliders with no kernel ---------------------
EXPLORER_PAGE = "chapters/05_rope_from_first_principles.html"


def twin_state(explorer) -> dict:
    return json.loads(explorer.get_attribute("data-state"))


def arrow_angle(line) -> float:
    """Angle of an SVG line from (x1, y1) to (x2, y2), in the usual y-up convention."""
    x1, y1, x2, y2 = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
    return math.atan2(-(y2 - y1), x2 - x1)


def test_rotation_twin_moves_with_its_sliders(visit):
    import ropeviz as rv
    from ropeviz.explorers import RotationExplorer

    page = visit.open(EXPLORER_PAGE)
    explorer = page.locator('.ropeviz-explorer[data-kind="rotation"]').first
    explorer.scroll_into_view_if_needed()
    state = twin_state(explorer)
    python = RotationExplorer(head_dim=state["head_dim"], base=state["base"],
                              position=state["position"], pair=state["pair"])
    assert state["readout"] == python.readout(), "twin and Python disagree on the numbers"
    before = explorer.locator(".ropeviz-canvas").screenshot()

    explorer.locator('input[name="position"]').fill("1234")
    state = twin_state(explorer)
    assert state["position"] == 1234
    theta = rv.inv_frequencies(state["head_dim"], state["base"])
    assert state["angle"] == pytest.approx(1234 * theta[state["pair"]], rel=1e-12)
    after_position = explorer.locator(".ropeviz-canvas").screenshot()
    assert after_position != before, "moving the position slider did not redraw"

    pair = explorer.locator('input[name="pair"]')
    pair.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    new_pair = state["pair"] + 3
    state = twin_state(explorer)
    assert state["pair"] == new_pair
    assert state["theta"] == pytest.approx(theta[new_pair], rel=1e-12)
    assert explorer.locator(".ropeviz-canvas").screenshot() != after_position

    # The drawn arrow turns by m * theta_i from the dashed one, as the Python figure does.
    start = arrow_angle(explorer.locator("line.start-arrow"))
    end = arrow_angle(explorer.locator("line.end-arrow"))
    turned = (end - start) % (2 * math.pi)
    assert turned == pytest.approx(state["turn"], abs=1e-3) or abs(turned - state["turn"]) > 6.2
    python.update(position=1234, pair=new_pair)
    assert state["readout"] == python.readout()

    # Head dim and base are sliders too: the clock grid follows the head dim.
    head_dim = explorer.locator('input[name="head_dim"]')
    head_dim.fill("1")  # index 1 of the options: head dim 4
    state = twin_state(explorer)
    assert state["head_dim"] == 4 and state["pair"] <= 1
    assert explorer.locator("g.hands line").count() == 2
    assert visit.external == [] and visit.errors == []


def test_relative_twin_depends_only_on_the_difference(visit):
    from ropeviz.explorers import RelativeExplorer

    page = visit.open(EXPLORER_PAGE)
    explorer = page.locator('.ropeviz-explorer[data-kind="relative"]').first
    explorer.scroll_into_view_if_needed()
    query = explorer.locator('input[name="query_position"]')
    key = explorer.locator('input[name="key_position"]')
    query.fill("300")
    key.fill("100")
    first = twin_state(explorer)
    marker = explorer.locator("circle.score-marker")

    def marker_position():
        return (float(marker.get_attribute("cx")), float(marker.get_attribute("cy")))

    marker_at = marker_position()
    query.fill("450")
    key.fill("250")
    second = twin_state(explorer)
    assert second["relative"] == first["relative"] == 200
    assert second["score"] == pytest.approx(first["score"], rel=1e-9)
    assert marker_position() == pytest.approx(marker_at, abs=1e-6)
    python = RelativeExplorer(head_dim=64, query_position=450, key_position=250,
                              max_position=512)
    assert second["score"] == pytest.approx(python.score(), rel=1e-6)
    key.focus()
    page.keyboard.press("ArrowLeft")
    third = twin_state(explorer)
    assert third["relative"] == 201 and third["score"] != pytest.approx(first["score"])
    assert marker_position() != pytest.approx(marker_at, abs=1e-3)
    assert visit.external == [] and visit.errors == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_twin_responds_to_every_slider(visit, name):
    """Each static twin on the page redraws when any of its sliders moves (keyboard and fill)."""
    page = visit.open(f"chapters/{name}.html")
    explorers = page.locator(".ropeviz-explorer")
    for index in range(explorers.count()):
        explorer = explorers.nth(index)
        explorer.scroll_into_view_if_needed()
        kind = explorer.get_attribute("data-kind")
        inputs = explorer.locator('input[type="range"]')
        assert inputs.count() > 0, f"{kind}: no sliders"
        for slot in range(inputs.count()):
            slider = inputs.nth(slot)
            name_ = slider.get_attribute("name")
            low, high = int(slider.get_attribute("min")), int(slider.get_attribute("max"))
            if low == high:
                continue
            state = json.loads(explorer.get_attribute("data-state"))
            drawing = explorer.locator(".ropeviz-canvas").first.screenshot()
            value = int(slider.input_value())
            target = low if value != low else high
            slider.focus()
            page.keyboard.press("Home" if target == low else "End")
            moved = json.loads(explorer.get_attribute("data-state"))
            assert moved[name_] != state[name_], f"{kind}.{name_}: keyboard did not move it"
            assert explorer.locator(".ropeviz-canvas").first.screenshot() != drawing, (
                f"{kind}.{name_}: the drawing did not change"
            )
            slider.fill(str(value))
            back = json.loads(explorer.get_attribute("data-state"))
            assert back[name_] == state[name_], f"{kind}.{name_}: fill did not restore it"
    assert visit.external == [] and visit.errors == []


def test_every_icon_on_the_pages_is_in_the_subset_fonts(built_book):
    """The icon fonts are cut to size (scripts/vendor_icons.py): every ``fa-*`` icon the pages
    use, and every glyph the stylesheets draw, must still be in them."""
    from fontTools.ttLib import TTFont

    sys.path.insert(0, str(ROOT / "scripts"))
    import vendor_icons

    static = built_book / "_static"
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text()
    css += "".join(path.read_text() for path in static.glob("*.css"))
    table, from_css = vendor_icons._codepoints(css)
    used = set()
    for page in built_book.rglob("*.html"):
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', page.read_text(encoding="utf-8")):
            used |= {name for name in classes.split() if name in table}
    assert used, "no icon found on the pages"
    available = set()
    for font in (static / "book-icons").glob("*.woff"):
        available |= set(TTFont(font).getBestCmap())
    missing = sorted(name for name in used if table[name] not in available)
    assert not missing, f"icons missing from the subset fonts: {missing}"
    assert not sorted(hex(c) for c in from_css - available), "glyphs of the stylesheets missing"
