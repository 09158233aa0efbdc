"""Tests of :mod:`ropeviz.rotary`: the ``RotaryEmbedding`` module and the complex oracle.

Tolerances. The module builds its cos/sin cache from float64 angles and rounds only the cosines
and sines to the data's dtype, so its error does not grow with the position:

* float64: the reference (:func:`ropeviz.apply_rope`) and the module differ only by rounding of
  the final products, a few ``EPS64 * max|x|``, plus the angle's own float64 rounding
  (``EPS64 * |m|``) which both share; we allow ``16 * EPS64 * (1 + max|m|) * (1 + max|x|)``;
* float32: cos/sin rounded to float32 and float32 arithmetic: ``16 * EPS32 * (1 + max|x|)``;
* bfloat16: the same with bfloat16's resolution ``2**-8``: ``8 * 2**-8 * (1 + max|x|)``.

A wrong pairing, frequency, sign or offset moves the result by O(max|x|) ~ 1.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ropeviz as rv
import ropeviz.rotary as ropeviz_rotary
from ropeviz import RotaryEmbedding, apply_rope, apply_rope_complex

EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
PAIRINGS = ["half", "interleaved"]
LAYOUTS = ["bhsd", "bshd"]


def randn(*shape, seed, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def tolerance(dtype, x, positions=(0,)):
    scale = 1 + float(torch.as_tensor(x).detach().double().abs().max())
    if dtype == torch.float64:
        return 16 * EPS64 * (1 + float(np.abs(np.asarray(positions)).max())) * scale
    if dtype == torch.float32:
        return 16 * EPS32 * scale
    return 8 * 2.0**-8 * scale


def to_bhsd(x, layout):
    return x if layout == "bhsd" else x.transpose(1, 2)


def reference(x, positions, layout, pairing, rotary_dim=None, base=10_000.0):
    """ropeviz.apply_rope in float64 on the first rotary_dim features, in either layout."""
    x64 = to_bhsd(x.double(), layout)
    r = rotary_dim or x.shape[-1]
    out = x64.clone()
    out[..., :r] = apply_rope(x64[..., :r], positions, base=base, pairing=pairing)
    return to_bhsd(out, layout)


def assert_close(actual, expected, atol):
    actual, expected = torch.as_tensor(actual).detach(), torch.as_tensor(expected).detach()
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    error = float((actual.double() - expected.double()).abs().max())
    assert error <= atol, f"max abs error {error:.3e} > atol {atol:.3e}"


def make_qk(layout, dtype, batch=2, heads=3, kv_heads=3, seq=7, head_dim=16, seed=0):
    shape_q = (batch, heads, seq, head_dim) if layout == "bhsd" else (batch, seq, heads, head_dim)
    shape_k = (batch, kv_heads, seq, head_dim) if layout == "bhsd" else (batch, seq, kv_heads, head_dim)
    return randn(*shape_q, seed=seed).to(dtype), randn(*shape_k, seed=seed + 1).to(dtype)


# --------------------------------------------------------------------------------------------
# Agreement with ropeviz.apply_rope: every path, layout, pairing, dtype
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["out-of-place", "in-place", "autograd"])
@pytest.mark.parametrize("rotary_dim", [None, 8])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("pairing", PAIRINGS)
def test_module_matches_apply_rope(pairing, layout, dtype, rotary_dim, mode):
    rope = RotaryEmbedding(16, pairing=pairing, layout=layout, rotary_dim=rotary_dim)
    q, k = make_qk(layout, dtype, kv_heads=1)  # grouped-query attention: one key head
    offset = 11
    positions = offset + np.arange(7)
    expected_q = reference(q, positions, layout, pairing, rotary_dim)
    expected_k = reference(k, positions, layout, pairing, rotary_dim)
    if mode == "autograd":
        q.requires_grad_(True)
        k.requires_grad_(True)
    q_in, k_in = (q.clone(), k.clone()) if mode == "in-place" else (q, k)
    q_out, k_out = rope(q_in, k_in, offset=offset, inplace=mode == "in-place")
    for out, inp, expected in [(q_out, q, expected_q), (k_out, k, expected_k)]:
        assert out.dtype == dtype and out.shape == inp.shape
        assert_close(out, expected, tolerance(dtype, inp, positions))
    if mode == "in-place":
        assert q_out is q_in and k_out is k_in
    else:
        assert q_out is not q and not torch.equal(q_out.detach(), q.detach())
    if mode == "autograd":
        (q_out.double().sum() + k_out.double().sum()).backward()
        assert q.grad is not None and k.grad is not None


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("pairing", PAIRINGS)
def test_partial_rotation_passes_the_other_features_through(pairing, layout):
    head_dim, rotary_dim = 32, 8
    rope = RotaryEmbedding(head_dim, pairing=pairing, layout=layout, rotary_dim=rotary_dim)
    q, k = make_qk(layout, torch.float64, head_dim=head_dim)
    q_out, _ = rope(q, k, offset=100)
    assert torch.equal(q_out[..., rotary_dim:], q[..., rotary_dim:])
    # the rotated features use the schedule over rotary_dim: theta_i = base**(-2i/rotary_dim)
    expected = apply_rope(to_bhsd(q, layout)[..., :rotary_dim], 100 + np.arange(7), pairing=pairing)
    assert_close(to_bhsd(q_out, layout)[..., :rotary_dim], expected, 1e-12)
    np.testing.assert_allclose(rope.cos_cached[1].numpy(), np.cos(rv.inv_frequencies(rotary_dim)))


def test_float64_agreement_is_at_rounding_level_for_large_positions():
    rope = RotaryEmbedding(64, pairing="half", max_positions=16)
    q, k = make_qk("bhsd", torch.float64, head_dim=64, seq=5)
    q_out, _ = rope(q, k, offset=123_456)
    positions = 123_456 + np.arange(5)
    assert_close(q_out, reference(q, positions, "bhsd", "half"), tolerance(torch.float64, q, positions))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("pairing", PAIRINGS)
def test_chunked_and_whole_tensor_kernels_agree(monkeypatch, pairing, layout, dtype, threads):
    # one thread: the real-arithmetic kernel works through the sequence in chunks (made tiny
    # here, so that there are many); several threads: the whole tensor at once
    monkeypatch.setattr(ropeviz_rotary, "_CHUNK_BYTES", 64)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        rope = RotaryEmbedding(16, pairing=pairing, layout=layout, rotary_dim=12)
        q, k = make_qk(layout, dtype, seq=11)
        q_out, k_out = rope(q, k, positions=np.arange(11) * 3)
        q_in, k_in = q.clone(), k.clone()
        rope(q_in, k_in, positions=np.arange(11) * 3, inplace=True)
    finally:
        torch.set_num_threads(previous)
    positions = np.arange(11) * 3
    for out in (q_out, q_in):
        assert_close(out, reference(q, positions, layout, pairing, 12), tolerance(dtype, q, positions))
    assert_close(k_out, reference(k, positions, layout, pairing, 12), tolerance(dtype, k, positions))
    assert torch.equal(q_out, q_in)


# --------------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------------


def test_cache_grows_past_max_positions():
    rope = RotaryEmbedding(16, max_positions=8)
    assert rope.cache_length == 8 and rope.cos_cached.shape == (8, 8)
    q, k = make_qk("bhsd", torch.float64, seq=5)
    q_out, _ = rope(q, k, offset=20)  # needs positions up to 24
    assert rope.cache_length == 25
    assert_close(q_out, reference(q, 20 + np.arange(5), "bhsd", "half"), 1e-12)
    rope(q, k, offset=21)  # one more: grows to at least twice the length
    assert rope.cache_length == 50
    rope(q, k, positions=[0, 1, 2, 3, 500])
    assert rope.cache_length == 501
    assert rope.cos_cached.dtype == torch.float64


def test_cache_is_a_non_persistent_buffer_kept_in_float64():
    rope = RotaryEmbedding(16, max_positions=32)
    assert "cos_cached" in dict(rope.named_buffers()) and "sin_cached" in dict(rope.named_buffers())
    assert rope.state_dict() == {}
    for converted in [rope.float(), rope.half(), rope.to(torch.bfloat16), rope.double()]:
        assert converted.cos_cached.dtype == torch.float64
        np.testing.assert_allclose(
            converted.cos_cached.numpy(), np.cos(rv.rope_angles(np.arange(32), 16)), rtol=0, atol=0
        )
    q, k = make_qk("bhsd", torch.float32)
    assert_close(rope(q, k)[0], reference(q, np.arange(7), "bhsd", "half"), tolerance(torch.float32, q))


def test_tables_in_the_data_dtype_are_made_once():
    rope = RotaryEmbedding(16)
    q, k = make_qk("bhsd", torch.float32)
    rope(q, k)
    tables = dict(rope._tables)
    rope(q, k, offset=3)
    assert rope._tables == tables and all(t.dtype == torch.float32 for t in tables.values())


def test_module_repr_names_its_settings():
    text = repr(RotaryEmbedding(64, 500_000.0, pairing="interleaved", rotary_dim=16, layout="bshd"))
    assert "head_dim=64" in text and "base=500000" in text and "'interleaved'" in text
    assert "rotary_dim=16" in text and "'bshd'" in text


# --------------------------------------------------------------------------------------------
# Positions and offsets (KV cache)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("pairing", PAIRINGS)
def test_decoding_one_token_at_a_time_equals_the_full_pass(pairing, layout):
    rope = RotaryEmbedding(16, pairing=pairing, layout=layout, max_positions=4)
    q, k = make_qk(layout, torch.float64, seq=9)
    full_q, full_k = rope(q, k)
    axis = 2 if layout == "bhsd" else 1
    for t in range(9):
        step_q, step_k = rope(q.narrow(axis, t, 1), k.narrow(axis, t, 1), offset=t)
        assert_close(step_q, full_q.narrow(axis, t, 1), 1e-13)
        assert_close(step_k, full_k.narrow(axis, t, 1), 1e-13)


def test_offset_equals_explicit_positions_and_per_sequence_positions():
    rope = RotaryEmbedding(16, pairing="interleaved")
    q, k = make_qk("bhsd", torch.float64, batch=2, seq=5)
    by_offset = rope(q, k, offset=7)[0]
    by_positions = rope(q, k, positions=torch.arange(7, 12))[0]
    assert torch.equal(by_offset, by_positions)
    per_sequence = np.array([np.arange(5), 40 + np.arange(5)])  # (batch, seq)
    out = rope(q, k, positions=per_sequence)[0]
    assert_close(out, reference(q, per_sequence[:, None, :], "bhsd", "interleaved"), 1e-12)
    bshd = RotaryEmbedding(16, pairing="interleaved", layout="bshd")
    out = bshd(q.transpose(1, 2), k.transpose(1, 2), positions=per_sequence)[0]
    assert_close(out.transpose(1, 2), reference(q, per_sequence[:, None, :], "bhsd", "interleaved"), 1e-12)


def test_rotate_one_tensor_and_non_contiguous_inputs():
    rope = RotaryEmbedding(16, pairing="interleaved")
    x = randn(2, 5, 3, 16, seed=3).transpose(1, 2)  # a bhsd view of bshd memory
    assert not x.is_contiguous()
    assert_close(rope.rotate(x, offset=2), reference(x, 2 + np.arange(5), "bhsd", "interleaved"), 1e-12)
    y = x.clone()
    assert rope.rotate(y, offset=2, inplace=True) is y
    assert_close(y, reference(x, 2 + np.arange(5), "bhsd", "interleaved"), 1e-12)
    half = RotaryEmbedding(16, pairing="half")
    z = x.clone()
    half.rotate(z, inplace=True)
    assert_close(z, reference(x, np.arange(5), "bhsd", "half"), 1e-12)


def test_gradient_is_the_inverse_rotation():
    # the rotation is orthogonal, so the gradient of <g, R x> with respect to x is R^T g
    for pairing in PAIRINGS:
        rope = RotaryEmbedding(8, pairing=pairing)
        x = randn(1, 1, 4, 8, seed=4).requires_grad_(True)
        g = randn(1, 1, 4, 8, seed=5)
        (rope.rotate(x) * g).sum().backward()
        expected = apply_rope(g, -np.arange(4.0), pairing=pairing)
        assert_close(x.grad, expected, 1e-13)
        assert torch.autograd.gradcheck(lambda t, r=rope: r.rotate(t, offset=3), (x.detach().requires_grad_(),))


# --------------------------------------------------------------------------------------------
# Property tests: random shapes, layouts, pairings and offsets
# --------------------------------------------------------------------------------------------


@given(
    half_head=st.integers(1, 16),
    partial=st.integers(0, 16),
    seq=st.integers(1, 9),
    heads=st.integers(1, 3),
    offset=st.integers(0, 5000),
    base=st.floats(2.0, 1e6),
    pairing=st.sampled_from(PAIRINGS),
    layout=st.sampled_from(LAYOUTS),
    inplace=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_module_matches_apply_rope(half_head, partial, seq, heads, offset, base, pairing, layout, inplace, seed):
    head_dim = 2 * half_head
    rotary_dim = 2 * max(1, min(partial, half_head))
    rope = RotaryEmbedding(head_dim, base, pairing=pairing, layout=layout, rotary_dim=rotary_dim, max_positions=8)
    q, k = make_qk(layout, torch.float64, batch=2, heads=heads, kv_heads=1, seq=seq, head_dim=head_dim, seed=seed)
    positions = offset + np.arange(seq)
    expected_q = reference(q, positions, layout, pairing, rotary_dim, base)
    q_out, _ = rope(q.clone(), k.clone(), offset=offset, inplace=inplace)
    assert_close(q_out, expected_q, tolerance(torch.float64, q, positions))


@given(
    half_head=st.integers(1, 32),
    seq=st.integers(1, 8),
    positions=st.lists(st.floats(-5000.0, 5000.0, allow_nan=False), min_size=1, max_size=1),
    base=st.floats(2.0, 1e6),
    seed=st.integers(0, 2**16),
)
def test_property_complex_oracle_matches_apply_rope(half_head, seq, positions, base, seed):
    x = randn(2, seq, 2 * half_head, seed=seed)
    pos = positions[0] + np.arange(seq)
    expected = apply_rope(x, pos, base=base, pairing="interleaved")
    assert_close(apply_rope_complex(x, pos, base), expected, tolerance(torch.float64, x, pos))


# --------------------------------------------------------------------------------------------
# The complex oracle
# --------------------------------------------------------------------------------------------


def test_complex_oracle_types_and_default_positions():
    x = np.random.default_rng(0).normal(size=(3, 5, 8))
    out = apply_rope_complex(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_allclose(out, apply_rope(x), atol=1e-13)
    x32 = torch.from_numpy(x).float()
    out32 = apply_rope_complex(x32, base=500_000.0)
    assert out32.dtype == torch.float32
    assert_close(out32, apply_rope(x, base=500_000.0), 4 * EPS32 * (1 + np.abs(x).max()))
    assert np.allclose(apply_rope_complex(np.ones((2, 4), dtype=int)), apply_rope(np.ones((2, 4))))
    # the oracle is differentiable
    t = torch.from_numpy(x).requires_grad_(True)
    apply_rope_complex(t, positions=np.arange(5)).sum().backward()
    assert t.grad is not None


@pytest.mark.parametrize("layout", LAYOUTS)
def test_module_interleaved_equals_the_complex_oracle(layout):
    rope = RotaryEmbedding(32, pairing="interleaved", layout=layout)
    q, k = make_qk(layout, torch.float64, head_dim=32)
    q_out, _ = rope(q, k, offset=999)
    expected = apply_rope_complex(to_bhsd(q, layout), 999 + np.arange(7))
    assert_close(to_bhsd(q_out, layout), expected, 1e-11)


# --------------------------------------------------------------------------------------------
# Cross-checks of the module against the peers (skip locally if absent, fail in CI)
# --------------------------------------------------------------------------------------------


def test_module_matches_transformers_llama(require_peer):
    llama = require_peer("transformers.models.llama.modeling_llama")
    transformers = require_peer("transformers")
    head_dim, heads, seq, offset, base = 64, 4, 6, 300, 500_000.0
    config = transformers.LlamaConfig(
        vocab_size=16, hidden_size=heads * head_dim, intermediate_size=8, num_hidden_layers=1,
        num_attention_heads=heads, num_key_value_heads=heads, head_dim=head_dim,
        rope_parameters={"rope_type": "default", "rope_theta": base},
    )
    q, k = make_qk("bhsd", torch.float32, heads=heads, kv_heads=heads, seq=seq, head_dim=head_dim)
    position_ids = offset + torch.arange(seq)[None].expand(2, seq)
    cos, sin = llama.LlamaRotaryEmbedding(config)(q, position_ids)
    q_hf, k_hf = llama.apply_rotary_pos_emb(q, k, cos, sin)
    q_rv, k_rv = RotaryEmbedding(head_dim, base, pairing="half")(q, k, offset=offset)
    atol = 8 * EPS32 * (1 + offset + seq) * (1 + float(q.abs().max()))  # HF's float32 angles
    assert_close(q_rv, q_hf, atol)
    assert_close(k_rv, k_hf, atol)


def test_module_matches_torchtune_in_its_layout(require_peer):
    modules = require_peer("torchtune.modules")
    head_dim, seq = 32, 6
    q, k = make_qk("bshd", torch.float32, seq=seq, head_dim=head_dim)
    input_pos = torch.stack([torch.arange(seq), 50 + torch.arange(seq)])
    tt = modules.RotaryPositionalEmbeddings(dim=head_dim, max_seq_len=128)
    q_rv, _ = RotaryEmbedding(head_dim, pairing="interleaved", layout="bshd")(q, k, positions=input_pos)
    assert_close(q_rv, tt(q, input_pos=input_pos), 8 * EPS32 * 60 * (1 + float(q.abs().max())))


def test_module_matches_rotary_embedding_torch(require_peer):
    ret = require_peer("rotary_embedding_torch")
    head_dim, offset = 16, 37
    q, k = make_qk("bhsd", torch.float64, head_dim=head_dim)
    rotary = ret.RotaryEmbedding(dim=head_dim, custom_freqs=torch.from_numpy(rv.inv_frequencies(head_dim))).double()
    rotary.rotate_queries_or_keys(randn(1, 1, offset + 7, head_dim, seed=9))  # fill its cache
    expected = rotary.rotate_queries_or_keys(q, offset=offset)
    q_rv, _ = RotaryEmbedding(head_dim, pairing="interleaved")(q, k, offset=offset)
    assert_close(q_rv, expected, 1e-12)


# --------------------------------------------------------------------------------------------
# Messages of the bad-input errors (the full list is in test_bad_input.py)
# --------------------------------------------------------------------------------------------


def test_error_messages_say_what_was_expected():
    rope = RotaryEmbedding(16, layout="bshd")
    q, k = make_qk("bshd", torch.float32)
    with pytest.raises(ValueError, match=r"\(batch, seq, heads, head_dim\)"):
        rope(q[0], k)
    with pytest.raises(ValueError, match="offset must be 0 when positions are given"):
        rope(q, k, positions=np.arange(7), offset=2)
    with pytest.raises(ValueError, match="apply_rope"):
        rope(q, k, positions=np.arange(7) + 0.5)
    with pytest.raises(ValueError, match=r"k must have the batch size and sequence length of q"):
        rope(q, k[:, :3])
