"""The tiny decoder of :mod:`ropeviz.models`: shapes, position modes, hooks, causality.

The models are tiny (d_model 16, 2 heads, 1-2 layers) so the whole file runs in a few seconds.
Exact equalities (``torch.equal``) are used where the arithmetic is the same operation on the
same numbers; ``allclose`` at float32 precision where it is not.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ropeviz import apply_rope, inv_frequencies
from ropeviz.models import (
    POSITIONS,
    TinyDecoder,
    model_inv_frequencies,
    offset_attention_mass,
    positional_heads,
    rope_pairs_kept,
)

VOCAB = 11
SIZES = dict(d_model=16, n_heads=2, n_layers=2, d_ff=32)  # head_dim 8: 4 pairs


def tokens(batch=2, seq=7, seed=0):
    return torch.randint(0, VOCAB, (batch, seq), generator=torch.Generator().manual_seed(seed))


def make(position="rope", **kwargs):
    """A model with sharper-than-initial attention, so position effects are large."""
    model = TinyDecoder(VOCAB, position=position, **{**SIZES, **kwargs}).eval()
    with torch.no_grad():
        for block in model.blocks:
            block.attn.q_proj.weight.mul_(3.0)
            block.attn.k_proj.weight.mul_(3.0)
    return model


@pytest.mark.parametrize("position", POSITIONS)
def test_shapes_for_every_position_mode(position):
    model = make(position, p=0.5 if position == "p-rope" else 1.0)
    x = tokens(3, 9)
    assert model(x).shape == (3, 9, VOCAB)
    maps = model.attention_maps(x)
    assert len(maps) == 2 and all(m.shape == (3, 2, 9, 9) for m in maps)
    for m in maps:
        torch.testing.assert_close(m.sum(-1), torch.ones(3, 2, 9, dtype=m.dtype))
        assert torch.all(m.triu(1) == 0)
    qk = model.queries_keys(x)
    assert len(qk) == 2 and all(q.shape == k.shape == (3, 2, 9, 8) for q, k in qk)
    # longer than anything seen before: no position table to outgrow
    assert model(tokens(1, 300)).shape == (1, 300, VOCAB)


def test_same_seed_same_weights_whatever_the_position_and_global_rng_untouched():
    state = torch.random.get_rng_state()
    a, b = make("nope", seed=3), make("rope", seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert torch.equal(pa, pb), name
    c = make("rope", seed=4)
    assert not torch.equal(a.embed.weight, c.embed.weight)


def test_p_rope_frequencies_follow_barbero():
    # the first floor(p * d/2) pairs (the fastest) keep their frequency, the others get 0
    freqs = model_inv_frequencies(16, "p-rope", p=0.25, base=10_000.0)
    full = inv_frequencies(16)
    np.testing.assert_array_equal(freqs[:2], full[:2])
    np.testing.assert_array_equal(freqs[2:], 0.0)
    assert rope_pairs_kept(16, 0.75) == 6 and rope_pairs_kept(256, 0.25) == 32
    assert rope_pairs_kept(8, 1.0) == 4 and rope_pairs_kept(8, 0.0) == 0
    np.testing.assert_array_equal(model_inv_frequencies(8, "nope"), 0.0)


def test_p_rope_at_0_is_nope_and_at_1_is_rope_exactly():
    x = tokens()
    assert torch.equal(make("p-rope", p=0.0)(x), make("nope")(x))
    assert torch.equal(make("p-rope", p=1.0)(x), make("rope")(x))
    # with a small base the slow pairs turn enough over 7 tokens to matter
    half = make("p-rope", p=0.5, base=10.0)
    assert not torch.allclose(half(x), make("rope", base=10.0)(x), atol=1e-4)


@pytest.mark.parametrize("pairing", ["interleaved", "half"])
def test_the_rotation_is_apply_rope(pairing):
    model = make("rope", pairing=pairing, n_layers=1)
    x = tokens(1, 6)
    (q, k), = model.queries_keys(x)
    # recompute the layer's scores with ropeviz.apply_rope and compare with the stored maps
    qr = apply_rope(q.double(), pairing=pairing)
    kr = apply_rope(k.double(), pairing=pairing)
    scores = qr @ kr.transpose(-1, -2) / np.sqrt(model.head_dim)
    scores = scores.masked_fill(~torch.ones(6, 6, dtype=torch.bool).tril(), float("-inf"))
    torch.testing.assert_close(scores.softmax(-1), model.attention_maps(x)[0],
                               atol=1e-6, rtol=1e-5)


def test_rope_scores_are_relative_sinusoidal_are_not():
    x = tokens(1, 8)
    shifted = torch.arange(8) + 37
    rope, sinus = make("rope", n_layers=1), make("sinusoidal", n_layers=1)
    torch.testing.assert_close(rope.attention_maps(x)[0], rope.attention_maps(x, shifted)[0],
                               atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(rope(x), rope(x, shifted), atol=1e-5, rtol=1e-5)
    assert not torch.allclose(sinus.attention_maps(x)[0], sinus.attention_maps(x, shifted)[0],
                              atol=1e-4)
    # NoPE ignores positions entirely
    nope = make("nope")
    assert torch.equal(nope(x), nope(x, shifted))


def test_per_sequence_positions():
    model = make("rope")
    x = tokens(2, 5)
    pos = torch.stack([torch.arange(5), torch.arange(5) + 3])
    out = model(x, pos)
    torch.testing.assert_close(out[1:], model(x[1:], torch.arange(5) + 3))


def test_set_and_reset_rope_frequencies():
    model = make("rope")
    x = tokens(2, 12)
    before = model(x)
    trained = model.trained_rope_frequencies
    model.set_rope_frequencies(torch.tensor(trained / 4))  # position interpolation by 4
    assert not torch.allclose(model(x), before)
    np.testing.assert_array_equal(model.rope_frequencies, trained / 4)
    model.reset_rope_frequencies()
    assert torch.equal(model(x), before)
    # the attention factor multiplies every logit by its square
    model.set_rope_frequencies(trained, attention_factor=2.0)
    assert model.attention_factor == 2.0
    (q, k), _ = model.queries_keys(x)
    scores = apply_rope(q.double()) @ apply_rope(k.double()).transpose(-1, -2)
    scores = 4.0 * scores / np.sqrt(model.head_dim)
    scores = scores.masked_fill(~torch.ones(12, 12, dtype=torch.bool).tril(), float("-inf"))
    torch.testing.assert_close(model.attention_maps(x)[0], scores.softmax(-1),
                               atol=1e-5, rtol=1e-4)
    model.reset_rope_frequencies()
    assert model.attention_factor == 1.0 and torch.equal(model(x), before)


def test_setting_frequencies_of_positions_times_c_equals_scaled_positions():
    # theta / c at positions m is the same rotation as theta at positions m / c
    model = make("rope")
    x = tokens(1, 10)
    reference = model(x, torch.arange(10) / 4.0)
    model.set_rope_frequencies(model.trained_rope_frequencies / 4.0)
    torch.testing.assert_close(model(x), reference)


def test_causal_future_tokens_do_not_change_past_logits():
    for position in POSITIONS:
        model = make(position, p=0.5 if position == "p-rope" else 1.0)
        x = tokens(1, 10)
        y = x.clone()
        y[0, 6:] = (y[0, 6:] + 1) % VOCAB
        out_x, out_y = model(x), model(y)
        torch.testing.assert_close(out_x[:, :6], out_y[:, :6], atol=1e-6, rtol=1e-6)
        assert not torch.allclose(out_x[:, 6:], out_y[:, 6:])


def test_offset_attention_mass_and_positional_heads_by_hand():
    seq = 5
    diagonal = torch.eye(seq)
    previous = torch.zeros(seq, seq)
    previous[0, 0] = 1.0
    previous[torch.arange(1, seq), torch.arange(seq - 1)] = 1.0
    uniform = torch.ones(seq, seq).tril()
    uniform = uniform / uniform.sum(-1, keepdim=True)
    maps = torch.stack([diagonal, previous, uniform])[None]  # (1, 3 heads, seq, seq)
    uniform_0, uniform_1 = np.mean(1 / np.arange(1, 6)), np.mean(1 / np.arange(2, 6))
    np.testing.assert_allclose(offset_attention_mass(maps, 0), [1.0, 0.2, uniform_0])
    np.testing.assert_allclose(offset_attention_mass(maps, 1), [0.0, 1.0, uniform_1])
    found = positional_heads([maps], threshold=0.9)
    assert [(f["head"], f["offset"]) for f in found] == [(0, 0), (1, 1)]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(position="alibi"), r"^position\b"),
        (dict(position="rope", p=0.5), r"^p\b"),
        (dict(position="p-rope", p=1.5), r"^p\b"),
        (dict(position="p-rope", p=float("nan")), r"^p\b"),
        (dict(d_model=16, n_heads=3), r"^n_heads\b"),
        (dict(d_model=12, n_heads=4), r"^head_dim\b"),
        (dict(d_model=0), r"^d_model\b"),
        (dict(n_layers=0), r"^n_layers\b"),
        (dict(base=-1.0), r"^base\b"),
        (dict(pairing="halves"), r"^pairing\b"),
        (dict(max_len=0), r"^max_len\b"),
        (dict(seed=1.5), r"^seed\b"),
        (dict(init_std=0.0), r"^init_std\b"),
    ],
)
def test_bad_constructor_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        TinyDecoder(VOCAB, **{**SIZES, **kwargs})
    with pytest.raises(ValueError, match=r"^vocab_size\b"):
        TinyDecoder(0)


def test_bad_call_arguments():
    model = make("rope", max_len=8)
    with pytest.raises(ValueError, match=r"^tokens\b"):
        model(torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^tokens\b"):
        model(torch.full((1, 4), VOCAB))
    with pytest.raises(ValueError, match=r"^tokens\b"):
        model(torch.zeros(1, 4))
    with pytest.raises(ValueError, match=r"^tokens\b"):
        model(tokens(1, 9))  # longer than max_len
    with pytest.raises(ValueError, match=r"^positions\b"):
        model(tokens(1, 4), torch.arange(5))
    with pytest.raises(ValueError, match=r"^positions\b"):
        model(tokens(1, 4), [0.0, float("nan"), 1.0, 2.0])
    with pytest.raises(ValueError, match=r"^inv_freq\b"):
        model.set_rope_frequencies(np.ones(3))
    with pytest.raises(ValueError, match=r"^inv_freq\b"):
        model.set_rope_frequencies(np.array([1.0, np.inf, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"^attention_factor\b"):
        model.set_rope_frequencies(np.ones(4), attention_factor=0.0)
    with pytest.raises(ValueError, match=r"^set_rope_frequencies\b"):
        make("nope").set_rope_frequencies(np.ones(4))
    with pytest.raises(ValueError, match=r"^offset\b"):
        offset_attention_mass(torch.ones(1, 2, 3, 3) / 3, -1)
    with pytest.raises(ValueError, match=r"^maps\b"):
        offset_attention_mass(torch.ones(2, 3, 4), 0)


_PORTABLE_RUN = """
import sys, numpy as np, torch
from ropeviz.models import TinyDecoder
from ropeviz.tasks import RecallCopyTask, train
task = RecallCopyTask(n_keys=8, n_values=8, offset=1)
model = TinyDecoder(task.vocab_size, d_model=32, n_heads=2, d_ff=64, seed=5)
train(model, task, steps=60, batch_size=16, lr=3e-3, seq_len=24, seed=5, progress=False)
flat = torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()
np.save(sys.argv[1], flat)
"""


def test_initialisation_and_training_agree_across_cpu_kernels(tmp_path):
    """The tiny models train to the same weights whatever vector kernels torch picks.

    torch chooses CPU kernels by vector width (``ATEN_CPU_CAPABILITY``) and its own ``normal_``
    draws differ between them; chapters 7-9 print numbers of trained models, so TinyDecoder
    draws its weights with NumPy and trains in float64. The scalar kernels (``default``) against
    this machine's best: after 60 steps every weight agrees to 1e-9 (float32 training moves them
    by ~1e-5 here, and torch's own initialisation differs by up to ~1e-6 before any step).
    """
    import os
    import subprocess
    import sys

    results = []
    for capability in ("default", None):
        env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
        if capability:
            env["ATEN_CPU_CAPABILITY"] = capability
        env["OMP_NUM_THREADS"] = "1" if capability else "2"
        out = tmp_path / f"{capability}.npy"
        subprocess.run([sys.executable, "-c", _PORTABLE_RUN, str(out)], check=True, env=env)
        results.append(np.load(out))
    assert results[0].shape == results[1].shape and results[0].size > 10_000
    assert np.abs(results[0] - results[1]).max() < 1e-9
