"""The explorers of chapters 6 to 9: pairing, score against distance, phase, context extension.

Every slider is moved from code and the numbers (artists, readout, twin data) are checked
against Python written here from the formulas, not from the explorers' own helpers.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import ropeviz as rv
from ropeviz.explorers import (
    PairingExplorer,
    PhaseExplorer,
    ScalingExplorer,
    ScoreDistanceExplorer,
)
from ropeviz.explorers.extension import FACTORS, METHODS, cosine_sums

from conftest import twin_config


# -- PairingExplorer (chapter 6) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def pairing():
    return PairingExplorer(head_dim=16, dim=5)


@pytest.mark.parametrize("d", [4, 8, 16, 64, 128])
def test_pairing_partners_follow_the_two_conventions(pairing, d):
    for j in sorted({0, 1, d // 2 - 1, d // 2, d - 1, 5 % d}):
        pairing.update(head_dim=d, dim=j)
        i = j // 2  # interleaved: pair i = features (2i, 2i + 1)
        h = j % (d // 2)  # half: pair h = features (h, h + d/2)
        parts = pairing.partners()
        assert parts["interleaved"] == (i, (2 * i, 2 * i + 1))
        assert parts["half"] == (h, (h, h + d // 2))
        # P carries interleaved pair i onto half positions (i, i + d/2), the half pair i
        inverse = pairing.inverse()
        assert (inverse[2 * i], inverse[2 * i + 1]) == (i, i + d // 2)
        text = pairing.readout()
        assert f"feature {j} is in pair {i} = features ({2 * i}, {2 * i + 1})" in text
        assert f"feature {j} is in pair {h} = features ({h}, {h + d // 2})" in text
        assert f"lands on ({i}, {i + d // 2}) = half pair {i}" in text
        # the artists: the interleaved pair outlined, the landing cells outlined, marks at j
        assert pairing._int_box.get_xy() == (2 * i - 0.5, 1.5)
        assert sorted(r.get_xy()[0] for r in pairing._landed_boxes) == [i - 0.5, i + d / 2 - 0.5]
        assert sorted(r.get_xy()[0] for r in pairing._half_boxes) == [h - 0.5, h + d / 2 - 0.5]
        assert list(pairing._mark_top.get_xdata()) == [j]


def test_pairing_readout_matches_permute_qk_weight(pairing):
    pairing.update(head_dim=16, dim=9)
    text = pairing.readout()
    moved = re.search(r"moves row (\d+) to row (\d+) and row (\d+) to row (\d+)", text)
    a, ia, b, ib = (int(v) for v in moved.groups())
    rows = np.arange(16 * 2, dtype=float)[:, None]  # two heads: rows are their own labels
    permuted = rv.permute_qk_weight(rows, 2, 16)
    for head in (0, 1):
        assert permuted[head * 16 + ia, 0] == head * 16 + a
        assert permuted[head * 16 + ib, 0] == head * 16 + b
    assert "P = pairing_permutation(16) = [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15]" in text


def test_pairing_permutation_converts_the_rotation(pairing):
    # the claim the explorer draws: RoPE_half(P x) = P RoPE_interleaved(x)
    pairing.update(head_dim=32, dim=3)
    perm = pairing.permutation()
    x = np.random.default_rng(0).normal(size=(5, 32))
    positions = [0, 1, 7, 100, 4095]
    np.testing.assert_allclose(rv.apply_rope(x[:, perm], positions, pairing="half"),
                               rv.apply_rope(x, positions, pairing="interleaved")[:, perm],
                               atol=1e-12)


def test_pairing_head_dim_moves_the_feature_and_matrix(pairing):
    pairing.update(head_dim=64, dim=60)
    pairing.update(head_dim=8)  # the feature follows the slider's end
    assert pairing.state == {"dim": 7, "head_dim": 8}
    with pytest.raises(ValueError, match=r"^dim must be an integer in \[0, 7\], got 8"):
        pairing.update(dim=8)
    matrix = np.asarray(pairing._matrix.get_array())
    assert matrix.shape == (8, 8)
    np.testing.assert_array_equal(np.argmax(matrix, axis=1), [0, 2, 4, 6, 1, 3, 5, 7])
    xs, ys = pairing._matrix_marks.get_data()
    assert [list(xs), list(ys)] == [[6, 7], [3, 7]]


def test_pairing_twin_data(pairing):
    config = twin_config(pairing)
    for d, perm in config["data"]["perm"].items():
        assert perm == rv.pairing_permutation(int(d)).tolist()
        pairs = config["data"]["pairs"][d]
        assert pairs["interleaved"] == [j // 2 for j in range(int(d))]
        assert pairs["half"] == [j % (int(d) // 2) for j in range(int(d))]


# -- ScoreDistanceExplorer (chapter 7) ----------------------------------------------------------
@pytest.fixture(scope="module")
def scores():
    return ScoreDistanceExplorer(head_dim=64, max_distance=600, distance=100)


def reference_score(q, k, r, base, p):
    """(R_{n+r} q) . (R_n k) with p-RoPE, from complex numbers: keep int(p * d // 2) pairs."""
    d = q.size
    kept = int(p * d // 2)
    theta = base ** (-np.arange(0, d, 2) / d)
    theta[kept:] = 0.0
    zq, zk = q[0::2] + 1j * q[1::2], k[0::2] + 1j * k[1::2]
    return float(np.sum(zq * np.exp(1j * r * theta) * np.conj(zk)).real)


@pytest.mark.parametrize("base, p", [(10_000.0, 1.0), (10_000.0, 0.75), (500_000.0, 0.25),
                                     (100.0, 0.5), (10.0, 0.0), (1_000_000.0, 1.0)])
def test_scores_match_rotated_vectors(scores, base, p):
    scores.update(base=base, p=p)
    curves = scores.curves()
    for kind, (q, k) in scores.vectors.items():
        for r in (0, 1, 37, 100, 599, 600):
            expected = reference_score(q, k, r, base, p) / (np.linalg.norm(q) * np.linalg.norm(k))
            assert curves[kind][r] == pytest.approx(expected, abs=1e-12)
    if p == 1.0:  # plain RoPE: the same as apply_rope at positions r and 0
        q, k = scores.vectors["random"]
        direct = rv.apply_rope(q[None], [250], base=base)[0] @ rv.apply_rope(k[None], [0], base=base)[0]
        assert curves["random"][250] * np.linalg.norm(q) * np.linalg.norm(k) == pytest.approx(direct)
    assert curves["aligned"][0] == pytest.approx(1.0)
    kept = int(p * 64 // 2)
    assert scores.pairs_kept() == kept
    theta = base ** (-np.arange(0, 64, 2) / 64)
    theta[kept:] = 0
    np.testing.assert_allclose(scores.expected(), np.cos(np.outer(scores.distances, theta)).mean(1))
    for kind, line in scores._lines.items():
        np.testing.assert_allclose(line.get_ydata(), curves[kind])


def test_kept_pair_count_is_the_one_of_scaled_inv_frequencies():
    explorer = ScoreDistanceExplorer(head_dim=100, max_distance=10, distance=3)
    for p in explorer.fractions:
        explorer.update(p=p)
        inv_freq, _ = rv.scaled_inv_frequencies(100, explorer.state["base"], "p-rope", p=p)
        assert explorer.pairs_kept() == np.count_nonzero(inv_freq)
        np.testing.assert_array_equal(explorer.frequencies(), inv_freq)
    config = twin_config(explorer)
    assert config["data"]["kept"] == [
        int(np.count_nonzero(rv.scaled_inv_frequencies(100, 10.0, "p-rope", p=p)[0]))
        for p in config["data"]["fractions"]]


def test_scores_readout_and_markers(scores):
    scores.update(base=10_000.0, p=0.75, distance=250)
    text = scores.readout()
    assert text.splitlines()[0] == ("distance r = 250 (query r tokens after the key); d = 64, "
                                    "base 10,000")
    assert "the 24 fastest of 32 pairs rotate, the 8 slowest are stopped" in text
    for kind, (q, k) in scores.vectors.items():
        value = reference_score(q, k, 250, 10_000.0, 0.75) / (np.linalg.norm(q) * np.linalg.norm(k))
        assert f"{kind} {value:+.3f}" in text
        assert scores._dots[kind].get_data()[1][0] == pytest.approx(value)
    scores.update(p=0.0)
    assert "no pair rotates (NoPE)" in scores.readout()
    np.testing.assert_allclose(scores.curves()["aligned"], 1.0)  # nothing depends on r
    scores.update(p=1.0)
    assert "all 32 pairs rotate" in scores.readout()


def test_score_distance_random_key_has_no_decay_in_expectation():
    # the property the chapter states: over Gaussian q, k the expected score is 0 at every r
    explorer = ScoreDistanceExplorer(head_dim=64, max_distance=200)
    rng = np.random.default_rng(5)
    q, k = rng.normal(size=(2, 4000, 64))
    for r in (0, 50, 200):
        values = [reference_score(q[n], k[n], r, 10_000.0, 1.0) for n in range(4000)]
        assert abs(np.mean(values)) < 4 * np.std(values) / np.sqrt(4000)
    assert "random 0 at every r" in explorer.readout()


# -- PhaseExplorer (chapter 8) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def phase():
    return PhaseExplorer()  # d = 64, base 10 000, magnitude 2, seed 2: chapter 8's setting


def chapter8_attention(spread, d=64, n_keys=256, base=10_000.0, magnitude=2.0):
    """Chapter 8's cell, copied: attention of one query over 256 keys with phases spread * u."""
    freqs = base ** (-np.arange(0, d, 2) / d)
    u = np.random.default_rng(2).uniform(-np.pi, np.pi, size=d // 2)
    r = np.arange(n_keys)
    scores = (magnitude * np.cos(r[:, None] * freqs + spread * u)).sum(axis=1)
    weights = np.exp((scores - scores.max()) / np.sqrt(d))
    return scores, weights / weights.sum()


@pytest.mark.parametrize("spread", [0.0, 0.2, 0.5, 1.0])
def test_phase_scores_are_chapter_8s(phase, spread):
    phase.update(spread=spread, focus=0, distance=0)
    expected_scores, expected_weights = chapter8_attention(spread)
    np.testing.assert_allclose(phase.scores(), expected_scores, atol=1e-9)
    np.testing.assert_allclose(phase.attention(), expected_weights, atol=1e-12)
    entropy = -np.sum(expected_weights * np.log(expected_weights))
    assert f"entropy {entropy:.3f} nats (uniform {np.log(256):.3f})" in phase.readout()


def test_phase_entropies_as_printed_in_chapter_8(phase):
    printed = {0.0: 4.277, 0.2: 4.308, 0.4: 4.594, 0.6: 4.921, 0.8: 5.145, 1.0: 5.259}
    for spread, value in printed.items():
        phase.update(spread=spread)
        assert f"entropy {value:.3f} nats" in phase.readout()


@pytest.mark.parametrize("m, n", [(4, 0), (10, 3), (300, 299), (255, 0)])
def test_phase_score_is_the_rope_score_of_its_query_and_key(phase, m, n):
    phase.update(spread=0.3, focus=7, distance=m - n)
    q, k = phase.query(), phase.key()
    direct = rv.apply_rope(q[None], [m])[0] @ rv.apply_rope(k[None], [n])[0]
    total = phase.phasors().sum()
    assert total.real == pytest.approx(direct, abs=1e-9)
    assert phase.scores()[m - n] == pytest.approx(direct, abs=1e-9)
    # h_i = q_i conj(k_i), from the vectors themselves
    zq, zk = q[0::2] + 1j * q[1::2], k[0::2] + 1j * k[1::2]
    np.testing.assert_allclose(phase.products(), zq * np.conj(zk), atol=1e-12)
    # the drawing: phasors head to tail ending at the sum, the dot at its real part
    segments = np.asarray(phase._arrows.get_segments())
    np.testing.assert_allclose(segments[0, 0], [0, 0], atol=1e-12)
    np.testing.assert_allclose(segments[1:, 0], segments[:-1, 1], atol=1e-12)
    np.testing.assert_allclose(segments[-1, 1], [total.real, total.imag], atol=1e-9)
    assert phase._projection.get_data()[0][0] == pytest.approx(total.real)
    text = phase.readout()
    assert f"score s(r) = Re \u03a3 h_i e^(i r \u03b8_i) = {direct:+.3f}" in text
    assert f"|\u03a3 h_i e^(i r \u03b8_i)| = {abs(total):.3f} of at most \u03a3|h_i| = 64.000" in text


@pytest.mark.parametrize("focus", [0, 5, 17, 120])
def test_aligned_phases_interfere_constructively_at_the_focus(phase, focus):
    phase.update(spread=0.0, focus=focus, distance=focus)
    total = phase.phasors().sum()
    assert abs(total) == pytest.approx(64.0) and total.real == pytest.approx(64.0)
    assert int(np.argmax(phase.attention())) == focus
    assert f"peak at r = {focus};" in phase.readout()
    phase.update(spread=1.0)  # scattered phases cancel: far below the maximum
    assert abs(phase.phasors().sum()) < 0.5 * 64


# -- ScalingExplorer (chapter 9) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def scaling():
    return ScalingExplorer()  # Llama 2: d = 128, base 10 000, L = 4096


def test_scaling_schedules_are_scaled_inv_frequencies(scaling):
    L = 4096
    for method in METHODS:
        for s in FACTORS:
            params = {"factor": s}
            if method != "linear" and method != "ntk":
                params["original_length"] = L
            if method == "dynamic":
                params["seq_len"] = int(s * L)
            expected = rv.scaled_inv_frequencies(128, 10_000.0, method, **params)
            inv_freq, attention = scaling.schedule(method, s)
            np.testing.assert_array_equal(inv_freq, expected[0])
            assert attention == expected[1]


def test_scaling_pair_kinds(scaling):
    theta = rv.inv_frequencies(128)
    wavelength = 2 * np.pi / theta
    L, s = 4096, 8.0
    gamma = rv.yarn_ramp(128, original_length=L)
    yarn = scaling.classes("yarn", s)
    assert [k == "kept" for k in yarn] == list(gamma == 1.0)
    assert [k == "interpolated" for k in yarn] == list(gamma == 0.0)
    llama = scaling.classes("llama3", s)  # kept below L/4, divided above L, blended between
    assert [k == "kept" for k in llama] == list(wavelength < L / 4)
    assert [k == "interpolated" for k in llama] == list(wavelength > L)
    assert set(scaling.classes("linear", s)) == {"interpolated"}
    ntk = scaling.classes("ntk", s)
    assert ntk[0] == "kept" and set(ntk[1:-1]) == {"between"}


def test_scaling_criterion(scaling):
    L = 4096
    theta = rv.inv_frequencies(128)
    for method, s in [("yarn", 8.0), ("linear", 2.0), ("ntk", 4.0), ("llama3", 4.0)]:
        crit = scaling.criterion(method, s)
        m = np.arange(int(s * L))
        brute = np.cos(np.outer(m, scaling.schedule(method, s)[0])).sum(1)
        negative = np.flatnonzero(brute < 0)
        assert crit["first"] == (int(negative[0]) if negative.size else None)
        original = np.cos(np.outer(m, theta)).sum(1)
        assert crit["original_first"] == int(np.flatnonzero(original < 0)[0])
        edges = np.linspace(0, m.size, 161).round().astype(int)
        lows = [brute[a:b].min() / 64 for a, b in zip(edges[:-1], edges[1:])]
        np.testing.assert_allclose(crit["lows"], lows, atol=1e-9)
    # Llama 2's base fails from m = 1707 on (chapter 9)
    assert scaling.criterion("yarn", 8.0)["original_first"] == 1707
    # PI stretches B: B'(m) = B(m / s), so it first fails at about s * 1707
    assert scaling.criterion("linear", 2.0)["first"] in (3413, 3414, 3415)


def test_cosine_sums_is_cosine_sum_for_any_frequencies():
    for d, base, n in [(128, 10_000.0, 5000), (16, 100.0, 1023), (8, 2.0, 1)]:
        np.testing.assert_allclose(cosine_sums(rv.inv_frequencies(d, base), n),
                                   rv.cosine_sum(np.arange(n), d, base), atol=1e-9)


def test_scaling_readout(scaling):
    scaling.update(method="yarn", factor=8.0, pair=46)
    lines = scaling.readout().splitlines()
    assert lines[0] == ("YaRN, s = 8: trained on L = 4,096 tokens, target sL = 32,768; d = 128, "
                        "base 10,000")
    gamma = rv.yarn_ramp(128, original_length=4096)
    kept, between = int((gamma == 1).sum()), int(((gamma > 0) & (gamma < 1)).sum())
    factor = 0.1 * math.log(8) + 1
    assert lines[1] == (f"{kept} pairs kept (\u03b8' = \u03b8), {between} in between, "
                        f"{64 - kept - between} interpolated (\u03b8' = \u03b8/s); attention "
                        f"factor {factor:.4g}: logits \u00d7 {factor ** 2:.4g}")
    wavelength = 2 * np.pi / rv.inv_frequencies(128)[46]
    assert lines[2].startswith(f"pair 46: wavelength {wavelength:.4g} \u2192 {8 * wavelength:.4g}")
    assert lines[2].endswith(f"YaRN ramp \u03b3 = {gamma[46]:.4g}")
    assert "original schedule first negative at m = 1,707" in lines[3]
    smallest = rv.min_base_for_context(4096, 128)
    assert lines[3].endswith(f"smallest base for L: {round(smallest):,}")
    scaling.update(method="dynamic", factor=4.0)
    assert "s_eff = s\u00b7\u2113/L \u2212 (s \u2212 1) = 13" in scaling.readout()  # 4*4 - 3
    scaling.update(method="linear")
    assert "0 pairs kept (\u03b8' = \u03b8), 0 in between, 64 interpolated" in scaling.readout()
    assert "attention factor" not in scaling.readout()


def test_scaling_artists_follow_the_sliders(scaling):
    scaling.update(method="llama3", factor=16.0, pair=10)
    inv_freq = scaling.schedule()[0]
    kinds = np.array(scaling.classes())
    for name, dots in scaling._dots.items():
        xs, ys = dots.get_data()
        np.testing.assert_array_equal(xs, np.flatnonzero(kinds == name))
        np.testing.assert_allclose(ys, 2 * np.pi / inv_freq[kinds == name])
    assert list(scaling._target.get_ydata()) == [16 * 4096] * 2
    assert list(scaling._pair_line.get_xdata()) == [10, 10]
    assert scaling.ax_criterion.get_xlim() == (0, 16 * 4096)


def test_scaling_twin_data(scaling):
    data = twin_config(scaling)["data"]
    for key, setting in data["settings"].items():
        method, factor = key.split(":")
        inv_freq, attention = scaling.schedule(method, float(factor))
        np.testing.assert_allclose(setting["invFreq"], inv_freq, rtol=1e-11)
        assert setting["attention"] == attention
        assert setting["first"] == scaling.criterion(method, float(factor))["first"]
    np.testing.assert_array_equal(data["ramp"], rv.yarn_ramp(128, original_length=4096))


@pytest.mark.parametrize("kwargs, name", [
    ({"head_dim": 2}, "head_dim"), ({"base": 1.0}, "base"), ({"original_length": 0}, "original_length"),
    ({"method": "p-rope"}, "method"), ({"factor": 3.0}, "factor"), ({"pair": 64}, "pair"),
])
def test_scaling_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        ScalingExplorer(**{"head_dim": 8, "base": 100.0, "original_length": 32, **kwargs})


@pytest.mark.parametrize("make, kwargs, name", [
    (PairingExplorer, {"head_dim": 6.0}, "head_dim"), (PairingExplorer, {"dim": 16}, "dim"),
    (ScoreDistanceExplorer, {"p": 1.5}, "p"), (ScoreDistanceExplorer, {"noise": 0}, "noise"),
    (ScoreDistanceExplorer, {"distance": 5000}, "distance"), (ScoreDistanceExplorer, {"seed": -1}, "seed"),
    (PhaseExplorer, {"spread": 2.0}, "spread"), (PhaseExplorer, {"magnitude": -1.0}, "magnitude"),
    (PhaseExplorer, {"focus": 256}, "focus"), (PhaseExplorer, {"max_distance": 0}, "max_distance"),
])
def test_new_explorers_bad_arguments(make, kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        make(**kwargs)


# -- all four: representations and the static twin ---------------------------------------------
NEW = [
    (lambda: PairingExplorer(head_dim=16, dim=5), "PairingExplorer(dim=5, head_dim=16)", 40_000),
    (lambda: ScoreDistanceExplorer(head_dim=128, p=0.75),
     "ScoreDistanceExplorer(distance=100, base=10000, p=0.75)", 60_000),
    (lambda: PhaseExplorer(), "PhaseExplorer(distance=4, spread=0, focus=0)", 50_000),
    (lambda: ScalingExplorer(), "ScalingExplorer(method='yarn', factor=8, pair=46)", 120_000),
]


@pytest.mark.parametrize("make, text, budget", NEW)
def test_new_twins_are_deterministic_light_and_labelled(make, text, budget):
    first, second = make(), make()
    assert repr(first) == text
    a, b = first.static_html(), second.static_html()
    assert a.replace(first.element_id, "ID") == b.replace(second.element_id, "ID")
    assert a == first.static_html()
    assert len(a.encode()) < budget
    assert "https://" not in a and "http://" not in a.replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", a)
    assert first.readout() in a.replace("&#x27;", "'").replace("&gt;", ">").replace("&lt;", "<")
    # every panel has a short label of its own, distinct from the caption
    labels = re.findall(r'<svg class="ropeviz-svg" data-panel="[^"]+" role="img" aria-label="([^"]+)"', a)
    assert len(labels) == len(first.panels) >= 2
    assert all(len(label) < 120 and label not in first.alt_text for label in labels)
    assert 'role="status" aria-live="polite"' in a
    bundle = first._repr_mimebundle_()
    assert bundle["text/html"] == a and bundle["text/plain"] == text
    assert "application/vnd.jupyter.widget-view+json" in bundle


@pytest.mark.parametrize("make, text, budget", NEW)
def test_new_explorers_live_view_moves(make, text, budget):
    explorer = make()
    explorer.widget
    for control in explorer.controls:
        slider = explorer._sliders[control.name]
        before = explorer._png_view.value
        if control.options is not None:
            target = next(o for o in control.options if o != explorer.state[control.name])
        else:
            top = explorer._limits().get(control.name, control.maximum)
            target = top if explorer.state[control.name] != top else control.minimum
        slider.value = target
        assert explorer.state[control.name] == target
        assert explorer._png_view.value != before, f"{control.name} did not redraw"
        assert explorer.readout() in explorer._readout.value.replace("&#x27;", "'").replace(
            "&gt;", ">").replace("&lt;", "<")
