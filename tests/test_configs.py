"""ropeviz.configs: a real model's RoPE from its config.json, checked against transformers.

The fixtures are the package's presets (``ropeviz/presets/*.json``, read with
:func:`ropeviz.configs.preset`): RoPE-relevant excerpts of public ``config.json`` files in the
transformers 4.x spelling, each with its source in ``_source``. Every
fixture is read in both spellings: as stored (4.x) and rewritten by :func:`to_v5_config` (5.x);
and each spelling is checked against ``transformers``: its rotary module, its
``ROPE_INIT_FUNCTIONS`` and the config object's own ``to_dict()``.

Tolerances: ``transformers`` computes its frequencies in float32, so they agree with ropeviz's
float64 ones to a relative 2e-6; attention factors are computed in Python floats on both sides
and must agree to 1e-12.
"""

from __future__ import annotations

import importlib
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ropeviz as rv
from ropeviz.configs import (
    ALL_LAYERS,
    RopeLayer,
    RopeSpec,
    preset,
    presets,
    rope_from_config,
    to_v5_config,
)
from ropeviz.scaling import scaled_inv_frequencies, yarn_mscale

# One source of truth: the presets shipped in the package (Colab readers have only the package).
FIXTURES = Path(rv.configs.__file__).parent / "presets"
NAMES = list(presets())
RTOL32 = 2e-6  # float32 frequencies in transformers vs float64 here


def fixture(name: str) -> dict:
    return preset(name)


def hub_keys_only(config: dict) -> dict:
    """The config without the fixtures' bookkeeping keys (``_source``, ``_note``, ...)."""
    return {k: v for k, v in config.items() if not k.startswith("_")}


# -- what each fixture must say, from the model cards and papers, not from transformers --------
# name: (rope_type per layer type, base, rotary_dim, head_dim, pairing, factor, original)
EXPECTED = {
    "llama2_7b": {ALL_LAYERS: ("default", 10_000.0, 128, 128, "half", None, None)},
    "llama3_1_8b": {ALL_LAYERS: ("llama3", 500_000.0, 128, 128, "half", 8.0, 8192)},
    "llama3_2_1b": {ALL_LAYERS: ("llama3", 500_000.0, 64, 64, "half", 32.0, 8192)},
    "mistral_7b_v0_3": {ALL_LAYERS: ("default", 1e6, 128, 128, "half", None, None)},
    "qwen2_5_7b_instruct": {ALL_LAYERS: ("default", 1e6, 128, 128, "half", None, None)},
    "qwen2_5_7b_instruct_yarn": {ALL_LAYERS: ("yarn", 1e6, 128, 128, "half", 4.0, 32768)},
    "qwen3_8b": {ALL_LAYERS: ("default", 1e6, 128, 128, "half", None, None)},
    "gemma2_9b": {ALL_LAYERS: ("default", 10_000.0, 256, 256, "half", None, None)},
    "gemma3_4b_it": {"full_attention": ("linear", 1e6, 256, 256, "half", 8.0, None),
                     "sliding_attention": ("default", 10_000.0, 256, 256, "half", None, None)},
    "phi3_5_mini_instruct": {ALL_LAYERS: ("longrope", 10_000.0, 96, 96, "half", 32.0, 4096)},
    "deepseek_v3": {ALL_LAYERS: ("yarn", 10_000.0, 64, 192, "interleaved", 40.0, 4096)},
    "gpt_neox_20b": {ALL_LAYERS: ("default", 10_000.0, 24, 96, "half", None, None)},
    "gptj_6b": {ALL_LAYERS: ("default", 10_000.0, 64, 256, "interleaved", None, None)},
    "qwen2_vl_7b_instruct": {ALL_LAYERS: ("default", 1e6, 128, 128, "half", None, None)},
}
ATTENTION = {  # closed forms of the attention factor on cos and sin
    "qwen2_5_7b_instruct_yarn": 0.1 * math.log(4.0) + 1.0,
    "phi3_5_mini_instruct": math.sqrt(1.0 + math.log(32.0) / math.log(4096.0)),
    "deepseek_v3": 1.0,  # mscale / mscale_all_dim = 1
}


def test_presets_are_the_package_files_and_fresh_copies():
    assert NAMES == sorted(p.stem for p in FIXTURES.glob("*.json")) and len(NAMES) == 14
    for name in NAMES:
        assert preset(name) == json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    first = preset("llama3_1_8b")
    first["rope_scaling"]["factor"] = 99.0
    first["rope_theta"] = 1.0
    assert preset("llama3_1_8b")["rope_scaling"]["factor"] == 8.0
    assert preset("llama3_1_8b")["rope_theta"] == 500_000.0
    # shipped with the package (a wheel carries them), not only present in this checkout
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"presets/*.json"' in text


@pytest.mark.parametrize("name", ["llama-3.1", "", "LLAMA2_7B", "llama2_7b.json", None, 3])
def test_unknown_preset_is_refused_by_name(name):
    with pytest.raises(ValueError, match=r"^name must be one of \['deepseek_v3', "):
        preset(name)


def test_fixtures_cover_the_issue_families_and_name_their_sources():
    assert set(NAMES) == set(EXPECTED)
    for name in NAMES:
        config = fixture(name)
        assert config["_source"].startswith("https://huggingface.co/"), name
        assert config.get("model_type") and config.get("architectures"), name
    phi = fixture("phi3_5_mini_instruct")["rope_scaling"]
    assert len(phi["short_factor"]) == len(phi["long_factor"]) == 48
    assert fixture("qwen2_5_7b_instruct_yarn")["rope_scaling"] == {
        "factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}


@pytest.mark.parametrize("name", NAMES)
def test_fixture_reads_what_the_model_card_says(name):
    spec = rope_from_config(FIXTURES / f"{name}.json")
    assert spec.spelling == "4.x" and spec.model_type == fixture(name)["model_type"]
    assert set(spec.layers) == set(EXPECTED[name])
    for layer_type, (rope_type, base, rotary, head, pairing, factor, original) in (
            EXPECTED[name].items()):
        layer = spec[layer_type]
        assert (layer.rope_type, layer.base, layer.rotary_dim, layer.head_dim, layer.pairing,
                layer.factor, layer.original_max_position_embeddings) == (
            rope_type, base, rotary, head, pairing, factor, original)
        assert layer.inv_freq.shape == (rotary // 2,) and layer.inv_freq.dtype == np.float64
        assert not layer.inv_freq.flags.writeable
        assert layer.attention_factor == pytest.approx(ATTENTION.get(name, 1.0), rel=1e-15)
        if rope_type == "default":  # the exponent runs over the rotary dims, not the head
            np.testing.assert_array_equal(layer.inv_freq, rv.inv_frequencies(rotary, base))
            np.testing.assert_allclose(
                layer.inv_freq, base ** (-np.arange(0, rotary, 2) / rotary), rtol=1e-14)


def test_family_specific_readings():
    neox = rope_from_config(FIXTURES / "gpt_neox_20b.json").layer
    assert neox.inv_freq[-1] == pytest.approx(10_000.0 ** (-22 / 24))  # not 10 000^(-22/96)
    spec = rope_from_config(FIXTURES / "gemma3_4b_it.json")
    with pytest.raises(ValueError, match="per layer type"):
        spec.layer  # noqa: B018
    assert spec["full_attention"].inv_freq[0] == pytest.approx(1 / 8)
    assert spec["sliding_attention"].inv_freq[0] == 1.0
    vl = rope_from_config(FIXTURES / "qwen2_vl_7b_instruct.json").layer
    assert vl.mrope_section == (16, 24, 24) and sum(vl.mrope_section) == vl.n_pairs
    deepseek = rope_from_config(FIXTURES / "deepseek_v3.json").layer
    assert deepseek.softmax_scale_factor == pytest.approx((0.1 * math.log(40) + 1) ** 2)
    phi = rope_from_config(FIXTURES / "phi3_5_mini_instruct.json").layer
    theta = rv.inv_frequencies(96, 10_000.0)
    np.testing.assert_allclose(phi.inv_freq, theta / phi.short_factor, rtol=1e-15)
    np.testing.assert_allclose(phi.long_inv_freq, theta / phi.long_factor, rtol=1e-15)


# -- both spellings -----------------------------------------------------------------------------
def assert_same_rope(a: RopeSpec, b: RopeSpec) -> None:
    assert set(a.layers) == set(b.layers)
    for key, x in a.layers.items():
        y = b.layers[key]
        for name in ("rope_type", "base", "rotary_dim", "head_dim", "pairing", "attention_factor",
                     "softmax_scale_factor", "max_position_embeddings", "factor",
                     "original_max_position_embeddings", "mrope_section"):
            assert getattr(x, name) == getattr(y, name), (key, name)
        for name in ("inv_freq", "long_inv_freq", "short_factor", "long_factor"):
            if getattr(x, name) is None:
                assert getattr(y, name) is None, (key, name)
            else:
                np.testing.assert_array_equal(getattr(x, name), getattr(y, name))


@pytest.mark.parametrize("name", NAMES)
def test_v5_spelling_reads_the_same_rope(name):
    config = fixture(name)
    v5 = to_v5_config(config)
    assert config == fixture(name)  # the input is not modified
    text = v5.get("text_config", v5)
    if config["model_type"] == "gptj":  # transformers 5 keeps GPT-J's rotary_dim
        assert v5 == config
    else:
        assert not {"rope_theta", "rope_scaling", "rope_local_base_freq", "rotary_pct",
                    "rotary_emb_base"} & set(text)
        assert "rope_theta" in json.dumps(text["rope_parameters"])
    spec5 = rope_from_config(v5)
    assert spec5.spelling == ("4.x" if name == "gptj_6b" else "5.x")
    assert_same_rope(rope_from_config(config), spec5)
    assert to_v5_config(v5) == v5  # already 5.x: nothing left to rewrite


# -- cross-check against transformers ------------------------------------------------------------
@pytest.fixture(scope="module")
def hf(require_peer):
    transformers = require_peer("transformers")
    from transformers import CONFIG_MAPPING
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    return transformers, CONFIG_MAPPING, ROPE_INIT_FUNCTIONS


def hf_config(hf, config: dict):
    _, config_mapping, _ = hf
    kwargs = hub_keys_only(config)
    return config_mapping[kwargs.pop("model_type")](**kwargs)


def rotary_module(model_type: str, text_config):
    """The model's own rotary-embedding module (what the forward pass uses)."""
    with warnings.catch_warnings():  # peers' import-time deprecation notices (torchao)
        warnings.simplefilter("ignore")
        module = importlib.import_module(f"transformers.models.{model_type}.modeling_{model_type}")
    (cls,) = [getattr(module, n) for n in dir(module)
              if n.endswith("RotaryEmbedding") and "Vision" not in n]
    return cls(text_config)


def max_abs(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


MAX_DIFF: dict[tuple[str, str], float] = {}  # (fixture, spelling) -> worst |inv_freq difference|


def check_layer_against_transformers(hf, layer: RopeLayer, text_config, model_type, key):
    _, _, init_functions = hf
    layer_type = None if layer.layer_type == ALL_LAYERS else layer.layer_type
    worst = 0.0
    # 1. the model's rotary module: its inv_freq buffer and attention scaling at init
    module = rotary_module(model_type, text_config)
    prefix = "" if layer_type is None else f"{layer_type}_"
    module_freq = getattr(module, f"{prefix}inv_freq").double().numpy()
    module_scaling = getattr(module, f"{prefix}attention_scaling")
    np.testing.assert_allclose(layer.inv_freq, module_freq, rtol=RTOL32, atol=0)
    assert layer.attention_factor == pytest.approx(float(module_scaling), rel=1e-12)
    worst = max(worst, max_abs(layer.inv_freq, module_freq))
    # 2. ROPE_INIT_FUNCTIONS (5.x has no "default": the module's own default is checked above)
    if layer.rope_type != "default":
        init = init_functions[layer.rope_type]
        freq, scaling = init(text_config, "cpu", layer_type=layer_type)
        np.testing.assert_allclose(layer.inv_freq, freq.double().numpy(), rtol=RTOL32, atol=0)
        assert layer.attention_factor == pytest.approx(float(scaling), rel=1e-12)
        worst = max(worst, max_abs(layer.inv_freq, freq.numpy()))
    if layer.rope_type == "longrope":  # transformers picks the set by the sequence length
        original = layer.original_max_position_embeddings
        for seq_len, expected in [(original, layer.inv_freq), (original + 1, layer.long_inv_freq)]:
            freq, scaling = init(text_config, "cpu", seq_len=seq_len, layer_type=layer_type)
            np.testing.assert_allclose(expected, freq.double().numpy(), rtol=RTOL32, atol=0)
            np.testing.assert_array_equal(layer.inv_freq_at(seq_len), expected)
            assert layer.attention_factor == pytest.approx(float(scaling), rel=1e-12)
            worst = max(worst, max_abs(expected, freq.numpy()))
        assert not np.allclose(layer.inv_freq, layer.long_inv_freq)
    MAX_DIFF[key] = max(MAX_DIFF.get(key, 0.0), worst)


@pytest.mark.parametrize("spelling", ["4.x", "5.x"])
@pytest.mark.parametrize("name", [n for n in NAMES if n != "gptj_6b"])
def test_matches_transformers(hf, name, spelling):
    config = fixture(name) if spelling == "4.x" else to_v5_config(fixture(name))
    spec = rope_from_config(config)
    hf_cfg = hf_config(hf, config)
    text_config = hf_cfg.get_text_config()
    model_type = hub_keys_only(config)["model_type"]
    for layer in spec.layers.values():
        check_layer_against_transformers(hf, layer, text_config, model_type, (name, spelling))
    # the config object itself, and the 5.x dict transformers writes for it, read the same
    assert_same_rope(rope_from_config(hf_cfg), spec)
    written = rope_from_config(json.loads(json.dumps(hf_cfg.to_dict())))
    assert written.spelling == "5.x"
    assert_same_rope(written, spec)


def test_deepseek_softmax_scale_matches_transformers(hf):
    from transformers.models.deepseek_v3.modeling_deepseek_v3 import yarn_apply_mscale

    for config in (fixture("deepseek_v3"), to_v5_config(fixture("deepseek_v3"))):
        hf_cfg = hf_config(hf, config)
        layer = rope_from_config(config).layer
        assert layer.softmax_scale_factor == pytest.approx(
            yarn_apply_mscale(hf_cfg.rope_parameters, 1.0), rel=1e-15)
        assert layer.pairing == ("interleaved" if hf_cfg.rope_interleave else "half")


@pytest.mark.parametrize("spelling", ["4.x", "5.x"])
def test_gptj_matches_transformers_sinusoid_table(hf, spelling):
    from transformers.models.gptj.modeling_gptj import create_sinusoidal_positions

    config = fixture("gptj_6b") if spelling == "4.x" else to_v5_config(fixture("gptj_6b"))
    hf_cfg = hf_config(hf, config)
    layer = rope_from_config(config).layer
    assert hf_cfg.rotary_dim == layer.rotary_dim == 64
    length = hf_cfg.n_positions
    table = create_sinusoidal_positions(length, hf_cfg.rotary_dim).double().numpy()
    sin, cos = table[:, : layer.n_pairs], table[:, layer.n_pairs:]
    # the angle at position 1 is the frequency itself
    np.testing.assert_allclose(np.arctan2(sin[1], cos[1]), layer.inv_freq, rtol=RTOL32)
    my_cos, my_sin = layer.cos_sin(np.arange(length))
    atol = 8 * np.finfo(np.float32).eps * length  # float32 angles up to position 2047
    assert max_abs(my_cos, cos) < atol and max_abs(my_sin, sin) < atol
    MAX_DIFF[("gptj_6b", spelling)] = max_abs(np.arctan2(sin[1], cos[1]), layer.inv_freq)


def test_gemma3_class_defaults_are_the_typed_values(hf):
    # the Hub file names only a few text_config keys; the fixture types the rest explicitly
    config = fixture("gemma3_4b_it")
    sparse = {**hub_keys_only(config)}
    sparse["text_config"] = {k: v for k, v in config["text_config"].items()
                             if k in config["_hub_keys"]}
    from_hub = rope_from_config(hf_config(hf, sparse))
    assert_same_rope(from_hub, rope_from_config(config))
    assert from_hub.layer_types[:6] == ("sliding_attention",) * 5 + ("full_attention",)
    assert from_hub.layer_for(5) is from_hub["full_attention"]


@pytest.mark.parametrize("rope_parameters, max_position, seq_lens", [
    ({"rope_type": "dynamic", "factor": 2.0}, 2048, [1000, 2048, 7000]),
    ({"rope_type": "proportional", "partial_rotary_factor": 0.25}, 4096, [None]),
    ({"rope_type": "yarn", "factor": 16.0, "original_max_position_embeddings": 4096,
      "truncate": False, "beta_fast": 16.0}, 65536, [None]),
])
def test_other_types_match_transformers(hf, rope_parameters, max_position, seq_lens):
    _, config_mapping, init_functions = hf
    config = {"model_type": "llama", "hidden_size": 512, "num_attention_heads": 4,
              "max_position_embeddings": max_position,
              "rope_parameters": {**rope_parameters, "rope_theta": 10_000.0}}
    layer = rope_from_config(config).layer
    hf_cfg = hf_config(hf, config)
    for seq_len in seq_lens:
        freq, scaling = init_functions[layer.rope_type](hf_cfg, "cpu", seq_len=seq_len)
        mine = layer.inv_freq if seq_len is None else layer.inv_freq_at(seq_len)
        np.testing.assert_allclose(mine, freq.double().numpy(), rtol=RTOL32, atol=0)
        assert layer.attention_factor == pytest.approx(float(scaling), rel=1e-12)


def test_max_abs_difference_table(hf):
    """Runs last in this module: every fixture and spelling was compared (the report's table)."""
    expected = {(n, s) for n in NAMES for s in ("4.x", "5.x")}
    missing = expected - set(MAX_DIFF)
    if missing:
        pytest.skip(f"cross-checks not run in this session: {sorted(missing)[:3]} ...")
    rows = [f"{n:26s} {s}  {MAX_DIFF[(n, s)]:.2e}" for n, s in sorted(MAX_DIFF)]
    print("\nmax |inv_freq(ropeviz) - inv_freq(transformers)|\n" + "\n".join(rows))
    assert max(MAX_DIFF.values()) < 1e-6


# -- input kinds ----------------------------------------------------------------------------------
def test_accepts_dict_path_folder_and_config_objects(tmp_path):
    config = fixture("llama3_1_8b")
    reference = rope_from_config(config)
    folder = tmp_path / "Llama-3.1-8B"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    for source in (str(folder / "config.json"), folder / "config.json", folder, str(folder)):
        assert_same_rope(rope_from_config(source), reference)

    class Duck:  # anything with to_dict(), like a transformers config
        def to_dict(self):
            return config

    assert_same_rope(rope_from_config(Duck()), reference)


def test_import_stays_free_of_torch_and_transformers():
    code = (
        "import sys, ropeviz\n"
        "from ropeviz import rope_from_config\n"
        f"for p in sorted(__import__('pathlib').Path({str(FIXTURES)!r}).glob('*.json')):\n"
        "    rope_from_config(p)\n"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_public_api():
    for name in ("rope_from_config", "to_v5_config", "RopeSpec", "RopeLayer", "yarn_mscale"):
        assert name in rv.__all__ and getattr(rv, name) is not None
    assert {"preset", "presets"} <= set(rv.configs.__all__)
    assert "ropeviz.configs" in rv.__doc__


# -- the mistakes the chapter demonstrates --------------------------------------------------------
def test_raising_max_position_embeddings_changes_no_frequency():
    for name in ("llama2_7b", "llama3_1_8b", "qwen2_5_7b_instruct_yarn", "deepseek_v3"):
        config = fixture(name)
        raised = {**config, "max_position_embeddings": 4 * config["max_position_embeddings"]}
        a, b = rope_from_config(config).layer, rope_from_config(raised).layer
        np.testing.assert_array_equal(a.inv_freq, b.inv_freq)
        assert a.attention_factor == b.attention_factor
        assert b.max_position_embeddings == 4 * a.max_position_embeddings


def test_dropped_scaling_block_moves_the_slow_pairs_only():
    config = fixture("llama3_1_8b")
    trained = rope_from_config(config).layer
    dropped = rope_from_config({k: v for k, v in config.items() if k != "rope_scaling"}).layer
    assert_same_rope(RopeSpec({ALL_LAYERS: trained.unscaled()}), RopeSpec({ALL_LAYERS: dropped}))
    ratio = dropped.inv_freq / trained.inv_freq
    assert ratio[0] == 1.0 and ratio[-1] == pytest.approx(8.0)  # fast kept, slow divided by 8
    # past the original 8192 tokens the slowest pair sits at an angle the model never used
    m = 100_000
    assert dropped.angles(m)[-1] > 8 * trained.angles(m)[-1] * (1 - 1e-12)


def test_static_yarn_also_changes_short_prompts():
    yarn = rope_from_config(FIXTURES / "qwen2_5_7b_instruct_yarn.json").layer
    plain = rope_from_config(FIXTURES / "qwen2_5_7b_instruct.json").layer
    assert_same_rope(RopeSpec({ALL_LAYERS: yarn.unscaled()}), RopeSpec({ALL_LAYERS: plain}))
    moved = yarn.inv_freq != plain.inv_freq
    assert moved.sum() == 40 and not moved[:24].any()  # pairs 24..63 are interpolated
    positions = np.arange(100)  # a short prompt, far inside the original 32 768 tokens
    assert max_abs(yarn.angles(positions), plain.angles(positions)) > 0.04  # radians
    cos_y, _ = yarn.cos_sin(positions)
    cos_p, _ = plain.cos_sin(positions)
    assert cos_y[0, 0] == pytest.approx(1.1386294361119891) and cos_p[0, 0] == 1.0
    assert yarn.attention_factor == pytest.approx(0.1 * math.log(4) + 1)  # at every length
    assert yarn.logit_scale == pytest.approx(yarn.attention_factor**2)


def test_ignored_attention_factor_softens_every_logit():
    layer = rope_from_config(FIXTURES / "phi3_5_mini_instruct.json").layer
    positions = np.arange(16)
    with_factor = layer.cos_sin(positions)
    without = layer.cos_sin(positions, attention_factor=False)
    for a, b in zip(with_factor, without):
        np.testing.assert_allclose(a, layer.attention_factor * b, rtol=1e-15)
    assert layer.attention_factor > 1.19


def test_mscale_applied_twice_overcounts_the_temperature():
    layer = rope_from_config(FIXTURES / "deepseek_v3.json").layer
    assert layer.attention_factor == 1.0
    assert layer.logit_scale == pytest.approx(yarn_mscale(40.0, 1.0) ** 2)  # 1.874
    twice = yarn_mscale(40.0) ** 2 * layer.softmax_scale_factor  # plain YaRN factor + softmax fix
    assert twice == pytest.approx(3.5114, abs=1e-4) and twice > 1.8 * layer.logit_scale


def test_longrope_switches_sets_after_the_original_length():
    layer = rope_from_config(FIXTURES / "phi3_5_mini_instruct.json").layer
    np.testing.assert_array_equal(layer.inv_freq_at(4096), layer.inv_freq)
    np.testing.assert_array_equal(layer.inv_freq_at(4097), layer.long_inv_freq)
    np.testing.assert_array_equal(layer.angles(np.arange(4097))[-1], 4096 * layer.long_inv_freq)
    assert layer.trained_length == 4096


def test_dynamic_ntk_recomputes_its_base_past_the_configured_length():
    config = {**fixture("llama2_7b"), "rope_scaling": {"type": "dynamic", "factor": 2.0}}
    layer = rope_from_config(config).layer
    np.testing.assert_array_equal(layer.inv_freq, rv.inv_frequencies(128, 10_000.0))
    np.testing.assert_array_equal(layer.inv_freq_at(4096), layer.inv_freq)
    expected, _ = scaled_inv_frequencies(128, 10_000.0, "dynamic", factor=2.0,
                                         original_length=4096, seq_len=10_000)
    np.testing.assert_array_equal(layer.inv_freq_at(10_000), expected)


# -- one source of truth: any llama-style config reads as scaling.py computes it --------------
scalings = st.sampled_from([
    None,
    {"type": "linear", "factor": 4.0},
    {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 2048},
    {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
     "original_max_position_embeddings": 2048},
])


@given(st.sampled_from([32, 64, 80, 128, 256]), st.sampled_from([10_000.0, 5e5, 1e6]), scalings,
       st.sampled_from([1.0, 0.5, 0.25]))
def test_any_llama_style_config_reads_as_scaling_computes_it(head_dim, base, scaling, partial):
    config = {"model_type": "llama", "hidden_size": 4 * head_dim, "num_attention_heads": 4,
              "max_position_embeddings": 16_384, "rope_theta": base, "rope_scaling": scaling,
              "partial_rotary_factor": partial}
    layer = rope_from_config(config).layer
    rotary = int(head_dim * partial)
    assert layer.rotary_dim == rotary and layer.head_dim == head_dim
    if scaling is None:
        expected, attention = rv.inv_frequencies(rotary, base), 1.0
    else:
        method = scaling.get("rope_type", scaling.get("type"))
        params = {"factor": scaling["factor"]}
        if "original_max_position_embeddings" in scaling:
            params["original_length"] = scaling["original_max_position_embeddings"]
        expected, attention = scaled_inv_frequencies(rotary, base, method, **params)
    np.testing.assert_array_equal(layer.inv_freq, expected)
    assert layer.attention_factor == attention
    assert_same_rope(rope_from_config(to_v5_config(config)), rope_from_config(config))


# -- bad configs: a ValueError naming the field ---------------------------------------------------
LLAMA = {"model_type": "llama", "hidden_size": 512, "num_attention_heads": 4,
         "max_position_embeddings": 4096, "rope_theta": 10_000.0}
L3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
      "original_max_position_embeddings": 8192}


def with_(**changes):
    return {**LLAMA, **changes}


def phi(original=4096, **scaling):
    base = {"type": "longrope", "short_factor": [1.0] * 64, "long_factor": [2.0] * 64}
    return with_(rope_scaling={**base, **scaling}, max_position_embeddings=131072,
                 original_max_position_embeddings=original)


BAD = [
    pytest.param(with_(rope_scaling={"type": "ntk-by-parts", "factor": 2.0}),
                 r"^rope_scaling\['type'\] must be one of", id="unknown-type-4x"),
    pytest.param(with_(rope_parameters={"rope_type": "xpos", "rope_theta": 1e4}, rope_theta=None),
                 r"^rope_parameters\['rope_type'\] must be one of", id="unknown-type-5x"),
    pytest.param(with_(rope_scaling={"rope_type": 8}), r"^rope_scaling\['rope_type'\] must be a",
                 id="type-not-a-string"),
    pytest.param(with_(rope_scaling={"type": "linear"}),
                 r"^rope_scaling\['factor'\] is required", id="missing-factor"),
    pytest.param(with_(rope_scaling={"rope_type": "yarn",
                                     "original_max_position_embeddings": 2048}),
                 r"^rope_scaling\['factor'\] is required", id="yarn-missing-factor"),
    pytest.param(with_(rope_scaling={"type": "linear", "factor": 0.5}),
                 r"^rope_scaling\['factor'\] must be at least 1", id="factor-below-1"),
    pytest.param(with_(rope_scaling={"type": "linear", "factor": -2.0}),
                 r"^rope_scaling\['factor'\] must be a finite positive", id="factor-negative"),
    pytest.param(with_(rope_scaling={"type": "linear", "factor": "4"}),
                 r"^rope_scaling\['factor'\] must be a finite positive", id="factor-string"),
    pytest.param(with_(rope_scaling=L3),
                 r"^rope_scaling\['original_max_position_embeddings'\] \(8192\) must not exceed "
                 r"the target length max_position_embeddings \(4096\)", id="original-above-target"),
    pytest.param(phi(original=200_000),
                 r"^original_max_position_embeddings \(200000\) must not exceed",
                 id="phi-original-above"),
    pytest.param(with_(rope_theta=0.0), r"^rope_theta must be a finite positive", id="theta-zero"),
    pytest.param(with_(rope_theta=-1e4), r"^rope_theta must be", id="theta-negative"),
    pytest.param(with_(rope_theta=float("inf")), r"^rope_theta must be", id="theta-inf"),
    pytest.param(with_(rope_theta="1e4"), r"^rope_theta must be", id="theta-string"),
    pytest.param({**LLAMA, "rope_theta": None, "rope_parameters": {"rope_theta": float("nan")}},
                 r"^rope_parameters\['rope_theta'\] must be", id="theta-nan-5x"),
    pytest.param({"model_type": "gpt_neox", "hidden_size": 512, "num_attention_heads": 8,
                  "rotary_emb_base": 0}, r"^rotary_emb_base must be", id="neox-base-zero"),
    pytest.param({**LLAMA, "rope_theta": None, "rope_parameters": {
        "full_attention": {"rope_type": "default", "rope_theta": -1.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 1e4}}},
        r"^rope_parameters\['full_attention'\]\['rope_theta'\] must be", id="theta-nested"),
    pytest.param(with_(head_dim=92, partial_rotary_factor=0.25),
                 r"rotary dimension .*partial_rotary_factor.* must be a positive even number, "
                 r"got 23", id="odd-rotary-dim"),
    pytest.param({"model_type": "gptj", "n_embd": 4096, "n_head": 16, "rotary_dim": 63},
                 r"rotary dimension rotary_dim must be a positive even", id="gptj-odd-rotary"),
    pytest.param({"model_type": "gptj", "n_embd": 4096, "n_head": 16, "rotary_dim": 512},
                 r"^rotary_dim must be at most", id="gptj-rotary-above-head"),
    pytest.param(with_(head_dim=7), r"rotary dimension .* got 7", id="odd-head-dim"),
    pytest.param(with_(partial_rotary_factor=1.5), r"^partial_rotary_factor must be a number in",
                 id="partial-above-1"),
    pytest.param({"model_type": "gpt_neox", "hidden_size": 512, "num_attention_heads": 8,
                  "rotary_pct": 0.0}, r"^rotary_pct must be a number in", id="rotary-pct-zero"),
    pytest.param(with_(hidden_size=500, num_attention_heads=3),
                 r"^hidden_size \(500\) must be a multiple of num_attention_heads", id="hidden"),
    pytest.param({"model_type": "llama", "rope_theta": 1e4}, r"^head_dim: the config gives",
                 id="no-head-dim"),
    pytest.param(with_(head_dim=0), r"^head_dim must be a positive integer", id="head-dim-zero"),
    pytest.param(phi(short_factor=[1.0] * 63), r"^rope_scaling: short_factor must hold one factor",
                 id="longrope-short-length"),
    pytest.param(phi(long_factor=[1.0] * 63 + [0.0]),
                 r"^rope_scaling: long_factor must hold positive", id="longrope-long-zero"),
    pytest.param(with_(rope_scaling={"type": "longrope", "long_factor": [2.0] * 64},
                       max_position_embeddings=131072, original_max_position_embeddings=4096),
                 r"^rope_scaling\['short_factor'\] is required", id="longrope-missing-short"),
    pytest.param(with_(rope_scaling={"type": "mrope", "mrope_section": [16, 24, 16]}),
                 r"^rope_scaling\['mrope_section'\] must add up to rotary_dim // 2 = 64",
                 id="mrope-sum"),
    pytest.param(with_(rope_scaling={"type": "mrope", "mrope_section": "16,24,24"}),
                 r"^rope_scaling\['mrope_section'\] must be a list", id="mrope-string"),
    pytest.param(with_(rope_scaling={"rope_type": "yarn", "factor": 4.0, "beta_fast": 1.0,
                                     "beta_slow": 2.0, "original_max_position_embeddings": 1024}),
                 r"^rope_scaling: beta_fast must be larger than beta_slow", id="yarn-beta-order"),
    pytest.param(with_(rope_scaling={"rope_type": "yarn", "factor": 4.0, "attention_factor": -1.0,
                                     "original_max_position_embeddings": 1024}),
                 r"^rope_scaling: attention_factor must be", id="yarn-attention-negative"),
    pytest.param(with_(rope_scaling={"rope_type": "yarn", "factor": 4.0, "mscale": -1.0,
                                     "mscale_all_dim": 1.0,
                                     "original_max_position_embeddings": 1024}),
                 r"^rope_scaling: mscale must be", id="yarn-mscale-negative"),
    pytest.param({**LLAMA, "max_position_embeddings": None, "rope_scaling": {"type": "dynamic",
                                                                          "factor": 2.0}},
                 r"^max_position_embeddings is required by rope_type 'dynamic'", id="dynamic"),
    pytest.param(with_(max_position_embeddings=0), r"^max_position_embeddings must be a positive",
                 id="max-positions-zero"),
    pytest.param(with_(rope_scaling={"type": "linear", "factor": 2.0},
                       rope_parameters={"rope_type": "default"}),
                 r"both rope_scaling .* and rope_parameters", id="both-spellings"),
    pytest.param(with_(rope_scaling=[2.0]), r"^rope_scaling must be a dict", id="scaling-list"),
    pytest.param(with_(rope_parameters={"full_attention": None}),
                 r"^rope_parameters: every layer type is null", id="all-nope"),
]


@pytest.mark.parametrize("config, pattern", BAD)
def test_bad_config_raises_value_error_naming_the_field(config, pattern):
    with pytest.raises(ValueError, match=pattern):
        rope_from_config(config)


def test_bad_sources(tmp_path):
    with pytest.raises(ValueError, match=r"^config must be .* no file at"):
        rope_from_config(tmp_path / "missing.json")
    broken = tmp_path / "config.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match=r"^config: .* is not valid JSON"):
        rope_from_config(tmp_path)
    broken.write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"^config: .* must hold a JSON object"):
        rope_from_config(broken)
    with pytest.raises(TypeError, match=r"^config must be a dict"):
        rope_from_config(42)


def test_spec_and_layer_reject_bad_fields():
    layer = rope_from_config(LLAMA).layer
    with pytest.raises(ValueError, match=r"^layer_type must be one of \['all'\]"):
        rope_from_config(LLAMA)["full_attention"]
    with pytest.raises(ValueError, match=r"^layers must be a non-empty mapping"):
        RopeSpec({})
    with pytest.raises(ValueError, match=r"^inv_freq must have shape"):
        RopeLayer("all", "default", 1e4, 8, 8, "half", np.ones(3))
    with pytest.raises(ValueError, match=r"^pairing must be one of"):
        RopeLayer("all", "default", 1e4, 8, 8, "neox", np.ones(4))
    with pytest.raises(ValueError, match=r"^head_dim must be at least rotary_dim"):
        RopeLayer("all", "default", 1e4, 8, 4, "half", np.ones(4))
    with pytest.raises(ValueError, match=r"^seq_len must be a positive integer"):
        layer.inv_freq_at(0)
    with pytest.raises(ValueError, match=r"^positions must be finite"):
        layer.angles([0.0, float("nan")])
    with pytest.raises(AttributeError):
        layer.base = 5.0  # frozen
    with pytest.raises(ValueError):
        layer.inv_freq[0] = 2.0  # read-only array
