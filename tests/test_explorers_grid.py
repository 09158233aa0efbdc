"""The patch-grid explorer (2-D RoPE): state, artists, the relative property, and its twin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from ropeviz.explorers import GridExplorer
from ropeviz.explorers.grid import ANGLES, grid_frequencies, offset_scores
from ropeviz.multidim import axial_rope_2d, mixed_rope_2d, patch_positions


@pytest.fixture(scope="module")
def grid():
    return GridExplorer(height=8, width=10, head_dim=16, query_x=3, query_y=2)


@pytest.fixture
def explorer(grid):
    grid.update(query_x=3, query_y=2, angle=0)
    return grid


# -- the numbers -------------------------------------------------------------------------------
@pytest.mark.parametrize("angle", ANGLES)
def test_score_map_is_the_rope_score_of_rotated_vectors(angle):
    H, W, d = 5, 6, 16
    freqs = grid_frequencies(d, 100.0, angle)
    q = np.tile([1.0, 0.0], d // 2)
    xy = patch_positions(H, W)
    rotated = mixed_rope_2d(np.broadcast_to(q, (H * W, d)), xy, freqs)
    if angle == 0:
        np.testing.assert_allclose(rotated, axial_rope_2d(np.broadcast_to(q, (H * W, d)), xy))
    scores = rotated @ rotated.T  # scores[query, key]
    table = offset_scores(freqs, H, W)
    for query in (0, 7, H * W - 1):
        for key in range(H * W):
            dx, dy = xy[key] - xy[query]
            assert scores[query, key] == pytest.approx(table[dy + H - 1, dx + W - 1], abs=1e-9)


def test_axial_map_is_additive_and_mixed_is_not():
    def interaction(table):
        return table - table.mean(0) - table.mean(1)[:, None] + table.mean()

    axial = offset_scores(grid_frequencies(32, 100.0, 0), 12, 12)
    diagonal = offset_scores(grid_frequencies(32, 100.0, 45), 12, 12)
    assert np.abs(interaction(axial)).max() < 1e-12  # f(dx) + g(dy)
    assert np.abs(interaction(diagonal)).max() > 1.0


@pytest.mark.parametrize("qx, qy", [(0, 0), (9, 7), (3, 2), (5, 6)])
def test_weights_are_the_softmax_of_the_boxed_map(explorer, qx, qy):
    explorer.update(query_x=qx, query_y=qy, angle=30)
    table = explorer.maps[30]
    window = np.array([[table[y - qy + 7, x - qx + 9] for x in range(10)] for y in range(8)])
    np.testing.assert_allclose(explorer.window(), window)
    logits = window / explorer.temperature
    expected = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(explorer.weights(), expected, rtol=1e-12)
    np.testing.assert_allclose(explorer._weights_image.get_array(), expected, rtol=1e-12)


def test_same_offset_same_score_wherever_the_query_is(explorer):
    for angle in (0, 45):
        explorer.update(angle=angle)
        first = explorer.window(query_x=1, query_y=1)[1 + 3, 1 + 4]  # key 4 right, 3 down
        second = explorer.window(query_x=5, query_y=4)[4 + 3, 5 + 4]
        assert first == second


def test_boxes_follow_the_query(explorer):
    explorer.update(query_x=7, query_y=5)
    assert tuple(explorer._query_box.get_xy()) == (6.5, 4.5)
    assert tuple(explorer._window_box.get_xy()) == (-7.5, -5.5)
    assert (explorer._window_box.get_width(), explorer._window_box.get_height()) == (10, 8)


def test_angle_changes_the_map_image(explorer):
    explorer.update(angle=60)
    np.testing.assert_array_equal(explorer._map_image.get_array(), explorer.maps[60])
    explorer.update(angle=0)
    np.testing.assert_array_equal(explorer._map_image.get_array(), explorer.maps[0])


def test_strongest_other_breaks_ties_in_raster_order(explorer):
    explorer.update(query_x=4, query_y=4, angle=0)
    x, y, weight = explorer.strongest_other()
    assert (x, y) == (4, 3)  # (3, 4), (5, 4) and (4, 5) tie with it by symmetry
    assert weight == pytest.approx(explorer.weights()[5, 4], rel=1e-12)


def test_readout(explorer):
    explorer.update(query_x=2, query_y=6, angle=15)
    text = explorer.readout()
    assert text.startswith("query patch (x, y) = (2, 6); \u03c6 = 15\u00b0 (mixed")
    assert f"attention on itself {explorer.weights()[6, 2]:.3f}" in text
    assert "box: \u0394x from -2 to 7, \u0394y from -6 to 1" in text
    assert "s(0, 0) = 8 for every query" in text
    assert max(len(line) for line in text.splitlines()) < 80


def test_updates_only_blit(explorer):
    background = explorer._background
    before = explorer.png()
    explorer.update(query_x=0, query_y=7, angle=90)
    assert explorer._background is background
    assert explorer.png() != before


def test_sliders_drive_the_view():
    explorer = GridExplorer(height=4, width=4, head_dim=8)
    explorer.widget
    sliders = explorer._sliders
    before = explorer._png_view.value
    sliders["query_x"].value = 0
    assert explorer.state["query_x"] == 0 and explorer._png_view.value != before
    explorer.update(query_y=3)
    assert sliders["query_y"].value == 3


@pytest.mark.parametrize("kwargs", [{"height": 1, "width": 1, "head_dim": 4},
                                    {"height": 32, "width": 2, "head_dim": 64, "base": 10_000.0},
                                    {"height": 3, "width": 5, "temperature": 0.1}])
def test_extremes_draw(kwargs):
    explorer = GridExplorer(**kwargs)
    for angle in ANGLES:
        explorer.update(angle=angle)
    assert explorer.png().startswith(b"\x89PNG")
    assert np.isfinite(explorer.weights()).all()


@pytest.mark.parametrize("kwargs, name", [
    ({"height": 0}, "height"), ({"width": 33}, "width"), ({"height": 2.0}, "height"),
    ({"head_dim": 6}, "head_dim"), ({"head_dim": 7}, "head_dim"), ({"base": 0.0}, "base"),
    ({"temperature": -1.0}, "temperature"), ({"query_x": 12}, "query_x"),
    ({"query_y": -1}, "query_y"), ({"angle": 10}, "angle"),
])
def test_bad_constructor_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        GridExplorer(**kwargs)


@pytest.mark.parametrize("values, name", [
    ({"query_x": 10}, "query_x"), ({"query_y": 1.5}, "query_y"), ({"angle": 20}, "angle"),
    ({"pair": 1}, "unknown control"),
])
def test_bad_updates_keep_the_state(explorer, values, name):
    before = dict(explorer.state)
    with pytest.raises(ValueError, match=name):
        explorer.update(**values)
    assert explorer.state == before


# -- the static twin ---------------------------------------------------------------------------
def test_static_html_is_deterministic_and_light():
    first, second = GridExplorer(query_x=2, angle=45), GridExplorer(query_x=2, angle=45)
    a, b = first.static_html(), second.static_html()
    assert a.replace(first.element_id, "ID") == b.replace(second.element_id, "ID")
    assert re.fullmatch(r"ropeviz-grid-\d+", first.element_id)
    assert len(a.encode()) < 60_000
    assert "https://" not in a and "http://" not in a.replace("http://www.w3.org/2000/svg", "")
    assert 'name="angle" min="0" max="6" value="3"' in a
    assert 'name="query_x" min="0" max="11" value="2"' in a
    bundle = first._repr_mimebundle_()
    assert bundle["text/html"] == a and bundle["text/plain"] == repr(first)
    assert repr(first) == "GridExplorer(query_x=2, query_y=6, angle=45)"


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_twin_responds_to_both_sliders(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium: run "
                    "scripts/install_test_tools.sh (make test does), or deselect with -m 'not browser'")
    from playwright.sync_api import sync_playwright

    explorer = GridExplorer(query_x=6, query_y=6)
    page_file = tmp_path / "twin.html"
    page_file.write_text(f"<!doctype html><html><body>{explorer.static_html()}</body></html>",
                         encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_file.as_uri())
        root = page.locator(".ropeviz-explorer").first

        def state():
            return json.loads(root.get_attribute("data-state"))

        assert state()["readout"] == explorer.readout()
        before = root.locator(".ropeviz-canvas").screenshot()
        box_before = root.locator("rect.window-box").get_attribute("x")
        page.locator('input[name="query_x"]').fill("2")
        page.locator('input[name="query_y"]').focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        explorer.update(query_x=2, query_y=4)
        assert state()["readout"] == explorer.readout()
        assert root.locator("rect.window-box").get_attribute("x") != box_before
        cells = root.locator("rect.weight")
        assert cells.count() == 144
        weights = np.array([float(cells.nth(n).get_attribute("data-weight")) for n in range(144)])
        np.testing.assert_allclose(weights.reshape(12, 12), explorer.weights(), rtol=1e-9)
        page.locator('input[name="angle"]').fill("3")  # index 3 of ANGLES: 45 degrees
        explorer.update(angle=45)
        assert state()["readout"] == explorer.readout()
        assert state()["strongest"] == list(explorer.strongest_other()[:2])
        assert root.locator(".ropeviz-canvas").screenshot() != before
        assert errors == []
        browser.close()
