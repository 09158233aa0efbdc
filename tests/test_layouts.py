"""Tests of :mod:`ropeviz.layouts`: interleaved <-> half pairing, for activations and weights.

The central claim: a model whose W_q, W_k were trained with interleaved RoPE gives the same
attention scores with half RoPE once the rows of every head of W_q and W_k are permuted. Both
sides are float64 sums of the same products in a different order, so they agree to rounding:
``1e-12`` relative to the size of the scores, while the unpermuted model differs by O(1).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ropeviz as rv
from ropeviz import (
    apply_rope,
    half_to_interleaved,
    interleaved_to_half,
    pairing_permutation,
    permute_qk_weight,
    unpermute_qk_weight,
)

values = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def activations(draw):
    """float64 arrays of shape (..., head_dim) with 0 to 2 leading axes."""
    lead = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    head_dim = 2 * draw(st.integers(1, 16))
    return draw(hnp.arrays(np.float64, (*lead, head_dim), elements=values))


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------


def test_interleaved_to_half_order_for_d_8():
    x = np.arange(8)
    np.testing.assert_array_equal(interleaved_to_half(x), [0, 2, 4, 6, 1, 3, 5, 7])
    np.testing.assert_array_equal(half_to_interleaved(np.array([0, 2, 4, 6, 1, 3, 5, 7])), x)


@given(activations())
def test_round_trips_are_the_identity(x):
    np.testing.assert_array_equal(half_to_interleaved(interleaved_to_half(x)), x)
    np.testing.assert_array_equal(interleaved_to_half(half_to_interleaved(x)), x)
    np.testing.assert_array_equal(interleaved_to_half(x), x[..., pairing_permutation(x.shape[-1])])


@given(activations(), st.integers(-5000, 5000))
def test_rotation_commutes_with_the_layout_change(x, start):
    if x.ndim < 2:
        x = x[None]
    positions = start + np.arange(x.shape[-2])
    both = apply_rope(interleaved_to_half(x), positions, pairing="half")
    np.testing.assert_allclose(
        both, interleaved_to_half(apply_rope(x, positions, pairing="interleaved")), atol=1e-9
    )
    back = apply_rope(half_to_interleaved(x), positions, pairing="interleaved")
    np.testing.assert_allclose(back, half_to_interleaved(apply_rope(x, positions, pairing="half")), atol=1e-9)


def test_torch_inputs_stay_tensors_with_their_dtype():
    x = torch.arange(12, dtype=torch.bfloat16).reshape(3, 4)
    for function in (interleaved_to_half, half_to_interleaved):
        out = function(x)
        assert isinstance(out, torch.Tensor) and out.dtype == torch.bfloat16 and out.shape == x.shape
    assert torch.equal(interleaved_to_half(x)[0], torch.tensor([0, 2, 1, 3], dtype=torch.bfloat16))
    assert x[0, 1] == 1  # the input is not modified


# --------------------------------------------------------------------------------------------
# Projection weights
# --------------------------------------------------------------------------------------------


def permute_by_reshape(w, n_heads, head_dim):
    """Rows (head, i, j) -> (head, j, i), written with reshapes: the same map, another way."""
    rest = w.shape[1:]
    return w.reshape(n_heads, head_dim // 2, 2, *rest).swapaxes(1, 2).reshape(n_heads * head_dim, *rest)


@given(st.integers(1, 4), st.integers(1, 8), st.integers(1, 6), st.integers(0, 2**16))
def test_permute_matches_the_reshape_form_and_inverts(n_heads, half_head, d_model, seed):
    head_dim = 2 * half_head
    w = np.random.default_rng(seed).normal(size=(n_heads * head_dim, d_model))
    permuted = permute_qk_weight(w, n_heads, head_dim)
    np.testing.assert_array_equal(permuted, permute_by_reshape(w, n_heads, head_dim))
    np.testing.assert_array_equal(unpermute_qk_weight(permuted, n_heads, head_dim), w)
    np.testing.assert_array_equal(permute_qk_weight(unpermute_qk_weight(w, n_heads, head_dim), n_heads, head_dim), w)
    # per head, the rows are the activation permutation
    for head in range(n_heads):
        rows = slice(head * head_dim, (head + 1) * head_dim)
        np.testing.assert_array_equal(permuted[rows], interleaved_to_half(w[rows].T).T)
    # a bias is permuted like the rows
    b = w[:, 0]
    np.testing.assert_array_equal(permute_qk_weight(b, n_heads, head_dim), permuted[:, 0])


def scores(x, w_q, w_k, n_heads, n_kv_heads, head_dim, pairing):
    """Attention logits (heads, seq, seq) of one layer: project, split heads, RoPE, q k^T."""
    seq = x.shape[0]
    q = (x @ w_q.T).reshape(seq, n_heads, head_dim).transpose(1, 0, 2)
    k = (x @ w_k.T).reshape(seq, n_kv_heads, head_dim).transpose(1, 0, 2)
    k = np.repeat(k, n_heads // n_kv_heads, axis=0)  # grouped-query attention
    q, k = apply_rope(q, pairing=pairing), apply_rope(k, pairing=pairing)
    return q @ k.transpose(0, 2, 1)


@pytest.mark.parametrize(("n_heads", "n_kv_heads"), [(4, 4), (4, 2), (4, 1)])
def test_permuted_weights_give_identical_attention_scores(n_heads, n_kv_heads):
    rng = np.random.default_rng(0)
    head_dim, d_model, seq = 16, 32, 40
    x = rng.normal(size=(seq, d_model))
    w_q = rng.normal(size=(n_heads * head_dim, d_model)) / np.sqrt(d_model)
    w_k = rng.normal(size=(n_kv_heads * head_dim, d_model)) / np.sqrt(d_model)
    reference = scores(x, w_q, w_k, n_heads, n_kv_heads, head_dim, "interleaved")
    converted = scores(
        x, permute_qk_weight(w_q, n_heads, head_dim), permute_qk_weight(w_k, n_kv_heads, head_dim),
        n_heads, n_kv_heads, head_dim, "half",
    )
    scale = np.abs(reference).max()
    assert np.abs(converted - reference).max() <= 1e-12 * scale
    # without the permutation the half layout pairs the wrong features: a different model
    unconverted = scores(x, w_q, w_k, n_heads, n_kv_heads, head_dim, "half")
    assert np.abs(unconverted - reference).max() > 0.1 * scale
    # and the inverse takes a half-layout checkpoint back
    back = scores(
        x, unpermute_qk_weight(permute_qk_weight(w_q, n_heads, head_dim), n_heads, head_dim),
        w_k, n_heads, n_kv_heads, head_dim, "interleaved",
    )
    np.testing.assert_array_equal(back, reference)


def test_permuted_weights_with_the_torch_module():
    torch.manual_seed(0)
    n_heads, head_dim, d_model, seq = 2, 32, 16, 12
    x = torch.randn(1, seq, d_model, dtype=torch.float64)
    w_q = torch.randn(n_heads * head_dim, d_model, dtype=torch.float64)
    w_k = torch.randn(n_heads * head_dim, d_model, dtype=torch.float64)

    def logits(w_q, w_k, pairing):
        q = (x @ w_q.T).view(1, seq, n_heads, head_dim)
        k = (x @ w_k.T).view(1, seq, n_heads, head_dim)
        q, k = rv.RotaryEmbedding(head_dim, pairing=pairing, layout="bshd")(q, k, offset=1000)
        return torch.einsum("bqhd,bkhd->bhqk", q, k)

    reference = logits(w_q, w_k, "interleaved")
    converted = logits(permute_qk_weight(w_q, n_heads, head_dim), permute_qk_weight(w_k, n_heads, head_dim), "half")
    assert isinstance(permute_qk_weight(w_q, n_heads, head_dim), torch.Tensor)
    assert (converted - reference).abs().max() <= 1e-12 * reference.abs().max()
