"""Every explorer's static twin, opened on its own in Debian's Chromium, as a reader meets it.

Each twin is loaded into a plain page (no kernel, no network) at 1280 and 390 CSS px, in the
light theme and in the dark one (``data-theme="dark"`` on ``<html>``, as the book's
pydata/sphinx-book theme sets it). The tests move every slider by keyboard, by ``fill``,
through its number box and with the mouse (a click and a drag on the track) and compare the
twin's readout with the Python explorer moved the same way; measure rendered text sizes (at
least 12 CSS px), the readout's contrast (at least 4.5:1) and that no text leaves its panel at
any slider's ends; check the accessible names and values; run the play buttons, also with
reduced motion; and save screenshots to ``_screens/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ropeviz.explorers import (
    BinarySinusoidalExplorer,
    Explorer,
    GridExplorer,
    ModelScalingExplorer,
    PairingExplorer,
    PhaseExplorer,
    RelativeExplorer,
    RotationExplorer,
    ScalingExplorer,
    ScoreDistanceExplorer,
    SinusoidalExplorer,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "_screens"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# The explorers as the chapters show them.
EXPLORERS: dict[str, Callable[[], Explorer]] = {
    "binary": lambda: BinarySinusoidalExplorer(bits=8, num_positions=256, position=31),
    "sinusoidal": lambda: SinusoidalExplorer(dim=64, num_positions=256, position=10, offset=5, pair=2),
    "rotation": lambda: RotationExplorer(head_dim=128, position=100, pair=3),
    "relative": lambda: RelativeExplorer(head_dim=64, query_position=300, key_position=100),
    "pairing": lambda: PairingExplorer(head_dim=16, dim=5),
    "score-distance": lambda: ScoreDistanceExplorer(head_dim=128, p=0.75),
    "phase": lambda: PhaseExplorer(),
    "scaling": lambda: ScalingExplorer(),
    "model-scaling": lambda: ModelScalingExplorer(),
    "grid": lambda: GridExplorer(height=12, width=12, head_dim=32, base=100.0, query_x=3, query_y=4),
}

PAGE = """<!doctype html><html lang="en" data-theme="{theme}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>twin</title>
<style>body{{margin:0;padding:12px 16px;font-family:sans-serif;background:{bg};color:{fg}}}
main{{max-width:46rem;margin:0 auto}}</style></head><body><main>{html}</main></body></html>"""
THEMES = {"light": ("#ffffff", "#222222"), "dark": ("#121212", "#ced6dd")}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium: run "
                    "scripts/install_test_tools.sh (make test does), or deselect with -m 'not browser'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """One HTML file per explorer and theme (the twin is the same; only the page differs)."""
    folder = tmp_path_factory.mktemp("twins")
    files = {}
    for kind, make in EXPLORERS.items():
        html = make().static_html()
        for theme, (bg, fg) in THEMES.items():
            path = folder / f"{kind}-{theme}.html"
            path.write_text(PAGE.format(theme=theme, bg=bg, fg=fg, html=html), encoding="utf-8")
            files[kind, theme] = path
    return files


class Twin:
    """A twin opened in a page, with every error recorded and every off-page request refused."""

    def __init__(self, browser, path: Path, width: int, reduced_motion: str = "no-preference"):
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           reduced_motion=reduced_motion)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(path.as_uri())
        self.root = self.page.locator(".ropeviz-explorer").first

    def _route(self, route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def state(self) -> dict:
        return json.loads(self.root.get_attribute("data-state"))

    def range(self, name: str):
        return self.root.locator(f'input[type="range"][name="{name}"]')

    def close(self) -> None:
        assert self.requests == [], f"requests left the page: {self.requests}"
        assert self.errors == [], f"script errors: {self.errors}"
        self.context.close()


def index_of(control, value) -> int:
    return control.index(value) if control.options is not None else value


def check_same(twin: Twin, python: Explorer, where: str) -> None:
    state = twin.state()
    assert {name: state[name] for name in python.state} == python.state, where
    assert state["readout"] == python.readout(), f"{where}: the twin and Python disagree"
    assert twin.root.locator(".ropeviz-readout").inner_text() == python.readout()
    for control in python.controls:
        text = twin.range(control.name).get_attribute("aria-valuetext")
        assert text == control.text(python.state[control.name]), f"{where}: {control.name}"


# -- the numbers: every slider, by keyboard, fill, number box and pointer -------------------------
@pytest.mark.parametrize("kind", EXPLORERS)
def test_every_slider_moves_the_twin_as_it_moves_python(browser, pages, kind):
    python = EXPLORERS[kind]()
    twin = Twin(browser, pages[kind, "light"], 1280)
    check_same(twin, python, "initial state")
    for control in python.controls:
        name = control.name
        slider = twin.range(name)
        low, high = int(slider.get_attribute("min")), int(slider.get_attribute("max"))

        def move(position: int, where: str) -> None:
            value = control.options[position] if control.options is not None else position
            python.update(**{name: value})
            check_same(twin, python, f"{kind}.{name} {where}")

        slider.focus()
        twin.page.keyboard.press("End")
        move(high, "End key")
        twin.page.keyboard.press("ArrowLeft")
        move(high - 1 if high > low else low, "ArrowLeft")
        twin.page.keyboard.press("Home")
        move(low, "Home key")
        twin.page.keyboard.press("ArrowRight")
        move(min(low + 1, high), "ArrowRight")
        middle = (low + high) // 2
        slider.fill(str(middle))
        move(middle, "fill")
        number = twin.root.locator(f'input.ropeviz-number[data-control="{name}"]')
        if control.options is None:
            target = max(low, high - 2)
            number.fill(str(target))
            move(target, "number box")
            number.fill(str(high + 1000))  # past the end: clamped when committed
            number.press("Enter")
            move(high, "number box past the end")
            slider.fill(str(middle))
            move(middle, "fill back")
        else:
            assert number.count() == 0
        # and by pointer: a click near the left end of the track, then a drag to near its right
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        twin.page.mouse.click(box["x"] + 0.1 * box["width"], y)
        clicked = int(slider.input_value())
        if high - low >= 2:
            assert clicked < middle, f"{kind}.{name}: a click at 10% of the track gave {clicked}"
        move(clicked, "pointer click")
        twin.page.mouse.move(box["x"] + 0.1 * box["width"], y)
        twin.page.mouse.down()
        twin.page.mouse.move(box["x"] + 0.9 * box["width"], y, steps=8)
        twin.page.mouse.up()
        dragged = int(slider.input_value())
        if high - low >= 2:
            assert dragged > middle, f"{kind}.{name}: a drag to 90% of the track gave {dragged}"
        move(dragged, "pointer drag")
    twin.close()


# -- reflow, text size, contrast, clipping, themes ---------------------------------------------
MEASURE = """(root) => {
  const out = {texts: [], html: [], clipped: []};
  for (const svg of root.querySelectorAll('svg.ropeviz-svg')) {
    const box = svg.getBoundingClientRect(), scale = svg.getScreenCTM().a;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim() || t.getAttribute('aria-hidden')) continue;
      const r = t.getBoundingClientRect(), size = parseFloat(getComputedStyle(t).fontSize) * scale;
      out.texts.push([t.textContent, size]);
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        out.clipped.push([t.textContent, [r.left - box.left, r.right - box.right, r.top - box.top, r.bottom - box.bottom]]);
    }
  }
  for (const el of root.querySelectorAll('label, output, .ropeviz-readout, .ropeviz-caption, input[type=number], button')) {
    out.html.push([el.tagName + '.' + el.className, parseFloat(getComputedStyle(el).fontSize)]);
  }
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (rgb) => { const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const readout = getComputedStyle(root.querySelector('.ropeviz-readout'));
  out.readoutContrast = ratio(parse(readout.color), parse(readout.backgroundColor));
  const caption = getComputedStyle(root.querySelector('.ropeviz-caption'));
  out.captionContrast = ratio(parse(caption.color), parse(getComputedStyle(document.body).backgroundColor));
  const label = getComputedStyle(root.querySelector('.ropeviz-control label'));
  out.labelContrast = ratio(parse(label.color), parse(getComputedStyle(document.body).backgroundColor));
  const panel = root.querySelector('.ropeviz-panel');
  const tick = root.querySelector('svg .rv-tick');
  out.tickContrast = tick ? ratio(parse(getComputedStyle(tick).fill), parse(getComputedStyle(panel).backgroundColor)) : 99;
  out.panels = [...root.querySelectorAll('.ropeviz-panel')].map((p) => { const r = p.getBoundingClientRect(); return [r.left, r.top, r.width]; });
  out.canvasWidth = root.querySelector('.ropeviz-canvas').getBoundingClientRect().width;
  out.overflow = root.scrollWidth - root.clientWidth;
  out.pageOverflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  return out;
}"""


def check_layout(twin: Twin, width: int, where: str) -> dict:
    m = twin.root.evaluate(MEASURE)
    small = [(text, round(size, 1)) for text, size in m["texts"] if size < 12 - 1e-6]
    assert not small, f"{where}: SVG text under 12 CSS px: {small[:5]}"
    small = [(tag, size) for tag, size in m["html"] if size < 12 - 1e-6]
    assert not small, f"{where}: text under 12 CSS px: {small[:5]}"
    assert not m["clipped"], f"{where}: text outside its panel: {m['clipped'][:5]}"
    assert m["readoutContrast"] >= 4.5, f"{where}: readout contrast {m['readoutContrast']:.2f}"
    assert m["captionContrast"] >= 4.5, f"{where}: caption contrast {m['captionContrast']:.2f}"
    assert m["labelContrast"] >= 4.5, f"{where}: label contrast {m['labelContrast']:.2f}"
    assert m["tickContrast"] >= 4.5, f"{where}: tick label contrast {m['tickContrast']:.2f}"
    assert m["overflow"] <= 0 and m["pageOverflow"] <= 0, f"{where}: wider than the page"
    if width <= 500:  # a phone: the panels stack, each as wide as the explorer
        assert all(w >= 0.95 * m["canvasWidth"] for _, _, w in m["panels"]), where
    else:  # a desktop: the first two panels side by side
        assert m["panels"][1][1] == pytest.approx(m["panels"][0][1], abs=1), where
    return m


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("kind", EXPLORERS)
def test_twin_reads_well_at_every_width_and_theme(browser, pages, kind, width, theme):
    twin = Twin(browser, pages[kind, theme], width)
    where = f"{kind} at {width} px, {theme}"
    check_layout(twin, width, where)
    SCREENS.mkdir(exist_ok=True)
    twin.root.screenshot(path=str(SCREENS / f"{kind}-{width}-{theme}.png"))
    # no clipped text at either end of any slider
    if theme == "light":
        for control in EXPLORERS[kind]().controls:
            slider = twin.range(control.name)
            for key in ("End", "Home"):
                slider.focus()
                twin.page.keyboard.press(key)
                check_layout(twin, width, f"{where}, {control.name} at {key}")
    twin.close()


def test_twin_follows_a_resize(browser, pages):
    twin = Twin(browser, pages["rotation", "light"], 1280)
    before = twin.root.locator('svg[data-panel="pair"]').get_attribute("viewBox")
    twin.page.set_viewport_size({"width": 390, "height": 900})
    twin.page.wait_for_function(
        "(before) => document.querySelector('svg[data-panel=\"pair\"]').getAttribute('viewBox') !== before",
        arg=before)
    check_layout(twin, 390, "rotation after a resize to 390 px")
    assert twin.state()["readout"] == EXPLORERS["rotation"]().readout()
    twin.close()


# -- accessibility -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", EXPLORERS)
def test_controls_are_named_announced_and_reachable(browser, pages, kind):
    python = EXPLORERS[kind]()
    twin = Twin(browser, pages[kind, "light"], 1280)
    page, root = twin.page, twin.root
    readout = root.locator(".ropeviz-readout")
    assert readout.get_attribute("role") == "status" and readout.get_attribute("aria-live") == "polite"
    caption = root.locator(".ropeviz-caption").inner_text()
    for svg in root.locator("svg.ropeviz-svg").all():
        label = svg.get_attribute("aria-label")
        assert svg.get_attribute("role") == "img" and label and label not in caption
        assert svg.get_attribute("aria-describedby") == root.locator(".ropeviz-caption").get_attribute("id")
    focusable = []
    for control in python.controls:
        slider = twin.range(control.name)
        # the accessible name is the label; the announced value is the value, not an index
        assert root.locator(f'label[for="{slider.get_attribute("id")}"]').inner_text() == control.label
        assert slider.get_attribute("aria-valuetext") == control.text(python.state[control.name])
        focusable.append(slider.get_attribute("id"))
        if control.options is not None and any(isinstance(o, float) and o >= 1000 for o in control.options):
            assert "," in slider.get_attribute("aria-valuetext")  # "10,000", not "3"
    # Tab walks through every slider, number box and play button, in order
    page.locator("body").focus()
    reached = []
    for _ in range(4 * len(python.controls) + 2):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id || document.activeElement.className"))
    assert list(dict.fromkeys(r for r in reached if r in focusable)) == focusable
    for button in root.locator("button.ropeviz-play").all():
        assert button.get_attribute("aria-label").startswith("Play ")
        assert button.get_attribute("aria-pressed") == "false"
        assert button.evaluate("b => b.className") in reached
    twin.close()


PLAYED = [kind for kind, make in EXPLORERS.items() if any(c.play_ms for c in make().controls)]


@pytest.mark.parametrize("kind", PLAYED)
def test_play_animates_and_stops(browser, pages, kind):
    assert {"rotation", "sinusoidal"} <= set(PLAYED)
    python = EXPLORERS[kind]()
    control = next(c for c in python.controls if c.play_ms)
    twin = Twin(browser, pages[kind, "light"], 1280)
    button = twin.root.locator("button.ropeviz-play")
    start = twin.state()[control.name]
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    twin.page.wait_for_function(
        "([name, start]) => JSON.parse(document.querySelector('.ropeviz-explorer').dataset.state)[name] >= start + 3",
        arg=[control.name, start], timeout=10_000)
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    stopped = twin.state()[control.name]
    twin.page.wait_for_timeout(3 * control.play_ms + 100)
    assert twin.state()[control.name] == stopped
    python.update(**{control.name: stopped})
    check_same(twin, python, f"{kind} after playing")
    twin.close()


@pytest.mark.parametrize("kind", PLAYED)
def test_play_with_reduced_motion_steps_instead(browser, pages, kind):
    python = EXPLORERS[kind]()
    control = next(c for c in python.controls if c.play_ms)
    twin = Twin(browser, pages[kind, "light"], 1280, reduced_motion="reduce")
    button = twin.root.locator("button.ropeviz-play")
    assert button.get_attribute("aria-pressed") is None
    assert button.get_attribute("aria-label") == f"Step {control.label} forward by 1"
    start = twin.state()[control.name]
    button.click()
    twin.page.wait_for_timeout(3 * control.play_ms + 100)
    assert twin.state()[control.name] == start + 1  # one step, no animation
    python.update(**{control.name: start + 1})
    check_same(twin, python, f"{kind} stepped")
    twin.close()


def test_twin_sizes_are_small():
    sizes = {kind: len(make().static_html().encode()) for kind, make in EXPLORERS.items()}
    assert all(size < 150_000 for size in sizes.values()), sizes
    assert not any(re.search(r"widget-state|application/vnd.jupyter.widget-state", make().static_html())
                   for make in EXPLORERS.values())
