"""The built HTML book, opened in Debian's Chromium: pages render offline and read as intended.

The book is (re)built with warnings as errors (incremental: unchanged notebooks come from the
execution cache), served from ``_build/html`` on 127.0.0.1, and opened with Playwright driving
``/usr/bin/chromium``. Every request that would leave the machine is recorded and refused, and
the tests assert there were none. A missing Chromium fails these tests: install it with
``scripts/install_test_tools.sh`` (``make test`` does), or deselect them with ``-m "not browser"``.
"""

from __future__ import annotations

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
from urllib.parse import urlparse

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
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb")
                  if not os.environ.get("ROPEBOOK_TEST_TOC")
                  or f"chapters/{p.stem}" in Path(os.environ["ROPEBOOK_TEST_TOC"]).read_text())
PAGE_BUDGET_BYTES = 2 * 1024 * 1024

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def built_book() -> Path:
    subprocess.run(["bash", str(ROOT / "scripts" / "vendor_mathjax.sh")], cwd=ROOT, check=True,
                   capture_output=True)
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
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Jupyter Book 1 writes sphinx-thebe's inline configuration script twice into every page, so
# the second copy fails with a redeclaration error. Thebe is off in this book; nothing else on
# the page depends on it. Every other page error fails the tests.
KNOWN_THEME_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)


class Visit:
    """A page opened on the local server, with every off-machine request refused and recorded."""

    def __init__(self, browser, server: str):
        self.server = server
        self.external: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", self._page_error)

    def _page_error(self, error) -> None:
        if not any(known in str(error) for known in KNOWN_THEME_ERRORS):
            self.errors.append(str(error))

    def _route(self, route) -> None:
        url = route.request.url
        if urlparse(url).netloc == urlparse(self.server).netloc or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def open(self, path: str):
        self.page.goto(f"{self.server}/{path}")
        self.page.wait_for_load_state("networkidle")
        return self.page


@pytest.fixture
def visit(browser, server) -> Iterator[Visit]:
    session = Visit(browser, server)
    yield session
    session.context.close()


@pytest.mark.parametrize("page", ["intro.html", "bibliography.html",
                                  *[f"chapters/{name}.html" for name in CHAPTERS]])
def test_page_renders_offline(visit, page):
    opened = visit.open(page)
    assert opened.locator("article h1").first.is_visible()
    assert visit.external == [], f"requests left the machine: {visit.external}"
    assert visit.errors == [], f"script errors on the page: {visit.errors}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_math_is_typeset(visit, name):
    page = visit.open(f"chapters/{name}.html")
    page.wait_for_selector("mjx-container", state="attached", timeout=15_000)
    assert page.locator("mjx-container").count() > 0
    assert page.locator(".math").count() == 0 or page.locator("mjx-container").count() > 0
    assert visit.external == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_colab_launch_button(visit, name):
    config = (ROOT / "_config.yml").read_text()
    repository = re.search(r"^repository:\n\s+url:\s*https://github\.com/(\S+)", config, re.M)
    assert repository, "_config.yml has no repository.url"
    expected = (f"https://colab.research.google.com/github/{repository.group(1)}"
                f"/blob/main/chapters/{name}.ipynb")
    page = visit.open(f"chapters/{name}.html")
    assert page.locator(f'a[href="{expected}"]').count() == 1


@pytest.mark.parametrize("name", CHAPTERS)
def test_solutions_are_hidden_until_opened(visit, name):
    page = visit.open(f"chapters/{name}.html")
    solutions = page.locator(".solution.dropdown")
    assert solutions.count() > 0
    first = solutions.first
    body = first.locator("section").first
    assert not body.is_visible(), "solution content should be folded away"
    first.locator(".admonition-title").click()
    body.wait_for(state="visible", timeout=5_000)


@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_have_alt_text_and_captions(visit, name):
    page = visit.open(f"chapters/{name}.html")
    images = page.locator("main figure img")
    assert images.count() > 0
    for index in range(images.count()):
        image = images.nth(index)
        assert (image.get_attribute("alt") or "").strip(), "figure without alt text"
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "image did not load"
    assert page.locator("main figure figcaption").count() == images.count()


@pytest.mark.parametrize("name", CHAPTERS)
def test_page_weight_under_budget(built_book, name):
    html_path = built_book / "chapters" / f"{name}.html"
    html = html_path.read_text(encoding="utf-8")
    total = html_path.stat().st_size
    for src in set(re.findall(r'<img[^>]+src="\.\./(_images/[^"]+)"', html)):
        total += (built_book / src).stat().st_size
    assert total < PAGE_BUDGET_BYTES, f"{name}: {total / 1e6:.2f} MB of HTML and images"


def test_bibliography_lists_every_cited_work(visit):
    bib = (ROOT / "references.bib").read_text()
    titles = dict(re.findall(r"@\w+\{([^,]+),\s*\n\s*title\s*=\s*\{(.+)\},", bib))
    cited = set()
    for name in CHAPTERS:
        for cell in json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text())["cells"]:
            for keys in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", "".join(cell["source"])):
                cited.update(key.strip() for key in keys.split(","))
    assert cited, "no chapter cites anything"
    text = visit.open("bibliography.html").locator("main").inner_text()
    for key in sorted(cited):
        assert key in titles, f"{key} is cited but not in references.bib"
        plain = re.sub(r"[{}\\]", "", titles[key])
        # The bibliography style may change a title's case; compare without it.
        assert plain[:40].lower() in text.lower(), f"{key} ({plain}) is not on the page"


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
