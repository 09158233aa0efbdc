"""ModelScalingExplorer (chapter 11): every slider moved, numbers checked against Python.

The frequencies are checked against ``rope_from_config`` on the presets (itself checked against
``transformers`` in ``test_configs.py``) and against closed forms written here; the pair kinds,
the cosine sums and the readout are recomputed from the formulas, not from the explorer's helpers;
the static twin's data must give back the same schedule at every target.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import ropeviz as rv
from ropeviz.configs import preset, rope_from_config
from ropeviz.explorers import ModelScalingExplorer
from ropeviz.explorers.model_scaling import MAX_DISTANCE, MODELS, TARGETS

from conftest import twin_config


@pytest.fixture(scope="module")
def explorer():
    return ModelScalingExplorer()


def layer_of(key):
    name, _, layer_type = key.partition(":")
    spec = rope_from_config(preset(name))
    return spec[layer_type] if layer_type else spec.layer


def full_head_sums(inv_freq, head_dim, length):
    """B(m) over every pair of the head, the frozen ones counting cos 0 = 1 (brute force)."""
    m = np.arange(length, dtype=np.float64)
    frozen = head_dim // 2 - len(inv_freq)
    return np.cos(np.outer(m, inv_freq)).sum(axis=1) + frozen


def test_models_are_the_presets_and_gemma_twice():
    keys = [k for k, _ in MODELS]
    assert {k.partition(":")[0] for k in keys} == set(rv.configs.presets())
    assert [k for k in keys if k.startswith("gemma3")] == [
        "gemma3_4b_it:full_attention", "gemma3_4b_it:sliding_attention"]


@pytest.mark.parametrize("key", [k for k, _ in MODELS])
def test_schedules_are_rope_from_config_at_every_target(explorer, key):
    layer = layer_of(key)
    unscaled = rv.inv_frequencies(layer.rotary_dim, layer.base)
    np.testing.assert_array_equal(explorer.unscaled(key), unscaled)
    data = twin_config(explorer)["data"]["models"][key]
    for target in TARGETS:
        inv_freq, attention = explorer.schedule(key, target)
        np.testing.assert_array_equal(inv_freq, layer.inv_freq_at(target))
        assert attention == layer.attention_factor
        # the twin ships one schedule (two for LongRoPE): it must be the one at every target
        which = "long" if "long" in data["schedules"] and target > layer.trained_length else "scaled"
        np.testing.assert_allclose(data["schedules"][which]["invFreq"], inv_freq, rtol=1e-11)
        # the kinds, from the ratio to the unscaled frequencies
        ratio = inv_freq / unscaled
        s = layer.factor or 1.0
        expected = ["kept" if abs(r - 1) < 1e-9 else "interpolated" if abs(r * s - 1) < 1e-9
                    else "between" for r in ratio]
        assert explorer.classes(key, target) == expected
        assert [["kept", "between", "interpolated"][k]
                for k in data["schedules"][which]["classes"]] == expected


def test_known_schedules(explorer):
    llama = explorer.classes("llama3_1_8b", 131_072)  # chapter 9: 29 kept, 6 blended, 29 / 8
    assert (llama.count("kept"), llama.count("between"), llama.count("interpolated")) == (29, 6, 29)
    assert set(explorer.classes("gemma3_4b_it:full_attention", 4096)) == {"interpolated"}
    assert set(explorer.classes("llama2_7b", 131_072)) == {"kept"}
    phi = layer_of("phi3_5_mini_instruct")
    np.testing.assert_array_equal(explorer.schedule("phi3_5_mini_instruct", 4096)[0], phi.inv_freq)
    np.testing.assert_array_equal(explorer.schedule("phi3_5_mini_instruct", 8192)[0],
                                  phi.long_inv_freq)
    assert explorer.frozen_pairs("gpt_neox_20b") == 36 and explorer.frozen_pairs("gptj_6b") == 96
    assert explorer.frozen_pairs("deepseek_v3") == 64 and explorer.frozen_pairs("llama2_7b") == 0


@pytest.mark.parametrize("key, target", [
    ("llama2_7b", 8192), ("llama3_1_8b", 131_072), ("gpt_neox_20b", 65_536),
    ("qwen2_5_7b_instruct_yarn", 131_072), ("phi3_5_mini_instruct", 32_768),
])
def test_criterion_is_the_cosine_sum_over_the_whole_head(explorer, key, target):
    layer = layer_of(key)
    crit = explorer.criterion(key, target)
    scaled = full_head_sums(layer.inv_freq_at(target), layer.head_dim, MAX_DISTANCE)
    unscaled = full_head_sums(rv.inv_frequencies(layer.rotary_dim, layer.base), layer.head_dim,
                              MAX_DISTANCE)
    for values, first in ((scaled, crit["first"]), (unscaled, crit["original_first"])):
        negative = np.flatnonzero(values < 0)
        assert first == (int(negative[0]) if negative.size else None)
    # the lowest value in each log-spaced stretch below the target, divided by d/2
    edges = np.unique(np.round(np.geomspace(1, MAX_DISTANCE, 161)).astype(int))
    edges = edges[: int(np.sum(edges[1:] <= target)) + 1]
    lows = [scaled[a:b].min() / (layer.head_dim // 2) for a, b in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(crit["lows"], lows, atol=1e-9)
    assert crit["xs"].size == len(lows) and crit["xs"][-1] < target


def test_criterion_numbers_the_chapters_use(explorer):
    assert explorer.criterion("llama2_7b", 4096)["original_first"] == 1707  # chapter 9
    assert explorer.criterion("llama3_1_8b", 4096)["original_first"] == 18_438  # base 500 000
    for key in ("gpt_neox_20b", "gptj_6b", "deepseek_v3"):  # static pairs keep B(m) > 0
        crit = explorer.criterion(key, 262_144)
        assert crit["first"] is None and crit["original_first"] is None


def test_readout(explorer):
    explorer.update(model="llama3_1_8b", target=131_072, pair=35)
    lines = explorer.readout().splitlines()
    assert lines[0] == ("Llama 3.1 8B: llama3, base 500,000, 128 of 128 dimensions rotate (half "
                        "pairs); L = 8,192 (original_max_position_embeddings); target 131,072")
    assert lines[1] == "pairs unchanged: 29, moved partly: 6, divided by s = 8: 29"
    theta = rv.inv_frequencies(128, 500_000.0)
    wavelength = 2 * math.pi / theta[35]
    assert lines[2] == (f"pair 35: wavelength {wavelength:.4g} \u2192 {8 * wavelength:.4g} tokens; "
                        f"turns: {8192 / wavelength:.4g} within L unscaled, "
                        f"{131_072 / (8 * wavelength):.4g} within the target scaled")
    assert lines[3].startswith("29 of 64 pairs turn less than once within L (unscaled)")
    assert lines[4].endswith("m = 18,438 (inside the target) unscaled")
    explorer.update(model="qwen2_5_7b_instruct_yarn", target=4096)
    factor = 0.1 * math.log(4) + 1
    assert f"cos, sin \u00d7 {factor:.4g} (logits \u00d7 {factor ** 2:.4g})" in explorer.readout()
    explorer.update(model="deepseek_v3")
    text = explorer.readout()
    assert "64 of 192 dimensions rotate (interleaved pairs)" in text
    assert f"softmax scale \u00d7 {(0.1 * math.log(40) + 1) ** 2:.4g}" in text
    assert "over 96 pairs (64 not rotating): first negative sum none below 262,144" in text
    explorer.update(model="phi3_5_mini_instruct", target=4096)
    assert "LongRoPE's short factors (target \u2264 L)" in explorer.readout()
    explorer.update(target=8192)
    assert "LongRoPE's long factors (target > L)" in explorer.readout()
    explorer.update(model="gemma3_4b_it:sliding_attention")
    assert explorer.readout().endswith("it attends at most 1,024 tokens back, so it never meets "
                                       "larger distances")
    explorer.update(model="llama2_7b")
    assert "no context extension" in explorer.readout()


def test_pair_follows_a_model_with_fewer_pairs(explorer):
    explorer.update(model="gemma3_4b_it:full_attention", pair=120)
    explorer.update(model="gpt_neox_20b")  # 12 pairs: the pair moves to the slider's end
    assert explorer.state["pair"] == 11
    with pytest.raises(ValueError, match=r"^pair must be an integer in \[0, 11\], got 12"):
        explorer.update(pair=12)


def test_artists_follow_the_sliders(explorer):
    explorer.update(model="qwen2_5_7b_instruct_yarn", target=65_536, pair=30)
    inv_freq = explorer.schedule()[0]
    kinds = np.array(explorer.classes())
    for name, dots in explorer._waves.dots.items():
        xs, ys = dots.get_data()
        np.testing.assert_array_equal(xs, np.flatnonzero(kinds == name))
        np.testing.assert_allclose(ys, 2 * np.pi / inv_freq[kinds == name])
    assert list(explorer._waves.target.get_ydata()) == [65_536] * 2
    assert list(explorer._waves.pair.get_xdata()) == [30, 30]
    assert list(explorer._waves.length.get_ydata()) == [32_768] * 2
    np.testing.assert_allclose(explorer._waves.reference.get_data()[1],
                               2 * np.pi / rv.inv_frequencies(128, 1e6))
    assert explorer.ax_criterion.get_xlim() == (1, 65_536)
    assert explorer.ax_criterion.get_xscale() == "log"
    first = explorer.criterion()["first"]
    assert list(explorer._criterion.first.get_xdata()) == ([first] if first < 65_536 else [])
    explorer.update(model="gpt_neox_20b")
    assert explorer.ax_waves.get_xlim() == (-1, 12)
    assert list(explorer._criterion.first.get_xdata()) == []  # never negative


def test_twin_data(explorer):
    data = twin_config(explorer)["data"]
    assert set(data["models"]) == {k for k, _ in MODELS}
    assert data["maxDistance"] == MAX_DISTANCE
    for key, entry in data["models"].items():
        crit = explorer.criterion(key, MAX_DISTANCE)
        assert entry["originalFirst"] == crit["original_first"]
        np.testing.assert_allclose(entry["originalLows"], crit["original_lows"], atol=5e-4)
        layer = layer_of(key)
        assert (entry["rotaryDim"], entry["headDim"], entry["pairing"], entry["length"]) == (
            layer.rotary_dim, layer.head_dim, layer.pairing, layer.trained_length)
        assert entry["frozen"] == (layer.head_dim - layer.rotary_dim) // 2


@pytest.mark.parametrize("kwargs, name", [
    ({"model": "llama5"}, "model"), ({"target": 3000}, "target"), ({"pair": 64}, "pair"),
    ({"model": "gpt_neox_20b", "pair": 12}, "pair"), ({"target": "4096"}, "target"),
])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        ModelScalingExplorer(**kwargs)


def test_twin_is_deterministic_light_and_labelled():
    first, second = ModelScalingExplorer(), ModelScalingExplorer()
    assert repr(first) == "ModelScalingExplorer(model='llama3_1_8b', target=131072, pair=35)"
    a, b = first.static_html(), second.static_html()
    assert a.replace(first.element_id, "ID") == b.replace(second.element_id, "ID")
    assert len(a.encode()) < 120_000
    assert "https://" not in a and "http://" not in a.replace("http://www.w3.org/2000/svg", "")
    assert first.readout() in a.replace("&#x27;", "'").replace("&gt;", ">").replace("&lt;", "<")
    labels = re.findall(r'<svg class="ropeviz-svg" data-panel="[^"]+" role="img" '
                        r'aria-label="([^"]+)"', a)
    assert len(labels) == 2 and all(len(x) < 120 and x not in first.alt_text for x in labels)
    bundle = first._repr_mimebundle_()
    assert bundle["text/html"] == a and "application/vnd.jupyter.widget-view+json" in bundle


def test_live_view_moves_every_slider():
    explorer = ModelScalingExplorer()
    explorer.widget  # noqa: B018
    for name, target in [("model", "gemma3_4b_it:full_attention"), ("target", 4096),
                         ("pair", 100), ("model", "gptj_6b")]:
        before = explorer._png_view.value
        explorer._sliders[name].value = target
        assert explorer.state[name] == target
        assert explorer._png_view.value != before, f"{name} did not redraw"
        assert explorer.readout() in explorer._readout.value.replace("&#x27;", "'").replace(
            "&gt;", ">").replace("&lt;", "<")
    assert explorer.state["pair"] == 31 and explorer._sliders["pair"].max == 31  # GPT-J: 32 pairs
