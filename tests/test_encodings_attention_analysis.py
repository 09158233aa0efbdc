"""Unit tests of the additive encodings, plain attention and RoFormer's decay bound.

All comparisons are float64. Quantities computed by the same short formula in two ways agree to
a few ulps, hence tolerances of about 1e-12 (1e-10 where positions, and therefore angles, reach
the hundreds and the angle's own rounding, about eps * angle, dominates).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ropeviz import (
    attention,
    attention_weights,
    binary_encoding,
    causal_mask,
    decay_bound,
    integer_encoding,
    rope_matrix,
    sinusoidal_encoding,
)

# --------------------------------------------------------------------------------------------
# integer_encoding
# --------------------------------------------------------------------------------------------


def test_integer_encoding_rows_are_the_position_in_every_column():
    table = integer_encoding(5, 3)
    assert table.shape == (5, 3) and table.dtype == np.float64
    expected = [[p] * 3 for p in range(5)]
    np.testing.assert_array_equal(table, expected)


def test_integer_encoding_single_position_and_width_one():
    np.testing.assert_array_equal(integer_encoding(1, 4), np.zeros((1, 4)))
    np.testing.assert_array_equal(integer_encoding(6, 1), np.arange(6.0)[:, None])


# --------------------------------------------------------------------------------------------
# binary_encoding
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("num_positions", "dim"), [(1, 1), (2, 1), (16, 4), (20, 6), (256, 8)])
def test_binary_encoding_rows_reproduce_the_integers(num_positions, dim):
    table = binary_encoding(num_positions, dim)
    assert table.shape == (num_positions, dim) and table.dtype == np.float64
    assert set(np.unique(table)) <= {0.0, 1.0}
    values = [sum(int(bit) * 2**k for k, bit in enumerate(row)) for row in table]
    assert values == list(range(num_positions))


def test_binary_encoding_least_significant_bit_first():
    np.testing.assert_array_equal(
        binary_encoding(6, 3),
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]],
    )


def test_binary_encoding_column_k_has_period_two_to_the_k_plus_one():
    table = binary_encoding(256, 8)
    for k in range(8):
        period = 2 ** (k + 1)
        column = table[:, k]
        np.testing.assert_array_equal(column[period:], column[:-period])
        # half a period later the bit is flipped, so the period is not shorter
        np.testing.assert_array_equal(column[period // 2 :], 1 - column[: -(period // 2)])
        # a square wave: 2^k zeros, then 2^k ones
        np.testing.assert_array_equal(column[:period], [0] * (period // 2) + [1] * (period // 2))


def test_binary_encoding_wide_codes_pad_with_zeros():
    table = binary_encoding(3, 70)  # wider than 64 bits: the high columns are all zero
    assert table.shape == (3, 70)
    np.testing.assert_array_equal(table[:, :2], [[0, 0], [1, 0], [0, 1]])
    assert not table[:, 2:].any()


# --------------------------------------------------------------------------------------------
# sinusoidal_encoding
# --------------------------------------------------------------------------------------------


def test_sinusoidal_encoding_matches_the_formula_with_loops():
    num_positions, dim, base = 7, 6, 10_000.0
    table = sinusoidal_encoding(num_positions, dim, base)
    assert table.shape == (num_positions, dim) and table.dtype == np.float64
    for p in range(num_positions):
        for i in range(dim // 2):
            angle = p / base ** (2 * i / dim)
            assert table[p, 2 * i] == pytest.approx(math.sin(angle), abs=1e-14)
            assert table[p, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-14)


def test_sinusoidal_encoding_custom_base_and_first_row():
    table = sinusoidal_encoding(3, 4, base=100.0)
    # theta = (1, 100^(-1/2) = 0.1)
    expected = [
        [0.0, 1.0, 0.0, 1.0],
        [math.sin(1), math.cos(1), math.sin(0.1), math.cos(0.1)],
        [math.sin(2), math.cos(2), math.sin(0.2), math.cos(0.2)],
    ]
    np.testing.assert_allclose(table, expected, rtol=0, atol=1e-15)


def _shift_matrix(k, dim, base):
    """Block-diagonal M_k with PE(p + k) = M_k PE(p), built by hand from the addition formulas.

    For one frequency, (sin, cos) at p + k is [[cos kθ, sin kθ], [-sin kθ, cos kθ]] (sin, cos)
    at p; nothing in it depends on p.
    """
    m = np.zeros((dim, dim))
    for i in range(dim // 2):
        phi = k * base ** (-2 * i / dim)
        c, s = math.cos(phi), math.sin(phi)
        m[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = [[c, s], [-s, c]]
    return m


@pytest.mark.parametrize(("dim", "base"), [(2, 10_000.0), (8, 10_000.0), (16, 500.0)])
@pytest.mark.parametrize("k", [1, 5, 37])
def test_sinusoidal_shift_by_k_is_a_fixed_block_rotation(dim, base, k):
    table = sinusoidal_encoding(200, dim, base)
    m_k = _shift_matrix(k, dim, base)
    shifted = table[:-k] @ m_k.T  # row p -> M_k PE(p), the same M_k for every p
    np.testing.assert_allclose(shifted, table[k:], rtol=0, atol=1e-12)
    # in RoPE's language M_k is the rotation by -k of the interleaved pairs
    np.testing.assert_allclose(m_k, rope_matrix(-k, dim, base), rtol=0, atol=1e-15)


# --------------------------------------------------------------------------------------------
# attention
# --------------------------------------------------------------------------------------------


def _softmax_rows(scores):
    """Softmax of every row, written out with Python loops."""
    out = np.zeros_like(scores)
    for r in range(scores.shape[0]):
        allowed = [c for c in range(scores.shape[1]) if scores[r, c] != -np.inf]
        top = max(scores[r, c] for c in allowed)
        total = sum(math.exp(scores[r, c] - top) for c in allowed)
        for c in allowed:
            out[r, c] = math.exp(scores[r, c] - top) / total
    return out


def _reference_attention(q, k, v, mask=None):
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _softmax_rows(scores)
    return weights, weights @ v


@pytest.fixture
def qkv():
    rng = np.random.default_rng(20240521)
    q = rng.normal(size=(6, 8))
    k = rng.normal(size=(6, 8))
    v = rng.normal(size=(6, 5))
    return q, k, v


def test_causal_mask_is_lower_triangular_true_means_attend():
    mask = causal_mask(4)
    assert mask.dtype == bool
    expected = [[s <= t for s in range(4)] for t in range(4)]
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(causal_mask(1), [[True]])


@pytest.mark.parametrize("masked", [False, True])
def test_attention_matches_a_hand_written_softmax(qkv, masked):
    q, k, v = qkv
    mask = causal_mask(6) if masked else None
    expected_weights, expected_out = _reference_attention(q, k, v, mask)
    np.testing.assert_allclose(attention_weights(q, k, mask), expected_weights, rtol=0, atol=1e-14)
    np.testing.assert_allclose(attention(q, k, v, mask), expected_out, rtol=0, atol=1e-13)


def test_attention_with_different_query_and_key_lengths(qkv):
    q, k, v = qkv
    q = q[:2]
    expected_weights, expected_out = _reference_attention(q, k, v)
    weights = attention_weights(q, k)
    assert weights.shape == (2, 6)
    np.testing.assert_allclose(weights, expected_weights, rtol=0, atol=1e-14)
    np.testing.assert_allclose(attention(q, k, v), expected_out, rtol=0, atol=1e-13)


def test_attention_weight_rows_sum_to_one_and_masked_entries_are_exactly_zero(qkv):
    q, k, _ = qkv
    mask = causal_mask(6)
    mask[4, 1] = False  # an extra hole below the diagonal
    weights = attention_weights(q, k, mask)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=0, atol=1e-14)
    assert np.all(weights[~mask] == 0.0)
    assert np.all(weights[mask] > 0.0)
    weights_t = attention_weights(torch.from_numpy(q), torch.from_numpy(k), mask)
    assert torch.all(weights_t[torch.from_numpy(~mask)] == 0.0)
    np.testing.assert_allclose(weights_t.sum(-1).numpy(), 1.0, rtol=0, atol=1e-14)


def test_attention_is_stable_for_large_scores():
    # a naive exp(scores) would overflow to inf / nan
    q = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    k = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    weights = attention_weights(q, k)
    assert np.all(np.isfinite(weights))
    np.testing.assert_allclose(weights, np.eye(2), atol=1e-300)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "random"])
def test_attention_matches_torch_scaled_dot_product_attention(mask_kind):
    gen = torch.Generator().manual_seed(7)
    batch, heads, seq, dim, dim_v = 2, 3, 5, 8, 4
    q = torch.randn(batch, heads, seq, dim, generator=gen, dtype=torch.float64)
    k = torch.randn(batch, heads, seq, dim, generator=gen, dtype=torch.float64)
    v = torch.randn(batch, heads, seq, dim_v, generator=gen, dtype=torch.float64)
    if mask_kind == "none":
        mask = None
        expected = F.scaled_dot_product_attention(q, k, v)
    elif mask_kind == "causal":
        mask = causal_mask(seq)
        expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        explicit = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.from_numpy(mask))
        torch.testing.assert_close(explicit, expected, rtol=0, atol=1e-13)
    else:
        mask = torch.rand(batch, 1, seq, seq, generator=gen) < 0.6
        mask[..., 0] = True  # every query may see at least one key
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out_torch = attention(q, k, v, mask)
    assert isinstance(out_torch, torch.Tensor) and out_torch.dtype == torch.float64
    torch.testing.assert_close(out_torch, expected, rtol=0, atol=1e-13)
    np_mask = None if mask is None else np.asarray(mask)
    out_numpy = attention(q.numpy(), k.numpy(), v.numpy(), np_mask)
    assert isinstance(out_numpy, np.ndarray)
    np.testing.assert_allclose(out_numpy, expected.numpy(), rtol=0, atol=1e-13)


def test_attention_float32_torch_stays_float32():
    q = torch.randn(4, 8, generator=torch.Generator().manual_seed(1))
    out = attention(q, q, q, causal_mask(4))
    assert out.dtype == torch.float32
    torch.testing.assert_close(
        out, F.scaled_dot_product_attention(q, q, q, is_causal=True), rtol=1e-5, atol=1e-6
    )


def test_attention_is_permutation_equivariant(qkv):
    q, k, v = qkv
    perm = np.random.default_rng(3).permutation(6)
    out = attention(q, k, v)
    # permuting queries, keys and values together permutes the outputs
    np.testing.assert_allclose(attention(q[perm], k[perm], v[perm]), out[perm], rtol=0, atol=1e-13)
    # permuting only the key/value pairs changes nothing (attention is a set operation)
    np.testing.assert_allclose(attention(q, k[perm], v[perm]), out, rtol=0, atol=1e-13)
    # with a mask, the mask is permuted along with the tokens
    mask = causal_mask(6)
    masked = attention(q, k, v, mask)
    np.testing.assert_allclose(
        attention(q[perm], k[perm], v[perm], mask[np.ix_(perm, perm)]),
        masked[perm],
        rtol=0,
        atol=1e-13,
    )


def test_attention_scale_is_one_over_sqrt_dim():
    # two keys, scores q.k = 0 and 2 with dim 4: weights softmax([0, 2 / 2]) = softmax([0, 1])
    q = np.array([[1.0, 1.0, 0.0, 0.0]])
    k = np.array([[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
    expected = np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum()
    np.testing.assert_allclose(attention_weights(q, k)[0], expected, rtol=0, atol=1e-15)


# --------------------------------------------------------------------------------------------
# decay_bound
# --------------------------------------------------------------------------------------------


def _decay_bound_by_definition(r, head_dim, base=10_000.0):
    """(1/(d/2)) sum_{j=1}^{d/2} |S_j|, S_j = sum_{i=0}^{j-1} exp(i r theta_i), as a double loop."""
    half = head_dim // 2
    total = 0.0
    for j in range(1, half + 1):
        s_j = 0j
        for i in range(j):
            s_j += complex(math.cos(r * base ** (-2 * i / head_dim)), math.sin(r * base ** (-2 * i / head_dim)))
        total += abs(s_j)
    return total / half


@pytest.mark.parametrize("head_dim", [2, 4, 8, 64, 128, 256])
def test_decay_bound_at_zero_is_half_of_d_over_two_plus_one(head_dim):
    assert decay_bound(0, head_dim=head_dim) == pytest.approx((head_dim // 2 + 1) / 2, rel=1e-14)


def test_decay_bound_at_zero_is_32_5_for_the_default_head_dim():
    assert decay_bound(0) == pytest.approx(32.5, rel=1e-14)


@pytest.mark.parametrize(
    ("r", "head_dim", "base"),
    [(1, 128, 10_000.0), (10, 128, 10_000.0), (250, 128, 10_000.0), (37.5, 64, 10_000.0),
     (1000, 16, 500.0), (-250, 128, 10_000.0)],
)
def test_decay_bound_matches_the_double_loop_definition(r, head_dim, base):
    # |S_j| are sums of at most 64 unit phasors with angles up to 1000 rad: ~1e-13 rounding
    assert decay_bound(r, head_dim=head_dim, base=base) == pytest.approx(
        _decay_bound_by_definition(r, head_dim, base), rel=0, abs=1e-11
    )


def test_decay_bound_decays_from_32_5_to_about_6_5_at_distance_250():
    at_250 = decay_bound(250.0)
    # the double loop gives 6.548179...; RoFormer's Figure 2 shows ~6.5 there
    assert at_250 == pytest.approx(6.548179, abs=1e-6)
    assert at_250 < decay_bound(0.0) / 4
    # the curve oscillates (it is not monotone), but r = 0 is its maximum and it trends down:
    # strictly decreasing over the first ten tokens, smaller on average further away
    curve = decay_bound(np.arange(0, 2001))
    assert np.all(np.diff(curve[:11]) < 0)
    assert curve[1:].max() < curve[0]
    assert curve[200:301].mean() < curve[:101].mean() / 1.5


def test_decay_bound_keeps_the_shape_of_its_input_and_is_even_in_r():
    distances = np.array([[0.0, 1.0, 2.5], [10.0, 100.0, 250.0]])
    values = decay_bound(distances)
    assert values.shape == (2, 3) and values.dtype == np.float64
    np.testing.assert_allclose(decay_bound(-distances), values, rtol=0, atol=1e-12)
    assert np.ndim(decay_bound(3.0)) == 0
    np.testing.assert_allclose(
        decay_bound(torch.tensor([0.0, 250.0])), [32.5, 6.548179], rtol=0, atol=1e-6
    )
