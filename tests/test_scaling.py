"""Context-extension schedules (ropeviz.scaling): closed forms, limits, and transformers' init."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ropeviz as rv
from ropeviz.scaling import (
    METHODS,
    cosine_sum,
    min_base_for_context,
    scaled_inv_frequencies,
    yarn_mscale,
    yarn_ramp,
)

head_dims = st.sampled_from([4, 8, 16, 32, 64, 128, 256])
bases = st.sampled_from([100.0, 10_000.0, 500_000.0, 1_000_000.0])
factors = st.floats(min_value=1.0, max_value=64.0)


# -- closed forms ------------------------------------------------------------------------------
@given(head_dims, bases, factors)
def test_linear_is_position_interpolation(d, base, s):
    inv_freq, attention = scaled_inv_frequencies(d, base, "linear", factor=s)
    np.testing.assert_allclose(inv_freq, rv.inv_frequencies(d, base) / s, rtol=1e-13)
    assert attention == 1.0
    # dividing the frequency by s is the same as dividing the position by s
    m = 4321.0
    np.testing.assert_allclose(m * inv_freq, (m / s) * rv.inv_frequencies(d, base), rtol=1e-12)


@given(head_dims, bases, factors)
def test_ntk_is_a_larger_base(d, base, s):
    inv_freq, attention = scaled_inv_frequencies(d, base, "ntk", factor=s)
    closed_form = base * s ** (d / (d - 2))
    np.testing.assert_allclose(inv_freq, rv.inv_frequencies(d, closed_form), rtol=1e-12)
    assert attention == 1.0
    # fastest pair untouched, slowest pair interpolated exactly like PI
    theta = rv.inv_frequencies(d, base)
    assert inv_freq[0] == theta[0] == 1.0
    assert inv_freq[-1] == pytest.approx(theta[-1] / s, rel=1e-12)


@given(head_dims, bases, factors, st.integers(1, 8192), st.integers(1, 4))
def test_dynamic_is_identity_up_to_the_original_length(d, base, s, length, fraction):
    seq_len = max(1, length // fraction)
    inv_freq, _ = scaled_inv_frequencies(d, base, "dynamic", factor=s, original_length=length,
                                         seq_len=seq_len)
    np.testing.assert_array_equal(inv_freq, rv.inv_frequencies(d, base))


@given(head_dims, bases, st.integers(16, 8192), st.integers(2, 16))
def test_dynamic_with_factor_one_is_ntk_at_the_length_ratio(d, base, length, ratio):
    inv_freq, _ = scaled_inv_frequencies(d, base, "dynamic", factor=1.0, original_length=length,
                                         seq_len=ratio * length)
    ntk, _ = scaled_inv_frequencies(d, base, "ntk", factor=float(ratio))
    np.testing.assert_allclose(inv_freq, ntk, rtol=1e-12)


@pytest.mark.parametrize("d, base, L, s", [(128, 10_000.0, 4096, 8.0), (64, 10_000.0, 2048, 4.0),
                                         (128, 500_000.0, 8192, 16.0), (32, 1_000.0, 512, 2.0)])
@pytest.mark.parametrize("ramp", ["index", "ratio"])
def test_yarn_ramp_limits(d, base, L, s, ramp):
    theta = rv.inv_frequencies(d, base)
    turns = L * theta / (2 * np.pi)  # r = L / lambda
    inv_freq, attention = scaled_inv_frequencies(d, base, "yarn", factor=s, original_length=L,
                                                 ramp=ramp)
    slow, fast = turns < 1.0, turns > 32.0
    assert slow.any() and fast.any()
    np.testing.assert_allclose(inv_freq[slow], theta[slow] / s, rtol=1e-12)  # interpolated
    np.testing.assert_allclose(inv_freq[fast], theta[fast], rtol=1e-12)  # untouched
    middle = ~slow & ~fast
    assert np.all(inv_freq[middle] <= theta[middle] * (1 + 1e-12))
    assert np.all(inv_freq[middle] >= theta[middle] / s * (1 - 1e-12))
    assert attention == pytest.approx(0.1 * math.log(s) + 1.0, rel=1e-15)


def test_yarn_ramp_shapes():
    gamma_index = yarn_ramp(128, 10_000.0, original_length=4096)
    gamma_ratio = yarn_ramp(128, 10_000.0, original_length=4096, ramp="ratio")
    for gamma in (gamma_index, gamma_ratio):
        assert gamma.shape == (64,) and gamma.min() == 0.0 and gamma.max() == 1.0
        assert np.all(np.diff(gamma) <= 0)  # fast pairs kept, slow pairs interpolated
    assert not np.allclose(gamma_index, gamma_ratio)  # linear in index vs linear in r
    turns = 4096 * rv.inv_frequencies(128) / (2 * np.pi)
    middle = (turns > 1) & (turns < 32)
    np.testing.assert_allclose(gamma_ratio[middle], (turns[middle] - 1) / 31)


def test_yarn_attention_factor_choices():
    _, default = scaled_inv_frequencies(64, method="yarn", factor=8.0, original_length=1024)
    assert default == pytest.approx(1.2079441541679836)
    _, given_factor = scaled_inv_frequencies(64, method="yarn", factor=8.0, original_length=1024,
                                             attention_factor=1.5)
    assert given_factor == 1.5
    _, no_scaling = scaled_inv_frequencies(64, method="yarn", factor=1.0, original_length=1024)
    assert no_scaling == 1.0


def test_llama3_bands_for_llama_3_1():
    theta = rv.inv_frequencies(128, 500_000.0)
    inv_freq, attention = scaled_inv_frequencies(128, 500_000.0, "llama3", factor=8.0,
                                                 original_length=8192)
    ratio = inv_freq / theta
    unchanged = np.isclose(ratio, 1.0, rtol=1e-12, atol=0)
    divided = np.isclose(ratio, 1 / 8, rtol=1e-12, atol=0)
    smoothed = ~unchanged & ~divided
    assert (unchanged.sum(), smoothed.sum(), divided.sum()) == (29, 6, 29)
    assert attention == 1.0
    # bands in order: fast pairs kept, then the blend, then the slow pairs divided by 8
    assert unchanged[:29].all() and smoothed[29:35].all() and divided[35:].all()
    wavelength = 2 * np.pi / theta
    assert np.all(wavelength[unchanged] < 2048) and np.all(wavelength[divided] > 8192)


@pytest.mark.parametrize("p, kept", [(0.0, 0), (0.25, 16), (0.5, 32), (0.75, 48), (1.0, 64)])
def test_p_rope_zeros_the_lowest_fraction(p, kept):
    theta = rv.inv_frequencies(128)
    inv_freq, attention = scaled_inv_frequencies(128, method="p-rope", p=p)
    np.testing.assert_array_equal(inv_freq[:kept], theta[:kept])  # fastest pairs kept
    assert np.all(inv_freq[kept:] == 0.0)  # slowest fraction never rotates
    assert attention == 1.0


def test_every_method_returns_float64_pairs():
    kwargs = {"linear": {"factor": 2.0}, "ntk": {"factor": 2.0},
              "dynamic": {"factor": 2.0, "original_length": 64, "seq_len": 200},
              "yarn": {"factor": 2.0, "original_length": 64},
              "llama3": {"factor": 2.0, "original_length": 64}, "p-rope": {"p": 0.5},
              "longrope": {"short_factor": [1.0] * 8, "long_factor": [2.0] * 8,
                           "original_length": 64, "factor": 4.0}}
    assert set(kwargs) == set(METHODS)
    for method, params in kwargs.items():
        inv_freq, attention = scaled_inv_frequencies(16, 100.0, method, **params)
        assert inv_freq.shape == (8,) and inv_freq.dtype == np.float64
        assert isinstance(attention, float)


def test_yarn_mscale_and_deepseek_attention_factor():
    assert yarn_mscale(1.0) == 1.0 and yarn_mscale(0.5, 3.0) == 1.0  # no extension, no factor
    assert yarn_mscale(40.0) == pytest.approx(0.1 * math.log(40.0) + 1.0, rel=1e-15)
    assert yarn_mscale(40.0, 0.707) == pytest.approx(0.0707 * math.log(40.0) + 1.0, rel=1e-15)
    kwargs = {"factor": 40.0, "original_length": 4096}
    inv_freq, plain = scaled_inv_frequencies(64, 10_000.0, "yarn", **kwargs)
    assert plain == yarn_mscale(40.0)
    # DeepSeek: both given -> their ratio on cos and sin (1 when equal); frequencies unchanged
    deepseek, ratio = scaled_inv_frequencies(64, 10_000.0, "yarn", mscale=1.0, mscale_all_dim=1.0,
                                             **kwargs)
    np.testing.assert_array_equal(deepseek, inv_freq)
    assert ratio == 1.0
    _, ratio = scaled_inv_frequencies(64, 10_000.0, "yarn", mscale=0.707, mscale_all_dim=1.0,
                                      **kwargs)
    assert ratio == pytest.approx(yarn_mscale(40.0, 0.707) / yarn_mscale(40.0, 1.0), rel=1e-15)
    # a lone mscale, or a zero one, is ignored (as in transformers); attention_factor wins
    for extra in ({"mscale": 2.0}, {"mscale_all_dim": 2.0}, {"mscale": 0.0, "mscale_all_dim": 1.0}):
        assert scaled_inv_frequencies(64, 10_000.0, "yarn", **extra, **kwargs)[1] == plain
    assert scaled_inv_frequencies(64, 10_000.0, "yarn", attention_factor=1.5, mscale=1.0,
                                  mscale_all_dim=2.0, **kwargs)[1] == 1.5


def test_longrope_picks_its_factor_set_by_length():
    d, base, length = 16, 10_000.0, 4096
    short = np.linspace(1.0, 2.0, d // 2)
    long = np.linspace(1.0, 40.0, d // 2)
    theta = rv.inv_frequencies(d, base)
    kwargs = {"short_factor": short, "long_factor": long, "original_length": length,
              "factor": 32.0}
    for seq_len, factors in [(None, short), (1, short), (length, short), (length + 1, long)]:
        inv_freq, attention = scaled_inv_frequencies(d, base, "longrope", seq_len=seq_len,
                                                     **kwargs)
        np.testing.assert_allclose(inv_freq, theta / factors, rtol=1e-15)
        # the same attention factor at every length, short prompts included
        assert attention == pytest.approx(math.sqrt(1 + math.log(32.0) / math.log(length)))
    assert scaled_inv_frequencies(d, base, "longrope", **{**kwargs, "factor": 1.0})[1] == 1.0
    assert scaled_inv_frequencies(d, base, "longrope", attention_factor=1.25, **kwargs)[1] == 1.25
    # all factors 1: the unscaled schedule
    ones = {**kwargs, "short_factor": np.ones(d // 2)}
    np.testing.assert_array_equal(scaled_inv_frequencies(d, base, "longrope", **ones)[0], theta)


# -- Men et al.: the base bounds the context length --------------------------------------------
def test_cosine_sum_matches_its_definition():
    m = np.array([0, 1, 7, 1000, 54_321])
    theta = rv.inv_frequencies(64, 10_000.0)
    np.testing.assert_allclose(cosine_sum(m, 64), np.cos(np.outer(m, theta)).sum(1))
    assert cosine_sum(0, 128) == 64.0


@pytest.mark.parametrize("length, published", [(1024, 4.3e3), (2048, 1.2e4), (4096, 2.7e4),
                                               (8192, 8.4e4)])
def test_min_base_reproduces_the_finer_search(length, published):
    base = min_base_for_context(length, 128)
    assert float(f"{base:.1e}") == published
    # it passes, and the grid point below it fails
    assert cosine_sum(np.arange(length), 128, base).min() >= 0
    below = base / 10 ** (1 / 10_000)
    assert cosine_sum(np.arange(length), 128, below).min() < 0


def test_min_base_condition_is_not_monotone():
    # at L = 4096 the first passing bases form a narrow island; a coarse grid steps over it
    fine = min_base_for_context(4096, 128)
    coarse = min_base_for_context(4096, 128, points_per_decade=1000)
    assert coarse > 1.05 * fine
    m = np.arange(4096)
    assert cosine_sum(m, 128, fine).min() >= 0
    assert cosine_sum(m, 128, fine * 1.01).min() < 0  # a larger base fails again


def test_min_base_small_contexts_and_limit():
    assert min_base_for_context(1, 8) == 1.0  # only m = 0: every base passes
    with pytest.raises(ValueError, match="max_base"):
        min_base_for_context(4096, 128, max_base=1000.0)


# -- cross-check against transformers' RoPE initialisation functions ---------------------------
def _hf(require_peer, head_dim, max_position, rope_parameters):
    require_peer("transformers")
    from transformers import LlamaConfig
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    config = LlamaConfig(hidden_size=4 * head_dim, num_attention_heads=4, head_dim=head_dim,
                         max_position_embeddings=max_position,
                         rope_parameters=dict(rope_parameters))
    return ROPE_INIT_FUNCTIONS[rope_parameters["rope_type"]], config


CROSS_CHECKS = [
    # (ropeviz method and params, transformers rope_parameters, max_position, seq_len)
    ("linear", {"factor": 4.0}, {"rope_type": "linear", "factor": 4.0}, 4096, None),
    ("dynamic", {"factor": 2.0, "original_length": 2048, "seq_len": 7000},
     {"rope_type": "dynamic", "factor": 2.0}, 2048, 7000),
    ("dynamic", {"factor": 2.0, "original_length": 2048, "seq_len": 1000},
     {"rope_type": "dynamic", "factor": 2.0}, 2048, 1000),
    ("yarn", {"factor": 8.0, "original_length": 2048},
     {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 2048}, 16384, None),
    ("yarn", {"factor": 4.0, "original_length": 4096, "beta_fast": 16.0, "beta_slow": 2.0,
              "attention_factor": 1.1},
     {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096,
      "beta_fast": 16.0, "beta_slow": 2.0, "attention_factor": 1.1}, 16384, None),
    ("yarn", {"factor": 16.0, "original_length": 4096, "truncate": False},
     {"rope_type": "yarn", "factor": 16.0, "original_max_position_embeddings": 4096,
      "truncate": False}, 65536, None),
    ("llama3", {"factor": 8.0, "original_length": 8192},
     {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
      "original_max_position_embeddings": 8192}, 131072, None),
    ("llama3", {"factor": 32.0, "original_length": 8192, "low_freq_factor": 2.0,
                "high_freq_factor": 8.0},
     {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 2.0, "high_freq_factor": 8.0,
      "original_max_position_embeddings": 8192}, 131072, None),
    ("p-rope", {"p": 0.25}, {"rope_type": "proportional", "partial_rotary_factor": 0.25},
     4096, None),
    ("p-rope", {"p": 0.75, "factor": 2.0},
     {"rope_type": "proportional", "partial_rotary_factor": 0.75, "factor": 2.0}, 4096, None),
    # DeepSeek's mscale spellings: the ratio, a different ratio, and a lone (ignored) mscale
    ("yarn", {"factor": 40.0, "original_length": 4096, "mscale": 1.0, "mscale_all_dim": 1.0},
     {"rope_type": "yarn", "factor": 40.0, "original_max_position_embeddings": 4096,
      "mscale": 1.0, "mscale_all_dim": 1.0}, 163840, None),
    ("yarn", {"factor": 40.0, "original_length": 4096, "mscale": 0.707, "mscale_all_dim": 1.0},
     {"rope_type": "yarn", "factor": 40.0, "original_max_position_embeddings": 4096,
      "mscale": 0.707, "mscale_all_dim": 1.0}, 163840, None),
    ("yarn", {"factor": 16.0, "original_length": 4096, "mscale": 1.0},
     {"rope_type": "yarn", "factor": 16.0, "original_max_position_embeddings": 4096,
      "mscale": 1.0}, 65536, None),
]


@pytest.mark.parametrize("head_dim, base", [(128, 10_000.0), (64, 500_000.0)])
@pytest.mark.parametrize("method, params, hf_params, max_position, seq_len", CROSS_CHECKS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CROSS_CHECKS)])
def test_matches_transformers(require_peer, head_dim, base, method, params, hf_params,
                              max_position, seq_len):
    init, config = _hf(require_peer, head_dim, max_position, {**hf_params, "rope_theta": base})
    expected, expected_factor = init(config, "cpu", seq_len=seq_len)
    inv_freq, attention = scaled_inv_frequencies(head_dim, base, method, **params)
    # transformers computes in float32
    np.testing.assert_allclose(inv_freq, expected.double().numpy(), rtol=2e-6, atol=0)
    assert attention == pytest.approx(float(expected_factor), rel=1e-12)


@pytest.mark.parametrize("head_dim, base", [(128, 10_000.0), (96, 10_000.0), (64, 500_000.0)])
@pytest.mark.parametrize("seq_len", [None, 4096, 4097, 100_000])
def test_longrope_matches_transformers(require_peer, head_dim, base, seq_len):
    rng = np.random.default_rng(head_dim)
    short = np.round(1.0 + rng.random(head_dim // 2), 4).tolist()
    long = np.round(1.0 + 60.0 * np.sort(rng.random(head_dim // 2)), 4).tolist()
    # no factor in the config: transformers infers max_position / original (Phi-3's way)
    init, config = _hf(require_peer, head_dim, 131072, {
        "rope_type": "longrope", "rope_theta": base, "short_factor": short,
        "long_factor": long, "original_max_position_embeddings": 4096})
    expected, expected_factor = init(config, "cpu", seq_len=seq_len)
    inv_freq, attention = scaled_inv_frequencies(
        head_dim, base, "longrope", short_factor=short, long_factor=long, original_length=4096,
        factor=131072 / 4096, seq_len=seq_len)
    np.testing.assert_allclose(inv_freq, expected.double().numpy(), rtol=2e-6, atol=0)
    assert attention == pytest.approx(float(expected_factor), rel=1e-12)
