"""Property tests of RoPE (:mod:`ropeviz.rope`) with Hypothesis.

Tolerances. Everything here runs in float64 (machine epsilon ``EPS`` = 2.2e-16). The only error
that grows with the input is the angle's: ``m * theta_i`` is rounded with a relative error of a
few ``EPS`` (``theta_i`` itself comes from ``pow``), i.e. an *absolute* angle error of about
``EPS * |m|`` radians, which becomes an error of ``EPS * |m| * |x|`` in a rotated component. The
helper :func:`tol` therefore allows ``16 * EPS * (1 + max|position|) * scale`` where ``scale``
is the size of the compared quantity (``max|x|`` for vectors, ``|q| |k|`` for dot products);
the factor 16 covers composing a few rotations and the arithmetic around them. With positions up
to 10 000 and entries up to 10 that is about 1e-9 for a vector, while any real mistake (a wrong
frequency, sign, pairing or offset) is of the size of the data itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ropeviz
from ropeviz import apply_rope, inv_frequencies, pairing_permutation, rope_matrix

EPS = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps

# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

head_dims = st.integers(1, 32).map(lambda n: 2 * n)  # even, 2..64
seq_lens = st.integers(1, 16)
bases = st.floats(2.0, 1e6, allow_nan=False, allow_infinity=False)
pairings = st.sampled_from(["interleaved", "half"])
int_positions = st.integers(-5000, 5000)
float_positions = st.floats(-5000.0, 5000.0, allow_nan=False, allow_infinity=False)
any_positions = st.one_of(int_positions, float_positions)
values = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(shape):
    """float64 arrays of the given shape with entries in [-10, 10]."""
    return hnp.arrays(np.float64, shape, elements=values)


@st.composite
def tokens(draw, head_dim=None, seq=None):
    """``x`` of shape (seq, head_dim)."""
    d = draw(head_dims) if head_dim is None else head_dim
    s = draw(seq_lens) if seq is None else seq
    return draw(arrays((s, d)))


@st.composite
def position_arrays(draw, seq):
    """One position per token, all integers or all floats, in [-5000, 5000]."""
    if draw(st.booleans()):
        return draw(hnp.arrays(np.int64, seq, elements=int_positions))
    return draw(hnp.arrays(np.float64, seq, elements=float_positions))


def tol(max_abs_position, scale):
    """Absolute tolerance for float64 RoPE results, see the module docstring."""
    return 16 * EPS * (1.0 + float(np.max(np.abs(max_abs_position)))) * (1.0 + float(scale))


def assert_close(actual, expected, max_abs_position, scale):
    np.testing.assert_allclose(
        np.asarray(actual), np.asarray(expected), rtol=0, atol=tol(max_abs_position, scale)
    )


def reference_rope(x, positions, base, pairing):
    """RoPE written out pair by pair with Python loops (the definition, nothing vectorised)."""
    seq, d = x.shape
    half = d // 2
    out = np.empty_like(x, dtype=np.float64)
    for t in range(seq):
        for i in range(half):
            theta = base ** (-2.0 * i / d)
            phi = float(positions[t]) * theta
            j, k = (2 * i, 2 * i + 1) if pairing == "interleaved" else (i, i + half)
            a, b = x[t, j], x[t, k]
            out[t, j] = a * math.cos(phi) - b * math.sin(phi)
            out[t, k] = a * math.sin(phi) + b * math.cos(phi)
    return out


# --------------------------------------------------------------------------------------------
# inv_frequencies
# --------------------------------------------------------------------------------------------


@given(head_dim=head_dims, base=bases)
def test_inv_frequencies_first_one_last_base_power_strictly_decreasing(head_dim, base):
    theta = inv_frequencies(head_dim, base)
    assert theta.shape == (head_dim // 2,)
    assert theta.dtype == np.float64
    assert theta[0] == 1.0
    np.testing.assert_allclose(theta[-1], base ** (-(head_dim - 2) / head_dim), rtol=4 * EPS)
    assert np.all(np.diff(theta) < 0)


@given(head_dim=head_dims, base=bases)
def test_inv_frequencies_match_the_formula_entry_by_entry(head_dim, base):
    theta = inv_frequencies(head_dim, base)
    expected = [base ** (-2.0 * i / head_dim) for i in range(head_dim // 2)]
    np.testing.assert_allclose(theta, expected, rtol=4 * EPS, atol=0)
    # wavelengths are the tokens per full turn, 2 pi / theta
    np.testing.assert_allclose(ropeviz.wavelengths(head_dim, base), 2 * np.pi / theta, rtol=4 * EPS)


def test_inv_frequencies_known_values_for_default_base():
    # d = 4, base 10 000: theta = (1, 10 000^(-1/2)) = (1, 0.01)
    np.testing.assert_allclose(inv_frequencies(4), [1.0, 0.01], rtol=1e-15)
    np.testing.assert_allclose(inv_frequencies(8, base=16.0), [1.0, 0.5, 0.25, 0.125], rtol=1e-15)


# --------------------------------------------------------------------------------------------
# apply_rope against the definition
# --------------------------------------------------------------------------------------------


@given(data=st.data(), base=bases, pairing=pairings)
def test_apply_rope_matches_the_loop_reference(data, base, pairing):
    x = data.draw(tokens())
    positions = data.draw(position_arrays(x.shape[0]))
    out = apply_rope(x, positions, base=base, pairing=pairing)
    assert out.shape == x.shape and out.dtype == np.float64
    assert_close(out, reference_rope(x, positions, base, pairing), positions, np.abs(x).max())


def test_rotation_is_counter_clockwise_in_both_pairings():
    # pair 0 has theta_0 = 1, so position pi/2 turns (1, 0) into (0, 1)
    out = apply_rope(np.array([[1.0, 0.0]]), positions=[np.pi / 2])
    np.testing.assert_allclose(out, [[0.0, 1.0]], atol=1e-15)
    # d = 4, half pairing: pair 0 is dimensions (0, 2), pair 1 is (1, 3) with theta_1 = 0.01
    x = np.array([[1.0, 0.0, 0.0, 0.0]])
    out = apply_rope(x, positions=[np.pi / 2], pairing="half")
    np.testing.assert_allclose(out, [[0.0, 0.0, 1.0, 0.0]], atol=1e-15)
    x = np.array([[0.0, 1.0, 0.0, 0.0]])
    out = apply_rope(x, positions=[100 * np.pi / 2], pairing="half")
    np.testing.assert_allclose(out, [[0.0, 0.0, 0.0, 1.0]], atol=1e-13)
    # interleaved: pair 1 is dimensions (2, 3)
    x = np.array([[0.0, 0.0, 1.0, 0.0]])
    out = apply_rope(x, positions=[100 * np.pi / 2])
    np.testing.assert_allclose(out, [[0.0, 0.0, 0.0, 1.0]], atol=1e-13)


@given(data=st.data(), base=bases, pairing=pairings)
def test_default_positions_are_zero_to_seq_minus_one(data, base, pairing):
    x = data.draw(tokens())
    expected = apply_rope(x, positions=np.arange(x.shape[0]), base=base, pairing=pairing)
    np.testing.assert_array_equal(apply_rope(x, base=base, pairing=pairing), expected)


@given(data=st.data(), base=bases, pairing=pairings)
def test_position_zero_is_the_identity(data, base, pairing):
    x = data.draw(tokens())
    np.testing.assert_array_equal(
        apply_rope(x, positions=np.zeros(x.shape[0]), base=base, pairing=pairing), x
    )
    # with default positions the first token sits at position 0
    np.testing.assert_array_equal(apply_rope(x, base=base, pairing=pairing)[0], x[0])


@given(data=st.data(), base=bases, pairing=pairings, position=any_positions)
def test_scalar_position_rotates_every_token_alike(data, base, pairing, position):
    x = data.draw(tokens())
    expected = apply_rope(x, np.full(x.shape[0], position), base=base, pairing=pairing)
    np.testing.assert_array_equal(apply_rope(x, position, base=base, pairing=pairing), expected)


# --------------------------------------------------------------------------------------------
# Norms and relative positions
# --------------------------------------------------------------------------------------------


@given(data=st.data(), base=bases, pairing=pairings)
def test_norm_is_preserved_per_token_and_per_pair(data, base, pairing):
    x = data.draw(tokens())
    positions = data.draw(position_arrays(x.shape[0]))
    out = apply_rope(x, positions, base=base, pairing=pairing)
    scale = np.abs(x).max() ** 2 * x.shape[1]
    assert_close((out**2).sum(-1), (x**2).sum(-1), positions, scale)
    first, second = ropeviz.pair_slices(x.shape[1], pairing)
    pair_sq = lambda y: y[:, first] ** 2 + y[:, second] ** 2  # noqa: E731
    assert_close(pair_sq(out), pair_sq(x), positions, 2 * np.abs(x).max() ** 2)


@given(
    data=st.data(),
    base=bases,
    pairing=pairings,
    m=any_positions,
    n=any_positions,
    shift=any_positions,
)
def test_score_depends_only_on_relative_position(data, base, pairing, m, n, shift):
    d = data.draw(head_dims)
    q, k = data.draw(arrays(d)), data.draw(arrays(d))
    rope_at = lambda v, p: apply_rope(v[None], [p], base=base, pairing=pairing)[0]  # noqa: E731
    score = rope_at(q, m) @ rope_at(k, n)
    shifted = rope_at(q, m + shift) @ rope_at(k, n + shift)
    relative = q @ rope_matrix(n - m, d, base, pairing) @ k
    scale = np.linalg.norm(q) * np.linalg.norm(k)
    largest = abs(m) + abs(n) + 2 * abs(shift)
    assert_close(shifted, score, largest, scale)
    assert_close(relative, score, largest, scale)


@given(data=st.data(), base=bases, pairing=pairings, shift=int_positions)
def test_score_matrix_is_invariant_under_a_common_shift(data, base, pairing, shift):
    d, seq = data.draw(head_dims), data.draw(seq_lens)
    q, k = data.draw(arrays((seq, d))), data.draw(arrays((seq, d)))
    pos = data.draw(hnp.arrays(np.int64, seq, elements=int_positions))
    scores = apply_rope(q, pos, base=base, pairing=pairing) @ apply_rope(
        k, pos, base=base, pairing=pairing
    ).T
    shifted = apply_rope(q, pos + shift, base=base, pairing=pairing) @ apply_rope(
        k, pos + shift, base=base, pairing=pairing
    ).T
    scale = np.abs(q).max() * np.abs(k).max() * d
    assert_close(shifted, scores, np.abs(pos).max() + abs(shift), scale)


# --------------------------------------------------------------------------------------------
# rope_matrix
# --------------------------------------------------------------------------------------------


@given(head_dim=head_dims, base=bases, pairing=pairings, m=any_positions)
def test_rope_matrix_is_orthogonal_and_transpose_is_minus_position(head_dim, base, pairing, m):
    r = rope_matrix(m, head_dim, base, pairing)
    assert r.shape == (head_dim, head_dim) and r.dtype == np.float64
    identity = np.eye(head_dim)
    assert_close(r @ r.T, identity, m, 1.0)
    assert_close(r.T @ r, identity, m, 1.0)
    assert_close(r.T, rope_matrix(-m, head_dim, base, pairing), m, 1.0)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-9)  # a rotation, not a reflection


@given(head_dim=head_dims, base=bases, pairing=pairings)
def test_rope_matrix_at_zero_is_the_identity(head_dim, base, pairing):
    np.testing.assert_array_equal(rope_matrix(0, head_dim, base, pairing), np.eye(head_dim))
    np.testing.assert_array_equal(rope_matrix(0.0, head_dim, base, pairing), np.eye(head_dim))


@given(head_dim=head_dims, base=bases, pairing=pairings, m=any_positions, n=any_positions)
def test_rope_matrix_composes_additively(head_dim, base, pairing, m, n):
    product = rope_matrix(m, head_dim, base, pairing) @ rope_matrix(n, head_dim, base, pairing)
    assert_close(product, rope_matrix(m + n, head_dim, base, pairing), abs(m) + abs(n), 1.0)


@given(data=st.data(), base=bases, pairing=pairings, m=any_positions)
def test_rope_matrix_times_vector_equals_apply_rope(data, base, pairing, m):
    d = data.draw(head_dims)
    v = data.draw(arrays(d))
    expected = apply_rope(v[None], positions=[m], base=base, pairing=pairing)[0]
    assert_close(rope_matrix(m, d, base, pairing) @ v, expected, m, np.abs(v).max() * d)


@given(head_dim=head_dims, base=bases, m=any_positions)
def test_rope_matrix_half_is_the_permuted_interleaved_matrix(head_dim, base, m):
    perm = pairing_permutation(head_dim)
    interleaved = rope_matrix(m, head_dim, base, "interleaved")
    half = rope_matrix(m, head_dim, base, "half")
    np.testing.assert_array_equal(half, interleaved[np.ix_(perm, perm)])


def test_rope_matrix_of_a_torch_scalar_is_a_float64_tensor():
    r = rope_matrix(torch.tensor(3.0), 8)
    assert isinstance(r, torch.Tensor) and r.dtype == torch.float64
    np.testing.assert_allclose(r.numpy(), rope_matrix(3.0, 8), rtol=0, atol=0)


# --------------------------------------------------------------------------------------------
# The two pairings
# --------------------------------------------------------------------------------------------


@given(head_dim=head_dims)
def test_pairing_permutation_is_evens_then_odds(head_dim):
    perm = pairing_permutation(head_dim)
    expected = list(range(0, head_dim, 2)) + list(range(1, head_dim, 2))
    assert perm.tolist() == expected
    assert sorted(perm.tolist()) == list(range(head_dim))


@given(data=st.data(), base=bases)
def test_pairings_agree_up_to_pairing_permutation_and_its_inverse(data, base):
    x = data.draw(tokens())
    positions = data.draw(position_arrays(x.shape[0]))
    perm = pairing_permutation(x.shape[1])
    inverse = np.argsort(perm)
    interleaved = apply_rope(x, positions, base=base, pairing="interleaved")
    half = apply_rope(x, positions, base=base, pairing="half")
    scale = np.abs(x).max()
    # interleaved data, permuted into the half layout, rotates like the half pairing
    assert_close(
        apply_rope(x[..., perm], positions, base=base, pairing="half"),
        interleaved[..., perm],
        positions,
        scale,
    )
    # and back: half-layout data, un-permuted, rotates like the interleaved pairing
    assert_close(
        apply_rope(x[..., inverse], positions, base=base, pairing="interleaved"),
        half[..., inverse],
        positions,
        scale,
    )


def test_pairings_differ_beyond_one_pair():
    # guard against "half" silently doing the interleaved thing (or vice versa)
    x = np.arange(1.0, 9.0)[None]
    a = apply_rope(x, positions=[1.0], pairing="interleaved")
    b = apply_rope(x, positions=[1.0], pairing="half")
    assert np.abs(a - b).max() > 0.1


# --------------------------------------------------------------------------------------------
# Float positions, KV-cache offsets, broadcasting
# --------------------------------------------------------------------------------------------


@given(data=st.data(), base=bases, pairing=pairings, p=float_positions, q=float_positions)
def test_float_positions_compose(data, base, pairing, p, q):
    x = data.draw(tokens())
    seq = x.shape[0]
    twice = apply_rope(
        apply_rope(x, np.full(seq, p), base=base, pairing=pairing),
        np.full(seq, q),
        base=base,
        pairing=pairing,
    )
    once = apply_rope(x, np.full(seq, p + q), base=base, pairing=pairing)
    assert_close(twice, once, abs(p) + abs(q), np.abs(x).max())


@given(data=st.data(), base=bases, pairing=pairings)
def test_position_two_and_a_half_is_one_and_a_quarter_twice(data, base, pairing):
    x = data.draw(tokens())
    seq = x.shape[0]
    quarter = np.full(seq, 1.25)
    twice = apply_rope(apply_rope(x, quarter, base=base, pairing=pairing), quarter, base=base, pairing=pairing)
    once = apply_rope(x, np.full(seq, 2.5), base=base, pairing=pairing)
    assert_close(twice, once, 2.5, np.abs(x).max())


def test_float_position_is_not_rounded_to_an_integer():
    # pair 0 turns by exactly the position (theta_0 = 1)
    out = apply_rope(np.array([[1.0, 0.0]]), positions=[2.5])
    np.testing.assert_allclose(out, [[np.cos(2.5), np.sin(2.5)]], rtol=0, atol=1e-15)
    out = apply_rope(np.array([[1.0, 0.0]]), positions=np.array([-0.75]))
    np.testing.assert_allclose(out, [[np.cos(0.75), -np.sin(0.75)]], rtol=0, atol=1e-15)


@given(data=st.data(), base=bases, pairing=pairings)
def test_kv_cache_offset_positions_match_the_full_sequence(data, base, pairing):
    x = data.draw(tokens())
    seq = x.shape[0]
    t = data.draw(st.integers(0, seq - 1))
    full = apply_rope(x, base=base, pairing=pairing)
    tail = apply_rope(x[..., t:, :], positions=t + np.arange(seq - t), base=base, pairing=pairing)
    assert_close(tail, full[..., t:, :], seq, np.abs(x).max())


@given(
    data=st.data(),
    base=bases,
    pairing=pairings,
    batch=st.integers(1, 3),
    heads=st.integers(1, 3),
)
def test_leading_dims_broadcast_with_positions_of_shape_seq(data, base, pairing, batch, heads):
    d, seq = data.draw(head_dims), data.draw(seq_lens)
    x = data.draw(arrays((batch, heads, seq, d)))
    positions = data.draw(position_arrays(seq))
    out = apply_rope(x, positions, base=base, pairing=pairing)
    assert out.shape == x.shape
    for b in range(batch):
        for h in range(heads):
            expected = apply_rope(x[b, h], positions, base=base, pairing=pairing)
            assert_close(out[b, h], expected, positions, np.abs(x).max())


@given(
    data=st.data(),
    base=bases,
    pairing=pairings,
    batch=st.integers(1, 3),
    heads=st.integers(1, 3),
)
def test_per_sequence_positions_of_shape_batch_1_seq(data, base, pairing, batch, heads):
    d, seq = data.draw(head_dims), data.draw(seq_lens)
    x = data.draw(arrays((batch, heads, seq, d)))
    positions = data.draw(hnp.arrays(np.int64, (batch, 1, seq), elements=int_positions))
    out = apply_rope(x, positions, base=base, pairing=pairing)
    assert out.shape == x.shape
    for b in range(batch):
        expected = apply_rope(x[b], positions[b, 0], base=base, pairing=pairing)
        assert_close(out[b], expected, positions, np.abs(x).max())
        assert_close(
            out[b, 0], reference_rope(x[b, 0], positions[b, 0], base, pairing),
            positions, np.abs(x).max(),
        )


# --------------------------------------------------------------------------------------------
# dtypes, torch, and leaving the input alone
# --------------------------------------------------------------------------------------------


@given(data=st.data(), base=bases, pairing=pairings)
def test_torch_float64_agrees_with_numpy(data, base, pairing):
    x = data.draw(tokens())
    positions = data.draw(position_arrays(x.shape[0]))
    expected = apply_rope(x, positions, base=base, pairing=pairing)
    out = apply_rope(torch.from_numpy(x), positions, base=base, pairing=pairing)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    assert out.shape == x.shape
    # same float64 angles and arithmetic: agreement to a few ulps of the data
    np.testing.assert_allclose(out.numpy(), expected, rtol=0, atol=8 * EPS * (1 + np.abs(x).max()))
    # positions may be a tensor too
    out_t = apply_rope(torch.from_numpy(x), torch.from_numpy(positions), base=base, pairing=pairing)
    np.testing.assert_array_equal(out_t.numpy(), out.numpy())


@given(data=st.data(), base=bases, pairing=pairings)
def test_float32_in_gives_float32_out_torch_and_numpy(data, base, pairing):
    x = data.draw(tokens())
    positions = data.draw(position_arrays(x.shape[0]))
    expected = apply_rope(x, positions, base=base, pairing=pairing)
    # angles are computed in float64 and only cos/sin are rounded to float32, so the result is
    # within a few float32 ulps of |x| of the float64 result whatever the position
    atol = 8 * EPS32 * (1 + np.abs(x).max())
    out_t = apply_rope(torch.from_numpy(x).float(), positions, base=base, pairing=pairing)
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float32
    np.testing.assert_allclose(out_t.numpy(), expected, rtol=0, atol=atol)
    out_n = apply_rope(x.astype(np.float32), positions, base=base, pairing=pairing)
    assert isinstance(out_n, np.ndarray) and out_n.dtype == np.float32
    np.testing.assert_allclose(out_n, expected, rtol=0, atol=atol)


def test_integer_input_gives_a_floating_result():
    x = np.arange(8).reshape(2, 4)
    out = apply_rope(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, apply_rope(x.astype(np.float64)), rtol=0, atol=0)
    out_t = apply_rope(torch.arange(8).reshape(2, 4))
    assert out_t.dtype == torch.get_default_dtype()
    for dtype in (torch.float16, torch.bfloat16):
        assert apply_rope(torch.ones(3, 4, dtype=dtype)).dtype == dtype


@given(data=st.data(), base=bases, pairing=pairings)
def test_apply_rope_leaves_its_input_unchanged(data, base, pairing):
    x = data.draw(tokens())
    positions = data.draw(position_arrays(x.shape[0]))
    x_copy, positions_copy = x.copy(), positions.copy()
    apply_rope(x, positions, base=base, pairing=pairing)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(positions, positions_copy)
    xt = torch.from_numpy(x.copy())
    apply_rope(xt, positions, base=base, pairing=pairing)
    np.testing.assert_array_equal(xt.numpy(), x_copy)
