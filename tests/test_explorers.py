"""The rotation and relative-position explorers: state, artists, live view and static twin."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ropeviz as rv
from ropeviz.explorers import RelativeExplorer, RotationExplorer
from ropeviz.explorers.rotation import clock_centres

from conftest import twin_config

TWO_PI = 2 * np.pi


def angle_of(vector) -> float:
    return float(np.arctan2(vector[1], vector[0]))


def wrapped_difference(a: float, b: float) -> float:
    """a - b as an angle in (-pi, pi]."""
    return float((a - b + np.pi) % TWO_PI - np.pi)


# -- RotationExplorer ------------------------------------------------------------------------
@pytest.mark.parametrize("position, pair", [(0, 0), (1, 0), (100, 3), (4096, 31), (2048, 17)])
def test_rotated_arrow_turns_by_m_theta(position, pair):
    explorer = RotationExplorer(head_dim=64)
    explorer.update(position=position, pair=pair)
    start = angle_of(explorer._start_arrow._posA_posB[1])
    end = angle_of(explorer._end_arrow._posA_posB[1])
    expected = position * rv.inv_frequencies(64)[pair]
    assert wrapped_difference(end - start, expected) == pytest.approx(0.0, abs=1e-9)


def test_start_arrow_is_the_queries_pair():
    explorer = RotationExplorer(head_dim=16, pairing="half", seed=3)
    explorer.update(pair=5)
    query = np.random.default_rng(3).normal(size=16)
    start = angle_of(explorer._start_arrow._posA_posB[1])
    assert start == pytest.approx(np.arctan2(query[5 + 8], query[5]))


def test_clock_hands_show_every_pairs_angle():
    explorer = RotationExplorer(head_dim=32, base=500_000.0, position=777)
    segments = np.array(explorer._hands.get_segments())
    assert segments.shape == (16, 2, 2)
    hands = segments[:, 1] - segments[:, 0]
    angles = np.arctan2(hands[:, 1], hands[:, 0])
    expected = 777 * rv.inv_frequencies(32, 500_000.0)
    assert np.allclose(np.angle(np.exp(1j * (angles - expected))), 0.0, atol=1e-9)
    assert np.allclose(segments[:, 0], clock_centres(16))


def test_head_dim_change_redraws_the_grid_and_clamps_the_pair():
    explorer = RotationExplorer(head_dim=128, pair=60)
    explorer.update(head_dim=8)
    assert explorer.state["pair"] == 3
    assert len(explorer._hands.get_segments()) == 4
    # 4 circles + 4 zero marks
    assert len(explorer._circles.get_segments()) == 8


def test_slider_moves_update_the_state_and_the_image():
    explorer = RotationExplorer(head_dim=64)
    explorer.widget
    sliders = explorer._sliders
    before = explorer._png_view.value
    sliders["position"].value = 1234
    assert explorer.state["position"] == 1234
    assert explorer._png_view.value != before
    explorer.update(pair=7)
    assert sliders["pair"].value == 7  # code and sliders stay in step
    explorer.update(head_dim=16)
    assert sliders["pair"].max == 7
    # the play button follows the position slider (it drives the slider in the browser)
    assert explorer._players["position"].value == 1234


@pytest.mark.parametrize("settings", [
    {"position": 0, "pair": 0, "head_dim": 2},
    {"position": 4096, "pair": 127, "head_dim": 256, "base": 1_000_000.0},
    {"position": 4096, "pair": 0, "base": 10.0},
])
def test_extreme_values_draw(settings):
    explorer = RotationExplorer()
    explorer.update(**settings)
    png = explorer.png()
    assert png.startswith(b"\x89PNG")
    assert np.isfinite(np.array(explorer._hands.get_segments())).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"head_dim": 7}, "head_dim"),
    ({"base": -1.0}, "base"),
    ({"base": float("inf")}, "base"),
    ({"max_position": 0}, "max_position"),
    ({"pairing": "zigzag"}, "pairing"),
    ({"position": -1}, "position"),
    ({"position": 5000}, "position"),
    ({"head_dim": 16, "pair": 8}, "pair"),
    ({"seed": -2}, "seed"),
])
def test_rotation_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RotationExplorer(**kwargs)


@pytest.mark.parametrize("values, match", [
    ({"position": 4097}, "position"),
    ({"pair": 1.5}, "pair"),
    ({"head_dim": 6}, "head_dim"),
    ({"base": 123.0}, "base"),
    ({"angle": 1}, "unknown control"),
])
def test_rotation_bad_updates_leave_state_unchanged(values, match):
    explorer = RotationExplorer(position=10)
    before = dict(explorer.state)
    with pytest.raises(ValueError, match=match):
        explorer.update(**values)
    assert explorer.state == before


# -- RelativeExplorer ------------------------------------------------------------------------
def test_score_depends_only_on_the_difference():
    explorer = RelativeExplorer(head_dim=32, max_position=300)
    explorer.update(query_position=250, key_position=40)
    first = explorer.score()
    explorer.update(query_position=270, key_position=60)
    assert explorer.score() == pytest.approx(first, rel=1e-10)
    marker_x, marker_y = explorer._marker.get_data()
    assert marker_x[0] == 210 and marker_y[0] == pytest.approx(first)
    explorer.update(key_position=61)
    assert explorer.score() != pytest.approx(first)


def test_curves_match_rotated_vectors():
    explorer = RelativeExplorer(head_dim=16, base=100.0, max_position=50)
    for kind, (q, k) in explorer.vectors.items():
        for m, n in [(0, 0), (50, 0), (3, 41)]:
            direct = rv.apply_rope(q[None], [m], base=100.0)[0] @ rv.apply_rope(k[None], [n], base=100.0)[0]
            curve = explorer.curves[kind][m - n + 50] * np.linalg.norm(q) * np.linalg.norm(k)
            assert curve == pytest.approx(direct, abs=1e-9)


def test_kind_markers_follow_the_curves():
    explorer = RelativeExplorer(max_position=100, query_position=10, key_position=90)
    for kind, marker in explorer._kind_markers.items():
        x, y = marker.get_data()
        assert x[0] == -80 and y[0] == pytest.approx(explorer.curves[kind][-80 + 100])


def test_aligned_and_constant_start_at_one():
    explorer = RelativeExplorer(max_position=10)
    assert explorer.curves["aligned"][10] == pytest.approx(1.0)
    assert explorer.curves["constant"][10] == pytest.approx(1.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"head_dim": 3}, "head_dim"), ({"max_position": -4}, "max_position"),
    ({"query_position": 600}, "query_position"), ({"key_position": -1}, "key_position"),
    ({"base": 0.0}, "base"), ({"seed": 1.5}, "seed"),
])
def test_relative_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RelativeExplorer(**kwargs)


# -- the contract shared by explorers --------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: RotationExplorer(position=5, pair=2),
                                  lambda: RelativeExplorer(query_position=7)])
def test_mimebundle_offers_widget_twin_and_text(make):
    explorer = make()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == repr(explorer)
    html = bundle["text/html"]
    assert html.startswith(f'<div class="ropeviz-explorer" id="{explorer.element_id}"')
    assert "<script>" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("make", [lambda: RotationExplorer(head_dim=32, position=99),
                                  lambda: RelativeExplorer(head_dim=16)])
def test_static_twin_is_deterministic(make):
    first, second = make(), make()
    html_a = first.static_html().replace(first.element_id, "ID")
    html_b = second.static_html().replace(second.element_id, "ID")
    assert html_a == html_b
    assert first.element_id != second.element_id
    assert not re.search(r"\d{4}-\d\d-\d\dT", html_a)  # no timestamps


def test_twin_config_carries_the_state():
    explorer = RotationExplorer(head_dim=32, position=321, pair=4)
    html = explorer.static_html()
    config = twin_config(explorer)
    assert config["state"] == {"position": 321, "pair": 4, "base": 10_000.0, "head_dim": 32}
    assert [c["name"] for c in config["controls"]] == ["position", "pair", "base", "head_dim"]
    assert 'name="pair" min="0" max="15" value="4"' in html


def test_update_with_no_change_does_not_redraw():
    explorer = RotationExplorer()
    explorer.widget
    image = explorer._png_view.value
    explorer.update(position=0)
    assert explorer._png_view.value is image
