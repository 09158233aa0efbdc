"""Cross-checks of :func:`ropeviz.apply_rope` against three independent implementations.

* Hugging Face ``transformers`` (Llama's ``rotate_half`` RoPE): ``pairing="half"``;
* ``torchtune.modules.RotaryPositionalEmbeddings`` (Meta's Llama layout): ``pairing="interleaved"``;
* ``rotary_embedding_torch.RotaryEmbedding`` (lucidrains): ``pairing="interleaved"``.

Each peer is imported through the ``require_peer`` fixture (:func:`conftest.require`): a missing
peer skips locally but fails in CI. Nothing is downloaded (models are built from tiny configs).

Tolerances. ropeviz always computes its angles in float64.

* Where the peer can run entirely in float64 (HF's ``apply_rotary_pos_emb`` with cos/sin built
  in float64, rotary-embedding-torch with float64 frequencies) the only difference is rounding:
  the angle ``m * theta`` carries an absolute error of a few ``EPS64 * |m|``, so we allow
  ``16 * EPS64 * (1 + max|m|) * max|x|`` (about 1e-11 here).
* Where the peer computes its angles in float32 (HF's ``LlamaRotaryEmbedding``, torchtune's
  cache, rotary-embedding-torch's default frequencies) the angle error is a few
  ``EPS32 * |m|`` radians (theta rounded to float32, then the product rounded), plus float32
  cos/sin and arithmetic. We allow ``8 * EPS32 * (1 + max|m|) * max|x|``: about 5e-3 at
  position 4000 and 4e-5 near position 10, while a wrong pairing, frequency, sign or offset
  moves the result by O(max|x|) ~ 1.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ropeviz
from ropeviz import apply_rope, inv_frequencies, rope_angles

EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)

HEAD_DIMS = [8, 64, 128]
BASES = [10_000.0, 500_000.0, 1_000.0]
OFFSETS = [0, 1, 37, 4000]


def float64_atol(positions, x):
    return 16 * EPS64 * (1 + float(np.abs(np.asarray(positions)).max())) * (1 + float(x.abs().max()))


def float32_atol(positions, x):
    return 8 * EPS32 * (1 + float(np.abs(np.asarray(positions)).max())) * (1 + float(x.abs().max()))


def randn(*shape, seed, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def assert_close(actual, expected, atol):
    """Compare two tensors; the message reports the largest error next to the tolerance."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    error = (actual.double() - expected.double()).abs().max().item()
    assert error <= atol, f"max abs error {error:.3e} > atol {atol:.3e}"


# --------------------------------------------------------------------------------------------
# The require() helper itself: skip locally, fail in CI
# --------------------------------------------------------------------------------------------


def test_require_skips_a_missing_peer_locally_but_fails_in_ci(require_peer, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_peer("ropeviz_no_such_peer_module")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_peer("ropeviz_no_such_peer_module")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="ropeviz_no_such_peer_module"):
        require_peer("ropeviz_no_such_peer_module")
    assert require_peer("math").sqrt(4.0) == 2.0  # a present module is simply returned


# --------------------------------------------------------------------------------------------
# (a) Hugging Face transformers: Llama's rotate_half RoPE == pairing="half"
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf_llama(require_peer):
    return require_peer("transformers.models.llama.modeling_llama")


@pytest.fixture(scope="module")
def hf_config_class(require_peer):
    return require_peer("transformers").LlamaConfig


def hf_cos_sin_float64(position_ids, head_dim, base):
    """cos/sin exactly as LlamaRotaryEmbedding builds them, but in float64 throughout."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).to(torch.float64) / head_dim))
    freqs = position_ids[..., None].to(torch.float64) * inv_freq  # outer(positions, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def batch_positions(offset, seq):
    """position_ids of shape (2, seq): two sequences at different offsets (KV cache / packing)."""
    return torch.stack([offset + torch.arange(seq), offset + 13 + torch.arange(seq)])


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("head_dim", HEAD_DIMS)
def test_hf_apply_rotary_pos_emb_matches_half_pairing(hf_llama, head_dim, base, offset):
    batch, heads, seq = 2, 3, 7
    q = randn(batch, heads, seq, head_dim, seed=1)
    k = randn(batch, heads, seq, head_dim, seed=2)
    position_ids = batch_positions(offset, seq)
    cos, sin = hf_cos_sin_float64(position_ids, head_dim, base)
    q_hf, k_hf = hf_llama.apply_rotary_pos_emb(q, k, cos, sin)  # unsqueeze_dim=1: (b, h, s, d)
    positions = position_ids[:, None, :]  # (batch, 1, seq) broadcasts over the heads
    q_rv = apply_rope(q, positions, base=base, pairing="half")
    k_rv = apply_rope(k, positions, base=base, pairing="half")
    assert q_rv.dtype == torch.float64
    assert_close(q_rv, q_hf, float64_atol(position_ids, q))
    assert_close(k_rv, k_hf, float64_atol(position_ids, k))
    # the check is not vacuous: the interleaved layout is a different map
    q_other = apply_rope(q, positions, base=base, pairing="interleaved")
    assert (q_other - q_hf).abs().max() > 0.1


@pytest.mark.parametrize("offset", OFFSETS)
def test_hf_offset_positions_continue_the_full_sequence(hf_llama, offset):
    # HF's KV cache: the last tokens of a long sequence get position_ids offset + t
    head_dim, base, seq, start = 16, 10_000.0, 12, 5
    x = randn(1, 2, seq, head_dim, seed=3)
    pos = offset + torch.arange(seq)[None]
    cos, sin = hf_cos_sin_float64(pos, head_dim, base)
    full, _ = hf_llama.apply_rotary_pos_emb(x, x, cos, sin)
    tail = apply_rope(x[..., start:, :], offset + start + np.arange(seq - start), pairing="half")
    assert_close(tail, full[..., start:, :], float64_atol(pos, x))


def tiny_llama_config(config_class, head_dim, base, max_positions=8192):
    return config_class(
        vocab_size=16,
        hidden_size=2 * head_dim,
        intermediate_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=head_dim,
        max_position_embeddings=max_positions,
        rope_parameters={"rope_type": "default", "rope_theta": base},
    )


@pytest.mark.parametrize("offset", [0, 1, 1000, 4000])
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("head_dim", [8, 64, 128])
def test_hf_llama_rotary_embedding_module_angles_match(hf_llama, hf_config_class, head_dim, base, offset):
    config = tiny_llama_config(hf_config_class, head_dim, base)
    module = hf_llama.LlamaRotaryEmbedding(config)
    assert module.attention_scaling == 1.0
    # its frequencies are ropeviz's, rounded to float32
    np.testing.assert_allclose(
        module.inv_freq.numpy(), inv_frequencies(head_dim, base), rtol=4 * EPS32, atol=0
    )
    seq = 9
    position_ids = batch_positions(offset, seq)
    x = randn(2, seq, 2 * head_dim, seed=4, dtype=torch.float32)  # only its dtype/device are used
    cos, sin = module(x, position_ids)
    assert cos.shape == (2, seq, head_dim) and cos.dtype == torch.float32
    angles = rope_angles(position_ids.numpy(), head_dim, base)  # (2, seq, d/2), float64
    emb = np.concatenate([angles, angles], axis=-1)  # HF's cat(freqs, freqs)
    # the module computes angles in float32: see the module docstring
    atol = 8 * EPS32 * (1 + float(position_ids.max()))
    np.testing.assert_allclose(cos.numpy(), np.cos(emb), rtol=0, atol=atol)
    np.testing.assert_allclose(sin.numpy(), np.sin(emb), rtol=0, atol=atol)

    # end to end: the module's float32 cos/sin through apply_rotary_pos_emb, against ropeviz
    q = randn(2, 3, seq, head_dim, seed=5, dtype=torch.float32)
    k = randn(2, 3, seq, head_dim, seed=6, dtype=torch.float32)
    q_hf, k_hf = hf_llama.apply_rotary_pos_emb(q, k, cos, sin)
    positions = position_ids[:, None, :]
    assert_close(apply_rope(q.double(), positions, base=base, pairing="half"), q_hf, float32_atol(position_ids, q))
    assert_close(apply_rope(k.double(), positions, base=base, pairing="half"), k_hf, float32_atol(position_ids, k))


# --------------------------------------------------------------------------------------------
# (b) torchtune: RotaryPositionalEmbeddings == pairing="interleaved"
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torchtune_modules(require_peer):
    return require_peer("torchtune.modules")


def ropeviz_bshd(x, positions, base, pairing="interleaved"):
    """ropeviz on torchtune's [b, s, n_h, h_d] layout: move the heads before the sequence."""
    return apply_rope(x.transpose(1, 2), positions, base=base, pairing=pairing).transpose(1, 2)


@pytest.mark.parametrize("offset", [None, *OFFSETS])
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("head_dim", HEAD_DIMS)
def test_torchtune_rotary_positional_embeddings_matches_interleaved(torchtune_modules, head_dim, base, offset):
    batch, seq, heads = 2, 7, 3
    rope = torchtune_modules.RotaryPositionalEmbeddings(dim=head_dim, max_seq_len=4096 + 64, base=base)
    # torchtune computes its cos/sin cache in float32 and casts x to float32: float32 tolerance
    x = randn(batch, seq, heads, head_dim, seed=7, dtype=torch.float32)
    if offset is None:
        out = rope(x)
        positions = torch.arange(seq)
        expected = ropeviz_bshd(x.double(), positions, base)
    else:
        input_pos = batch_positions(offset, seq)  # [b, s], a different offset per sequence
        out = rope(x, input_pos=input_pos)
        positions = input_pos
        expected = ropeviz_bshd(x.double(), input_pos[:, None, :], base)
    assert out.shape == x.shape and out.dtype == torch.float32
    assert_close(expected, out, float32_atol(positions, x))
    # not vacuous: the half layout disagrees with torchtune
    assert (ropeviz_bshd(x.double(), positions if offset is None else positions[:, None, :], base, "half") - out).abs().max() > 0.1


def test_torchtune_decoding_one_token_at_a_time_matches(torchtune_modules):
    # incremental decoding: token t alone with input_pos = [[t]] equals row t of the full pass
    head_dim, base, seq = 32, 10_000.0, 6
    rope = torchtune_modules.RotaryPositionalEmbeddings(dim=head_dim, max_seq_len=64, base=base)
    x = randn(1, seq, 2, head_dim, seed=8, dtype=torch.float32)
    for t in range(seq):
        step = rope(x[:, t : t + 1], input_pos=torch.tensor([[t]]))
        expected = ropeviz_bshd(x[:, t : t + 1].double(), [t], base)
        assert_close(expected, step, float32_atol([t], x))


# --------------------------------------------------------------------------------------------
# (c) rotary-embedding-torch: RotaryEmbedding == pairing="interleaved"
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rotary_embedding_torch(require_peer):
    return require_peer("rotary_embedding_torch")


# rotary-embedding-torch needs dim > 2 (its constructor divides by dim - 2, even with custom_freqs)
RET_HEAD_DIMS = [8, 64, 128]


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("head_dim", RET_HEAD_DIMS)
def test_rotary_embedding_torch_default_float32_matches_interleaved(rotary_embedding_torch, head_dim, base, offset):
    rotary = rotary_embedding_torch.RotaryEmbedding(dim=head_dim, theta=base)
    # its frequencies are ropeviz's, computed and stored in float32
    np.testing.assert_allclose(
        rotary.freqs.detach().numpy(), inv_frequencies(head_dim, base), rtol=4 * EPS32, atol=0
    )
    seq = 7
    t = randn(2, 3, seq, head_dim, seed=9, dtype=torch.float32)  # (b, h, s, d): seq axis -2
    out = rotary.rotate_queries_or_keys(t, offset=offset)
    positions = offset + np.arange(seq)
    expected = apply_rope(t.double(), positions, base=base)
    assert out.dtype == torch.float32
    # float32 angles (freqs and positions in float32): float32 tolerance
    assert_close(expected, out, float32_atol(positions, t))
    assert (apply_rope(t.double(), positions, base=base, pairing="half") - out).abs().max() > 0.1


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("head_dim", RET_HEAD_DIMS)
def test_rotary_embedding_torch_float64_matches_interleaved_tightly(rotary_embedding_torch, head_dim, base, offset):
    # with ropeviz's float64 frequencies and the module in float64, the only difference left is
    # float64 rounding: this pins down the layout, the direction and the offsets exactly
    freqs = torch.from_numpy(inv_frequencies(head_dim, base))
    rotary = rotary_embedding_torch.RotaryEmbedding(dim=head_dim, custom_freqs=freqs).double()
    seq = 7
    t = randn(2, 3, seq, head_dim, seed=10)
    # a first call at offset 0 fills the module's cache; the offset call may then read from it
    rotary.rotate_queries_or_keys(randn(1, 1, offset + seq, head_dim, seed=11))
    out = rotary.rotate_queries_or_keys(t, offset=offset)
    positions = offset + np.arange(seq)
    assert out.dtype == torch.float64
    assert_close(apply_rope(t, positions, base=base), out, float64_atol(positions, t))


def test_rotary_embedding_torch_cached_keys_match_kv_cache_positions(rotary_embedding_torch):
    # queries are the last q_len tokens of k_len: positions k_len - q_len .. k_len - 1
    head_dim, base, q_len, k_len = 16, 10_000.0, 3, 8
    freqs = torch.from_numpy(inv_frequencies(head_dim, base))
    rotary = rotary_embedding_torch.RotaryEmbedding(dim=head_dim, custom_freqs=freqs).double()
    q = randn(1, 2, q_len, head_dim, seed=12)
    k = randn(1, 2, k_len, head_dim, seed=13)
    q_out, k_out = rotary.rotate_queries_with_cached_keys(q, k)
    q_pos = k_len - q_len + np.arange(q_len)
    assert_close(apply_rope(q, q_pos, base=base), q_out, float64_atol(q_pos, q))
    assert_close(apply_rope(k, base=base), k_out, float64_atol([k_len], k))


def test_rotary_embedding_torch_seq_before_heads_layout(rotary_embedding_torch):
    # the (b, s, h, d) layout, as in torchtune: ropeviz needs the heads moved before the sequence
    head_dim, base, seq, offset = 16, 10_000.0, 5, 11
    freqs = torch.from_numpy(inv_frequencies(head_dim, base))
    rotary = rotary_embedding_torch.RotaryEmbedding(dim=head_dim, custom_freqs=freqs, seq_before_head_dim=True)
    t = randn(2, seq, 3, head_dim, seed=14)
    out = rotary.double().rotate_queries_or_keys(t, offset=offset)
    positions = offset + np.arange(seq)
    assert_close(ropeviz_bshd(t, positions, base), out, float64_atol(positions, t))


def test_all_three_peers_agree_through_ropeviz(hf_llama, torchtune_modules, rotary_embedding_torch):
    # one input, three peers, two layouts: the pairing permutation links HF to the other two
    head_dim, base, seq, offset = 32, 10_000.0, 6, 20
    perm = torch.from_numpy(ropeviz.pairing_permutation(head_dim))
    x = randn(1, 1, seq, head_dim, seed=15, dtype=torch.float32)  # interleaved layout
    positions = offset + torch.arange(seq)
    ret = rotary_embedding_torch.RotaryEmbedding(dim=head_dim, theta=base).rotate_queries_or_keys(x, offset=offset)
    tt = torchtune_modules.RotaryPositionalEmbeddings(dim=head_dim, max_seq_len=64, base=base)(
        x.transpose(1, 2), input_pos=positions[None]
    ).transpose(1, 2)
    cos, sin = hf_cos_sin_float64(positions[None], head_dim, base)
    hf, _ = hf_llama.apply_rotary_pos_emb(x[..., perm].double(), x[..., perm].double(), cos, sin)
    atol = float32_atol(positions, x)
    assert_close(ret, tt, atol)
    assert_close(hf, ret[..., perm], atol)
    assert_close(apply_rope(x.double(), positions, base=base), ret, atol)
