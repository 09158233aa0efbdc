"""RoPE beyond one dimension (ropeviz.multidim): axial and mixed 2-D RoPE, M-RoPE."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import ropeviz as rv
from ropeviz.multidim import (
    axial_frequencies,
    axial_rope_2d,
    mixed_frequencies,
    mixed_rope_2d,
    mrope,
    mrope_positions,
    patch_positions,
)

finite = st.floats(-3.0, 3.0, allow_nan=False)
coordinates = st.integers(-500, 500)
shifts = st.tuples(st.integers(-300, 300), st.integers(-300, 300))


def vectors(d):
    return arrays(np.float64, (2, d), elements=finite)


def score(q, k, pq, pk, rotate):
    rotated_q = rotate(q[None], np.array([pq], float))[0]
    return float(rotated_q @ rotate(k[None], np.array([pk], float))[0])


@given(vectors(16), st.tuples(coordinates, coordinates), st.tuples(coordinates, coordinates),
       shifts, st.sampled_from([10.0, 100.0, 10_000.0]))
def test_axial_score_depends_only_on_the_offset(qk, pq, pk, shift, base):
    q, k = qk
    rotate = lambda x, p: axial_rope_2d(x, p, base)  # noqa: E731
    moved_q = (pq[0] + shift[0], pq[1] + shift[1])
    moved_k = (pk[0] + shift[0], pk[1] + shift[1])
    assert score(q, k, moved_q, moved_k, rotate) == pytest.approx(
        score(q, k, pq, pk, rotate), abs=1e-9)


@given(vectors(16), st.tuples(coordinates, coordinates), st.tuples(coordinates, coordinates),
       shifts, st.floats(0.0, 2 * np.pi))
def test_mixed_score_depends_only_on_the_offset(qk, pq, pk, shift, angle):
    q, k = qk
    freqs = mixed_frequencies(16, 10.0, angle)
    rotate = lambda x, p: mixed_rope_2d(x, p, freqs)  # noqa: E731
    moved_q = (pq[0] + shift[0], pq[1] + shift[1])
    moved_k = (pk[0] + shift[0], pk[1] + shift[1])
    assert score(q, k, moved_q, moved_k, rotate) == pytest.approx(
        score(q, k, pq, pk, rotate), abs=1e-9)


@given(vectors(16), st.tuples(coordinates, coordinates), st.tuples(coordinates, coordinates))
def test_axial_score_is_an_x_part_plus_a_y_part(qk, pq, pk):
    q, k = qk
    full = score(q, k, pq, pk, axial_rope_2d)
    # the first half of the pairs sees only x, the second half only y
    x_part = score(q[:8], k[:8], (pq[0], 0), (pk[0], 0), lambda x, p: rv.apply_rope(
        x, p[:, 0], base=100.0))
    y_part = score(q[8:], k[8:], (0, pq[1]), (0, pk[1]), lambda x, p: rv.apply_rope(
        x, p[:, 1], base=100.0))
    assert full == pytest.approx(x_part + y_part, abs=1e-9)


def test_axial_matches_heo_et_al():
    # compute_axial_cis: freqs = 1/(theta ** (arange(0, d, 4)[:d//4] / d)); cat(x, y) as complex
    d, theta, H, W = 32, 100.0, 3, 5
    freqs = 1.0 / theta ** (np.arange(0, d, 4)[: d // 4] / d)
    xy = patch_positions(H, W)
    cis = np.concatenate([np.exp(1j * np.outer(xy[:, 0], freqs)),
                          np.exp(1j * np.outer(xy[:, 1], freqs))], axis=1)
    x = np.random.default_rng(0).normal(size=(H * W, d))
    rotated = (x[:, 0::2] + 1j * x[:, 1::2]) * cis
    expected = np.stack([rotated.real, rotated.imag], axis=-1).reshape(H * W, d)
    np.testing.assert_allclose(axial_rope_2d(x, xy, theta), expected, atol=1e-12)


def test_mixed_with_angle_zero_is_axial():
    np.testing.assert_allclose(mixed_frequencies(64, 100.0, 0.0), axial_frequencies(64, 100.0),
                               atol=1e-16)
    x = np.random.default_rng(1).normal(size=(20, 64))
    xy = patch_positions(4, 5)
    np.testing.assert_allclose(mixed_rope_2d(x, xy, mixed_frequencies(64, 100.0)),
                               axial_rope_2d(x, xy, 100.0), atol=1e-12)


def test_mixed_frequencies_are_rotated_axial_ones():
    freqs = mixed_frequencies(32, 10.0, np.pi / 4)
    magnitude = np.hypot(freqs[0], freqs[1])
    np.testing.assert_allclose(magnitude[:8], 10.0 ** (-np.arange(0, 32, 4) / 32))
    np.testing.assert_allclose(np.arctan2(freqs[1, :8], freqs[0, :8]), np.pi / 4)
    np.testing.assert_allclose(np.arctan2(freqs[1, 8:], freqs[0, 8:]), 3 * np.pi / 4)


def test_norm_is_preserved_and_origin_is_identity():
    x = np.random.default_rng(2).normal(size=(2, 12, 16))
    xy = np.random.default_rng(3).integers(-50, 50, size=(12, 2))
    for rotated in (axial_rope_2d(x, xy), mixed_rope_2d(x, xy, mixed_frequencies(16, 10.0, 1.0)),
                    axial_rope_2d(x, xy, pairing="half")):
        np.testing.assert_allclose(np.linalg.norm(rotated, axis=-1), np.linalg.norm(x, axis=-1))
    np.testing.assert_array_equal(axial_rope_2d(x, np.zeros((12, 2))), x)


def test_patch_positions_raster_order():
    xy = patch_positions(2, 3)
    np.testing.assert_array_equal(xy, [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]])


# -- M-RoPE ------------------------------------------------------------------------------------
@given(st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=12),
       st.sampled_from([(2, 3, 3), (0, 4, 4), (8, 0, 0), (3, 3, 2)]),
       st.sampled_from(["half", "interleaved"]))
def test_mrope_on_text_positions_is_1d_rope(positions, sections, pairing):
    m = np.array(positions)
    x = np.random.default_rng(len(positions)).normal(size=(2, len(m), 16))
    thw = np.stack([m, m, m], axis=-1)
    np.testing.assert_allclose(mrope(x, thw, sections, pairing=pairing),
                               rv.apply_rope(x, m, base=1_000_000.0, pairing=pairing), atol=1e-12)


def test_mrope_sections_follow_their_axis():
    d, sections = 16, (2, 3, 3)
    x = np.random.default_rng(4).normal(size=(1, d))
    pos = np.array([[5.0, 7.0, 11.0]])
    out = mrope(x, pos, sections, base=10_000.0, pairing="interleaved")
    theta = rv.inv_frequencies(d, 10_000.0)
    angles = np.concatenate([5 * theta[:2], 7 * theta[2:5], 11 * theta[5:]])
    a, b = x[0, 0::2], x[0, 1::2]
    expected = np.stack([a * np.cos(angles) - b * np.sin(angles),
                         a * np.sin(angles) + b * np.cos(angles)], axis=-1).reshape(d)
    np.testing.assert_allclose(out[0], expected, atol=1e-12)


def test_mrope_matches_qwen2_vl_rotation():
    # modeling_qwen2_vl.apply_multimodal_rotary_pos_emb, written out in NumPy: cos/sin per axis
    # from the full 1-D schedule, chunks of mrope_section * 2 along the half-split channels,
    # chunk i takes axis i % 3, then q * cos + rotate_half(q) * sin.
    d, sections, base = 16, [2, 3, 3], 1_000_000.0
    rng = np.random.default_rng(5)
    pos = rng.integers(0, 40, size=(3, 6)).astype(float)  # (axes, seq)
    q = rng.normal(size=(6, d))
    inv = rv.inv_frequencies(d, base)
    emb = np.concatenate([pos[..., None] * inv] * 2, axis=-1)  # (3, seq, d)
    cos, sin = np.cos(emb), np.sin(emb)
    bounds = np.cumsum([0] + sections * 2)
    pick = lambda t: np.concatenate(  # noqa: E731
        [t[i % 3][:, bounds[i]:bounds[i + 1]] for i in range(6)], axis=-1)
    cos, sin = pick(cos), pick(sin)
    rotate_half = np.concatenate([-q[:, d // 2:], q[:, : d // 2]], axis=-1)
    expected = q * cos + rotate_half * sin
    np.testing.assert_allclose(mrope(q, pos.T, sections, base), expected, atol=1e-12)


def test_mrope_positions_like_get_rope_index():
    positions = mrope_positions([("text", 3), ("image", (2, 3)), ("text", 2)])
    expected = [[0, 0, 0], [1, 1, 1], [2, 2, 2],
                [3, 3, 3], [3, 3, 4], [3, 3, 5], [3, 4, 3], [3, 4, 4], [3, 4, 5],
                [6, 6, 6], [7, 7, 7]]
    np.testing.assert_array_equal(positions, expected)
    video = mrope_positions([("video", (2, 1, 2)), ("text", 1)])
    np.testing.assert_array_equal(video, [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1], [2, 2, 2]])


def test_mrope_relative_inside_an_image():
    # two tokens of one image: the score depends on (dh, dw) only, not on where the image starts
    d, sections = 32, (4, 6, 6)
    q, k = np.random.default_rng(6).normal(size=(2, d))
    scores = []
    for text_before in (5, 40):
        pos = mrope_positions([("text", text_before), ("image", (4, 4))])[text_before:]
        rq = mrope(q[None], pos[[1]], sections)  # row 0, column 1
        rk = mrope(k[None], pos[[14]], sections)  # row 3, column 2
        scores.append(float(rq[0] @ rk[0]))
    assert scores[0] == pytest.approx(scores[1], abs=1e-9)


# -- torch in, torch out -----------------------------------------------------------------------
def test_torch_tensors_round_trip():
    x = torch.randn(2, 6, 16, dtype=torch.float32)
    xy = torch.tensor(patch_positions(2, 3), dtype=torch.float32)
    for out in (axial_rope_2d(x, xy), mixed_rope_2d(x, xy, mixed_frequencies(16)),
                mrope(x, torch.stack([xy[:, 0]] * 3, dim=-1), (2, 3, 3))):
        assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_allclose(axial_rope_2d(x, xy).numpy(), axial_rope_2d(x.double().numpy(),
                               xy.numpy()), atol=1e-5)


def test_mrope_matches_transformers_qwen2_vl(require_peer):
    require_peer("transformers")
    with warnings.catch_warnings():  # the modeling module imports torchao, which warns
        warnings.simplefilter("ignore")
        from transformers.models.qwen2_vl.configuration_qwen2_vl import Qwen2VLTextConfig
        from transformers.models.qwen2_vl.modeling_qwen2_vl import (
            Qwen2VLRotaryEmbedding,
            apply_rotary_pos_emb,
        )

    config = Qwen2VLTextConfig(
        hidden_size=64, num_attention_heads=4, num_key_value_heads=4, head_dim=16,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]})
    positions = mrope_positions([("text", 3), ("image", (2, 3)), ("video", (2, 2, 2)),
                                 ("text", 2)])
    x = torch.randn(1, 1, len(positions), 16, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(0))
    cos, sin = Qwen2VLRotaryEmbedding(config)(x, torch.tensor(positions.T[:, None, :]))
    expected, _ = apply_rotary_pos_emb(x, x, cos, sin)
    # transformers computes the angles in float32
    np.testing.assert_allclose(mrope(x[0, 0].numpy(), positions, (2, 3, 3)),
                               expected[0, 0].numpy(), atol=1e-5)
