"""ropeviz under hostile input (issue 13): every row of the issue's table has a test here.

Each input gets the right answer or a ``ValueError``/``TypeError`` that names the argument; never
a silent wrong answer, an error from deep inside NumPy or torch, or NaN for finite input.

* Row 1: in-place rotation of q and k that share memory (views, slices, ``as_strided``) is
  refused; disjoint parts of one buffer (a fused QKV projection) are rotated correctly. A
  hypothesis test draws aliasing patterns and checks the library against a brute-force
  comparison of element addresses.
* Row 2: ``attention_weights``/``attention`` refuse a mix of torch and NumPy q, k, v (the mask
  may be either); a hypothesis test draws the mix and the dtypes.
* Row 3: one p-RoPE pair count, equal to transformers' ``"proportional"`` RoPE on a grid.
* Row 4: ``RotaryEmbedding`` and the sinusoidal ``TinyDecoder`` at huge positions, in constant
  memory (measured with ``tracemalloc``: the cos/sin tables are built with NumPy).
* Rows 5, 6, 9-12: empty sequences, bfloat16 to the NumPy analyses, float16 attention,
  float16 attention entropy, positions past 2**53, and the small ones.

(Rows 7 and 8, the explorer state, are tested with the explorers.)
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st

import ropeviz as rv
import ropeviz.rotary as ropeviz_rotary
from ropeviz import RotaryEmbedding, apply_rope
from ropeviz.models import (
    MAX_ATTENTION_FACTOR,
    TinyDecoder,
    model_inv_frequencies,
    offset_attention_mass,
)

EPS64 = float(np.finfo(np.float64).eps)
PAIRINGS = ["half", "interleaved"]
LAYOUTS = ["bhsd", "bshd"]


def gen(seed):
    return torch.Generator().manual_seed(seed)


def reference(x, positions, layout="bhsd", pairing="half", rotary_dim=None):
    """float64 apply_rope on the first rotary_dim features, in either layout."""
    x64 = x.double() if layout == "bhsd" else x.double().transpose(1, 2)
    r = rotary_dim or x.shape[-1]
    out = x64.clone()
    out[..., :r] = apply_rope(x64[..., :r], positions, pairing=pairing)
    return out if layout == "bhsd" else out.transpose(1, 2)


def max_error(a, b):
    return float((torch.as_tensor(a).double() - torch.as_tensor(b).double()).abs().max())


# ==========================================================================================
# Row 1: in-place rotation and memory shared by q and k
# ==========================================================================================

SHARED = r"^inplace=True needs q and k in separate memory"


def element_offsets(t: torch.Tensor) -> set[int]:
    """Storage offsets of every element of ``t``, by brute force (the test's own oracle)."""
    ranges = [range(size) for size in t.shape]
    return {
        t.storage_offset() + sum(i * s for i, s in zip(index, t.stride()))
        for index in itertools.product(*ranges)
    }


def test_reproducer_view_as_is_refused_not_rotated_twice():
    t = torch.randn(1, 1, 5, 8, dtype=torch.float64, generator=gen(0))
    before = t.clone()
    with pytest.raises(ValueError, match=SHARED):
        RotaryEmbedding(8)(t, t.view_as(t), inplace=True)
    assert torch.equal(t, before)  # refused before anything was written


@pytest.mark.parametrize(
    "make_k",
    [
        pytest.param(lambda t: t, id="same-object"),
        pytest.param(lambda t: t.view_as(t), id="view_as"),
        pytest.param(lambda t: t[:, :, :], id="full-slice"),
        pytest.param(lambda t: t.view(t.shape), id="view"),
        pytest.param(lambda t: t.transpose(0, 1), id="transpose-batch-heads"),
        pytest.param(lambda t: t.as_strided(t.shape, t.stride(), t.storage_offset() + 3), id="as_strided-shifted"),
        pytest.param(lambda t: t.detach(), id="detach"),
    ],
)
def test_every_kind_of_alias_is_refused(make_k):
    buffer = torch.randn(2 * 2 * 5 * 8 + 3, dtype=torch.float64, generator=gen(1))
    t = buffer[: 2 * 2 * 5 * 8].view(2, 2, 5, 8)
    with pytest.raises(ValueError, match=SHARED):
        RotaryEmbedding(8)(t, make_k(t), inplace=True)


def test_overlapping_slices_of_one_buffer_are_refused():
    buf = torch.randn(1, 2, 9, 8, generator=gen(2))
    with pytest.raises(ValueError, match=SHARED):
        RotaryEmbedding(8)(buf[:, :, :5], buf[:, :, 4:], inplace=True)


def test_tensors_from_overlapping_numpy_views_are_refused():
    # two torch storages over the same memory: a storage comparison alone would miss this
    base = np.random.default_rng(3).standard_normal(2 * 5 * 8 + 8)
    q = torch.from_numpy(base[: 5 * 8 * 2]).view(1, 2, 5, 8)
    k = torch.from_numpy(base[8 : 8 + 5 * 8 * 2]).view(1, 2, 5, 8)
    assert q.untyped_storage().data_ptr() != k.untyped_storage().data_ptr()
    with pytest.raises(ValueError, match=SHARED):
        RotaryEmbedding(8)(q, k, inplace=True)


@pytest.mark.parametrize("pairing", PAIRINGS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
def test_fused_qkv_slices_are_rotated_in_place_correctly(pairing, dtype):
    batch, seq, heads, head_dim = 2, 6, 3, 8
    qkv = torch.randn(batch, seq, 3 * heads * head_dim, generator=gen(4)).to(dtype)
    before = qkv.clone()
    q, k, v = qkv.view(batch, seq, 3, heads, head_dim).unbind(2)  # bshd views of one buffer
    rope = RotaryEmbedding(head_dim, pairing=pairing, layout="bshd")
    expected = rope(q.clone(), k.clone())
    q_out, k_out = rope(q, k, inplace=True)
    assert q_out is q and k_out is k
    assert torch.equal(q, expected[0]) and torch.equal(k, expected[1])
    assert torch.equal(v, before.view(batch, seq, 3, heads, head_dim)[:, :, 2])  # v untouched


def test_interleaved_disjoint_features_are_fine():
    buf = torch.randn(1, 2, 5, 8, 2, dtype=torch.float64, generator=gen(5))
    q, k = buf[..., 0], buf[..., 1]  # every other element of one buffer
    expected = RotaryEmbedding(8)(q.clone(), k.clone())
    RotaryEmbedding(8)(q, k, inplace=True)
    assert max_error(q, expected[0]) == 0.0 and max_error(k, expected[1]) == 0.0


def test_a_tensor_whose_elements_share_memory_is_refused_in_place_only():
    q = torch.randn(1, 1, 1, 8, generator=gen(6)).expand(2, 3, 4, 8)
    k = torch.randn(2, 3, 4, 8, generator=gen(7))
    with pytest.raises(ValueError, match=r"^q must not have elements that share memory"):
        RotaryEmbedding(8)(q, k, inplace=True)
    with pytest.raises(ValueError, match=r"^x must not have elements that share memory"):
        RotaryEmbedding(8).rotate(q, inplace=True)
    out, _ = RotaryEmbedding(8)(q, k)  # out of place: the answer is well defined
    assert max_error(out, reference(q, np.arange(4))) < 1e-6


ALIASING_PATTERNS = ["separate", "same", "view_as", "transpose", "seq-shift", "feature-halves",
                     "interleaved", "as_strided"]


def _aliasing_case(data, pattern):
    """Draw (buffer, q, k, description): q and k views of one float64 buffer, or separate."""
    b, h, s, d = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(1, 4)), 4
    numel = 4 * b * h * s * d + 64
    buf = torch.randn(numel, dtype=torch.float64, generator=gen(data.draw(st.integers(0, 99))))
    shape = (b, h, s, d)
    contiguous = buf[: b * h * s * d].view(shape)
    if pattern == "separate":
        return buf, contiguous, torch.randn(shape, dtype=torch.float64, generator=gen(8)), pattern
    if pattern == "same":
        return buf, contiguous, contiguous, pattern
    if pattern == "view_as":
        return buf, contiguous, contiguous.view_as(contiguous), pattern
    if pattern == "transpose":  # needs batch == heads for the shapes to agree
        t = buf[: h * h * s * d].view(h, h, s, d)
        return buf, t, t.transpose(0, 1), pattern
    if pattern == "seq-shift":
        shift = data.draw(st.integers(0, s + 1))
        long = buf[: b * h * (2 * s + 2) * d].view(b, h, 2 * s + 2, d)
        return buf, long[:, :, :s], long[:, :, shift : shift + s], f"{pattern} {shift}"
    if pattern == "feature-halves":
        wide = buf[: b * h * s * 2 * d].view(b, h, s, 2 * d)
        first = data.draw(st.booleans())
        return buf, wide[..., :d], wide[..., d:] if first else wide[..., 2:d + 2], pattern
    if pattern == "interleaved":
        pairs = buf[: b * h * s * d * 2].view(b, h, s, d, 2)
        other = data.draw(st.integers(0, 1))
        return buf, pairs[..., 0], pairs[..., other], f"{pattern} {other}"
    # as_strided: arbitrary strides and offsets over the same buffer (may overlap itself)
    strides = tuple(data.draw(st.integers(0, 40)) for _ in range(3)) + (data.draw(st.integers(1, 3)),)
    extent = sum((n - 1) * st_ for n, st_ in zip(shape, strides)) + 1
    offsets = [data.draw(st.integers(0, numel - extent)) for _ in range(2)]
    q = buf.as_strided(shape, strides, offsets[0])
    k = buf.as_strided(shape, strides, offsets[1])
    return buf, q, k, f"{pattern} {strides} {offsets}"


@pytest.mark.parametrize("pattern", ALIASING_PATTERNS)
@settings(max_examples=30)
@given(data=st.data(), pairing=st.sampled_from(PAIRINGS), offset=st.integers(0, 50))
def test_property_in_place_rotation_under_aliasing(pattern, data, pairing, offset):
    buf, q, k, description = _aliasing_case(data, pattern)
    rope = RotaryEmbedding(4, pairing=pairing)
    expected_q = reference(q.clone(), offset + np.arange(q.shape[2]), pairing=pairing)
    expected_k = reference(k.clone(), offset + np.arange(k.shape[2]), pairing=pairing)
    q_offsets, k_offsets = element_offsets(q), element_offsets(k)
    separate_storage = q.untyped_storage().data_ptr() != k.untyped_storage().data_ptr()
    q_self = len(q_offsets) < q.numel()
    k_self = len(k_offsets) < k.numel()
    shared = not separate_storage and bool(q_offsets & k_offsets)

    # out of place: always the right answer, and the inputs are left alone
    snapshot = buf.clone()
    q_out, k_out = rope(q, k, offset=offset)
    assert max_error(q_out, expected_q) < 1e-12 and max_error(k_out, expected_k) < 1e-12, description
    assert torch.equal(buf, snapshot), description

    # in place: refused exactly when some memory is shared, else right
    event(f"{description.split()[0]}: " + ("refused" if q_self or k_self or shared else "rotated"))
    if q_self or k_self or shared:
        pattern = r"^q must not" if q_self else r"^k must not" if k_self else SHARED
        with pytest.raises(ValueError, match=pattern):
            rope(q, k, offset=offset, inplace=True)
        assert torch.equal(buf, snapshot), description  # nothing written
    else:
        rope(q, k, offset=offset, inplace=True)
        assert max_error(q, expected_q) < 1e-12 and max_error(k, expected_k) < 1e-12, description


# ==========================================================================================
# Row 2: attention with torch and NumPy mixed
# ==========================================================================================


def test_reproducer_torch_q_numpy_k_is_refused():
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((4, 8)), rng.standard_normal((8, 8))
    with pytest.raises(TypeError, match=r"^k must be a torch.Tensor like q, got numpy.ndarray"):
        rv.attention_weights(torch.from_numpy(q), k)
    with pytest.raises(TypeError, match=r"^k must be a NumPy array"):
        rv.attention_weights(q, torch.from_numpy(k))
    with pytest.raises(TypeError, match=r"^v must be a torch.Tensor"):
        rv.attention(torch.from_numpy(q), torch.from_numpy(k), k)
    with pytest.raises(TypeError, match=r"^k must be a torch.Tensor"):
        rv.attention(torch.from_numpy(q), k.tolist(), torch.from_numpy(k))


def test_k_on_another_device_is_refused():
    with pytest.raises(ValueError, match=r"^k must be on q's device"):
        rv.attention_weights(torch.ones(3, 4), torch.ones(3, 4, device="meta"))


def test_mixed_float_dtypes_are_promoted_as_numpy_does():
    rng = np.random.default_rng(1)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    expected = rv.attention(q, k, v)
    out = rv.attention(torch.tensor(q, dtype=torch.float32), torch.tensor(k), torch.tensor(v))
    assert out.dtype == torch.float64
    assert max_error(out, expected) < 1e-6  # only q was rounded to float32
    out = rv.attention(q.astype(np.float32), k, v)
    assert out.dtype == np.float64 and max_error(out, expected) < 1e-6


KINDS = {"numpy": lambda a: a, "torch": torch.from_numpy, "list": lambda a: a.tolist()}


@given(
    kinds=st.tuples(*[st.sampled_from(["numpy", "torch", "list"])] * 3),
    mask_kind=st.sampled_from(["none", "numpy", "torch", "list"]),
    dtypes=st.tuples(*[st.sampled_from([np.float16, np.float32, np.float64])] * 3),
    seq_q=st.integers(1, 4),
    seq_k=st.integers(1, 4),
    seed=st.integers(0, 1000),
    with_v=st.booleans(),
)
def test_property_attention_with_mixed_array_types(kinds, mask_kind, dtypes, seq_q, seq_k, seed, with_v):
    rng = np.random.default_rng(seed)
    arrays = [
        rng.standard_normal((seq_q, 4)).astype(dtypes[0]),
        rng.standard_normal((seq_k, 4)).astype(dtypes[1]),
        rng.standard_normal((seq_k, 3)).astype(dtypes[2]),
    ]
    mask = rng.random((seq_q, seq_k)) < 0.7
    mask[:, 0] = True
    q, k, v = (KINDS[kind](a) for kind, a in zip(kinds, arrays))
    m = None if mask_kind == "none" else KINDS[mask_kind](mask) if mask_kind != "torch" else torch.from_numpy(mask)
    call = (lambda: rv.attention(q, k, v, m)) if with_v else (lambda: rv.attention_weights(q, k, m))
    q_torch = kinds[0] == "torch"
    mismatch = [name for name, kind in zip("kv" if with_v else "k", kinds[1:]) if (kind == "torch") != q_torch]
    event("refused" if mismatch else "computed")
    if mismatch:
        with pytest.raises(TypeError, match=rf"^{mismatch[0]} must be "):
            call()
        return
    out = call()
    assert isinstance(out, torch.Tensor) == q_torch
    # float64 reference from the values actually passed (lists are float64)
    q64, k64, v64 = (np.asarray(a, dtype=np.float64) for a in arrays)
    scores = np.where(mask if m is not None else True, q64 @ k64.T / 2.0, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = weights @ v64 if with_v else weights
    used = [dtype if kind != "list" else np.float64 for dtype, kind in zip(dtypes, kinds)][: 3 if with_v else 2]
    wanted = np.result_type(np.float32, *used)
    got = out.dtype if not q_torch else {torch.float32: np.float32, torch.float64: np.float64}[out.dtype]
    assert got == wanted
    assert max_error(out, expected) < (1e-5 if wanted == np.float32 else 1e-12)


# ==========================================================================================
# Row 3: one p-RoPE pair count, transformers' "proportional"
# ==========================================================================================


class _ProportionalConfig:
    """The attributes transformers' proportional initialiser reads, and nothing else."""

    def __init__(self, head_dim, p):
        self.head_dim = head_dim
        self.rope_parameters = {"rope_type": "proportional", "rope_theta": 10_000.0,
                                "partial_rotary_factor": p}

    def standardize_rope_params(self):
        pass


def test_reproducer_pair_count_and_one_definition():
    from ropeviz import models, scaling

    assert models.rope_pairs_kept is scaling.rope_pairs_kept is rv.rope_pairs_kept
    assert rv.rope_pairs_kept(100, 0.58) == 28  # 0.58 * 100 == 57.99999999999999
    assert np.count_nonzero(model_inv_frequencies(100, "p-rope", 0.58)) == 28
    assert np.count_nonzero(rv.scaled_inv_frequencies(100, method="p-rope", p=0.58)[0]) == 28
    model = TinyDecoder(8, d_model=200, n_heads=2, n_layers=1, position="p-rope", p=0.58)
    assert np.count_nonzero(model.rope_frequencies) == 28


def test_pair_count_equals_transformers_proportional_on_a_grid(require_peer):
    rope_utils = require_peer("transformers.modeling_rope_utils")
    init = rope_utils.ROPE_INIT_FUNCTIONS["proportional"]
    disagreements_of_the_old_formula = 0
    for head_dim in range(2, 513, 2):
        for step in range(101):
            p = step / 100
            inv_freq, _ = init(_ProportionalConfig(head_dim, p))
            hf_kept = int(torch.count_nonzero(inv_freq))
            ours = rv.rope_pairs_kept(head_dim, p)
            assert ours == hf_kept, (head_dim, p)
            assert ours == int(p * head_dim // 2)  # Barbero et al.'s expression, the same
            ours_freqs = rv.scaled_inv_frequencies(head_dim, method="p-rope", p=p)[0]
            assert np.count_nonzero(ours_freqs) == hf_kept
            disagreements_of_the_old_formula += math.floor(p * (head_dim // 2) + 1e-9) != hf_kept
    assert disagreements_of_the_old_formula == 12  # the count, now all resolved


def test_pair_count_with_a_real_transformers_config(require_peer):
    transformers = require_peer("transformers")
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    config = transformers.LlamaConfig(
        hidden_size=200, num_attention_heads=2, head_dim=100,
        rope_parameters={"rope_type": "proportional", "rope_theta": 10_000.0,
                         "partial_rotary_factor": 0.58},
    )
    hf, _ = ROPE_INIT_FUNCTIONS["proportional"](config)
    ours = model_inv_frequencies(100, "p-rope", 0.58)
    np.testing.assert_allclose(hf.double().numpy(), ours, rtol=1e-6, atol=0)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), True, "0.5", None])
def test_pair_count_refuses_a_bad_fraction(p):
    with pytest.raises(ValueError, match=r"^p must be a number between 0 and 1"):
        rv.rope_pairs_kept(16, p)
    with pytest.raises(ValueError, match=r"^p must be a number between 0 and 1"):
        rv.scaled_inv_frequencies(16, method="p-rope", p=p)


# ==========================================================================================
# Row 4: memory does not grow with the position
# ==========================================================================================


def numpy_peak_mib(call):
    """Peak memory NumPy and Python allocate during ``call()`` (the cos/sin tables are NumPy)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("where", ["offset", "positions"])
def test_huge_positions_cost_what_small_ones_cost(where):
    rope = RotaryEmbedding(128)
    q = torch.randn(1, 2, 4, 128, dtype=torch.float64, generator=gen(10))
    k = torch.randn(1, 2, 4, 128, dtype=torch.float64, generator=gen(11))
    peaks = {}
    for start in [10, 10**3, 10**6, 10**9, 2**31 - 5, 2**40]:
        pos = start + np.arange(4)
        kwargs = {"offset": start} if where == "offset" else {"positions": pos}
        out = {}
        peaks[start] = numpy_peak_mib(lambda: out.setdefault("qk", rope(q, k, **kwargs)))
        q_out, k_out = out["qk"]
        tol = 16 * EPS64 * (1 + pos.max()) * 5
        assert max_error(q_out, reference(q, pos)) < tol and max_error(k_out, reference(k, pos)) < tol
    assert rope.cache_length == 4096  # never grown
    assert max(peaks.values()) < 1.0, peaks  # MiB; the old cache needed ~1.4 GiB at 10**6


def test_reproducer_offset_near_2_to_31():
    q = torch.randn(1, 1, 3, 8, generator=gen(12))
    q_out, _ = RotaryEmbedding(8)(q, q.clone(), offset=2**31 - 5)
    assert max_error(q_out, reference(q, 2**31 - 5 + np.arange(3))) < 1e-5


@pytest.mark.parametrize("pairing", PAIRINGS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
@pytest.mark.parametrize("mode", ["out-of-place", "in-place", "autograd"])
def test_rows_beyond_a_small_cache_limit_match_apply_rope(monkeypatch, pairing, layout, dtype, mode):
    monkeypatch.setattr(ropeviz_rotary, "CACHE_LIMIT", 16)
    rope = RotaryEmbedding(16, pairing=pairing, layout=layout, rotary_dim=12, max_positions=4)
    assert rope.cache_limit == 16
    shape = (2, 3, 5, 16) if layout == "bhsd" else (2, 5, 3, 16)
    x = torch.randn(shape, dtype=torch.float64, generator=gen(13)).to(dtype)
    tol = {torch.float64: 1e-12, torch.float32: 1e-5, torch.bfloat16: 0.1}[dtype]
    for kwargs, pos, length in [
        ({"offset": 9}, 9 + np.arange(5), 14),  # grows the cache to 14 positions
        ({"offset": 14}, 14 + np.arange(5), 14),  # straddles the limit: computed rows
        ({"positions": [[0, 1, 2, 3, 4], [40, 3, 99, 7, 16]]}, None, 14),  # per sequence
        ({"offset": 11}, 11 + np.arange(5), 16),  # grows to the limit, not to twice 14
        ({"offset": 10**9}, 10**9 + np.arange(5), 16),
    ]:
        q = x.clone().requires_grad_(mode == "autograd")
        out, _ = rope(q, x.clone(), inplace=mode == "in-place", **kwargs)
        if pos is None:
            positions = np.array(kwargs["positions"])[:, None, :]  # (batch, 1, seq) for bhsd
            expected = reference(x, positions, layout, pairing, 12)
        else:
            expected = reference(x, pos, layout, pairing, 12)
        assert max_error(out.detach(), expected) < tol, kwargs
        assert rope.cache_length == length


def test_sinusoidal_decoder_at_huge_positions_in_constant_memory():
    model = TinyDecoder(16, d_model=32, n_heads=2, n_layers=1, position="sinusoidal")
    tokens = torch.zeros(1, 4, dtype=torch.long)
    peaks = []
    for start in [10, 10**3, 10**6, 10**9]:
        with torch.no_grad():
            peaks.append(numpy_peak_mib(lambda: model(tokens, positions=start + np.arange(4))))
    assert max(peaks) < 0.5, peaks  # MiB; the old table needed ~1 GiB at 10**6
    with torch.no_grad():
        logits = model(tokens, positions=10**9 + np.arange(4))
    assert torch.isfinite(logits).all()


def test_sinusoidal_rows_are_the_table_rows_bit_for_bit():
    from ropeviz.encodings import _sinusoidal_at

    table = rv.sinusoidal_encoding(300, 32)
    pos = np.array([[0.0, 5.0, 299.0], [17.0, 17.0, 1.0]])
    assert np.array_equal(_sinusoidal_at(pos, 32, 10_000.0), table[pos.astype(int)])


# ==========================================================================================
# Row 5: empty sequences in every RotaryEmbedding path
# ==========================================================================================


@pytest.mark.parametrize("pairing", PAIRINGS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("mode", ["out-of-place", "in-place", "autograd"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rotary_dim", [None, 4])
def test_empty_sequence_in_every_path(pairing, dtype, mode, layout, rotary_dim):
    rope = RotaryEmbedding(8, pairing=pairing, layout=layout, rotary_dim=rotary_dim)
    shape = (2, 3, 0, 8) if layout == "bhsd" else (2, 0, 3, 8)
    for kwargs in [{}, {"offset": 5}, {"positions": np.zeros(0, dtype=int)}, {"positions": np.zeros((2, 0))}]:
        q = torch.randn(shape).to(dtype).requires_grad_(mode == "autograd")
        k = torch.randn(shape).to(dtype)
        q_out, k_out = rope(q, k, inplace=mode == "in-place", **kwargs)
        assert q_out.shape == shape and k_out.shape == shape and q_out.dtype == dtype
        assert rope.rotate(k, inplace=mode == "in-place", **kwargs).shape == shape


def test_reproducer_empty_sequence_and_empty_batch():
    q_out, k_out = RotaryEmbedding(8)(torch.randn(1, 1, 0, 8), torch.randn(1, 1, 0, 8))
    assert q_out.shape == (1, 1, 0, 8)
    q_out, _ = RotaryEmbedding(8)(torch.randn(0, 2, 3, 8), torch.randn(0, 2, 3, 8), inplace=True)
    assert q_out.shape == (0, 2, 3, 8)


# ==========================================================================================
# Row 6: bfloat16 (and float16) tensors to the NumPy-based analyses
# ==========================================================================================


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_tensors_to_numpy_analyses(dtype):
    x = torch.randn(2, 3, 6, 8, generator=gen(20)).to(dtype)
    x32 = x.float()  # the same values: every bfloat16 and float16 is a float32
    np.testing.assert_array_equal(rv.pair_norms(x), rv.pair_norms(x32))
    np.testing.assert_array_equal(rv.frequency_norms(x, "half"), rv.frequency_norms(x32, "half"))
    for a, b in zip(rv.spectrum(x), rv.spectrum(x32)):
        np.testing.assert_array_equal(a, b)
    weights = torch.softmax(torch.randn(2, 3, 6, 6, generator=gen(21)), -1)
    np.testing.assert_array_equal(
        offset_attention_mass(weights.to(dtype), 1), offset_attention_mass(weights.to(dtype).float(), 1)
    )
    np.testing.assert_array_equal(rv.rope_angles(torch.arange(5).to(dtype), 8), rv.rope_angles(np.arange(5), 8))
    freqs = rv.mixed_frequencies(8, angle=0.3)
    positions = rv.patch_positions(2, 3)
    y = torch.randn(6, 8, dtype=torch.float64, generator=gen(22))
    expected = rv.mixed_rope_2d(y, positions, torch.from_numpy(freqs).to(dtype).double())
    np.testing.assert_array_equal(rv.mixed_rope_2d(y, positions, torch.from_numpy(freqs).to(dtype)), expected)


def test_reproducer_bfloat16_pair_norms():
    x = torch.randn(2, 8, generator=gen(23)).bfloat16()
    assert rv.pair_norms(x).dtype == np.float64
    np.testing.assert_array_equal(rv.pair_norms(x), rv.pair_norms(x.float()))


# ==========================================================================================
# Rows 9 and 10: float16 attention and entropy
# ==========================================================================================


def test_reproducer_float16_attention_with_large_dot_products():
    q = torch.randn(4, 8, generator=gen(30)) * 150
    half = q.half()
    weights = rv.attention_weights(half, half)
    assert weights.dtype == torch.float32 and torch.isfinite(weights).all()
    expected = rv.attention_weights(half.double().numpy(), half.double().numpy())
    assert max_error(weights, expected) < 1e-5
    np_weights = rv.attention_weights(half.numpy(), half.numpy())  # the NumPy path agrees
    assert np_weights.dtype == np.float32 and max_error(np_weights, expected) < 1e-5


def test_float32_scores_that_overflow_are_refused_not_nan():
    big = np.full((2, 4), 1e20, dtype=np.float32)
    for q in [big, torch.from_numpy(big)]:
        with pytest.raises(ValueError, match=r"^q and k must give finite scores"):
            rv.attention_weights(q, q)
    # an overflow where the mask forbids attention does not matter
    q = np.array([[1.0, 1.0], [1.0, 0.0]])
    k = np.array([[1.0, 0.0], [1e308, 1e308]])  # q[0] . k[1] = 2e308 overflows float64
    with pytest.raises(ValueError, match=r"^q and k must give finite scores"):
        rv.attention_weights(q, k)
    weights = rv.attention_weights(q, k, np.array([[True, False], [True, False]]))
    np.testing.assert_allclose(weights, [[1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("keys", [3, 100, 4096])
def test_reproducer_half_precision_attention_entropy(dtype, keys):
    weights = torch.softmax(torch.randn(3, keys, generator=gen(31)) * 3, -1).to(dtype)
    entropy = rv.attention_entropy(weights)
    w = weights.double().numpy()
    np.testing.assert_allclose(entropy, -(w * np.log(np.where(w > 0, w, 1))).sum(-1), rtol=1e-12)
    with pytest.raises(ValueError, match=r"^weights must be non-negative and sum to 1"):
        rv.attention_entropy((weights.float() * 0.9).to(dtype))  # genuinely not normalised
    with pytest.raises(ValueError, match=r"^weights must be non-negative and sum to 1"):
        rv.attention_entropy(torch.tensor([0.5, 0.49]))  # float32 keeps its tight tolerance


# ==========================================================================================
# Row 11: positions at and beyond 2**53
# ==========================================================================================


def test_reproducer_uint64_positions_beyond_2_to_53_are_refused():
    x = torch.randn(1, 1, 3, 8, dtype=torch.float64, generator=gen(40))
    rope = RotaryEmbedding(8)
    for positions in [
        np.array([2**64 - 1, 0, 1], np.uint64),
        np.array([2**63, 0, 1], np.uint64),
        [2.0**63, 0.0, 1.0],
        [1e300, 0.0, 1.0],
        [2**53 + 1, 0, 1],
    ]:
        with pytest.raises(ValueError, match=r"^positions must be at most MAX_POSITION = 2\*\*53"):
            rope(x, x.clone(), positions=positions)
    with pytest.raises(ValueError, match=r"^offset \+ seq - 1 must be at most MAX_POSITION"):
        rope(x, x.clone(), offset=2**53 - 1)
    empty = torch.randn(1, 1, 0, 8)
    with pytest.raises(ValueError, match=r"^offset \+ seq - 1 must be at most MAX_POSITION"):
        rope(empty, empty.clone(), offset=2**70)
    with pytest.raises(ValueError, match=r"^positions must hold real numbers"):
        rope(x, x.clone(), positions=[[2**70, 0, 1]])  # NumPy holds 2**70 only as an object
    assert rope.cache_length == 4096


def test_positions_up_to_2_to_53_are_rotated_as_apply_rope_does():
    x = torch.randn(1, 1, 3, 8, dtype=torch.float64, generator=gen(41))
    positions = np.array([2**53, 0, 2**53 - 1], np.uint64)
    out, _ = RotaryEmbedding(8)(x, x.clone(), positions=positions)
    expected = reference(x, positions.astype(np.float64))
    assert max_error(out, expected) < 1e-12  # the same float64 angles, the same rounding
    out, _ = RotaryEmbedding(8)(x, x.clone(), offset=2**53 - 2)
    assert max_error(out, reference(x, 2**53 - 2 + np.arange(3, dtype=np.float64))) < 1e-12


# ==========================================================================================
# Row 12: the small ones
# ==========================================================================================


@pytest.mark.parametrize("backend", [np.asarray, torch.as_tensor])
def test_attention_with_no_keys_or_no_queries(backend):
    with pytest.raises(ValueError, match=r"^k must hold at least one key"):
        rv.attention_weights(backend(np.ones((3, 4))), backend(np.ones((0, 4))))
    with pytest.raises(ValueError, match=r"^k must hold at least one key"):
        rv.attention(backend(np.ones((3, 4))), backend(np.ones((0, 4))), backend(np.ones((0, 2))))
    assert tuple(rv.attention_weights(backend(np.ones((0, 4))), backend(np.ones((5, 4)))).shape) == (0, 5)
    assert tuple(rv.attention_weights(backend(np.ones((0, 4))), backend(np.ones((0, 4)))).shape) == (0, 0)
    assert tuple(rv.attention(backend(np.ones((0, 4))), backend(np.ones((5, 4))), backend(np.ones((5, 2)))).shape) == (0, 2)


def test_spectral_peaks_of_an_empty_spectrum():
    peaks = rv.spectral_peaks(np.zeros(0), np.zeros(0))
    assert peaks.shape == (0,) and peaks.dtype == np.float64


@pytest.mark.parametrize("factor", [1e300, 1e100, 1.0 + 1e-12])
def test_ntk_and_dynamic_with_extreme_factors(factor):
    d, base = 64, 10_000.0
    inv_freq, _ = rv.scaled_inv_frequencies(d, base, "ntk", factor=factor)
    log_base = math.log(base) + d / (d - 2) * math.log(factor)
    expected = np.exp(-np.arange(0, d, 2) / d * log_base)
    np.testing.assert_allclose(inv_freq, expected, rtol=1e-12, atol=0)
    assert inv_freq[0] == 1.0 and np.all(np.diff(inv_freq) <= 0)
    dyn, _ = rv.scaled_inv_frequencies(d, base, "dynamic", factor=factor, original_length=64, seq_len=10**6)
    assert np.all(np.isfinite(dyn)) and dyn[0] == 1.0 and np.all(dyn <= rv.inv_frequencies(d, base))


def test_ntk_with_a_factor_so_small_that_the_frequencies_overflow():
    with pytest.raises(ValueError, match=r"^factor is too small"):
        rv.scaled_inv_frequencies(4, method="ntk", factor=5e-324)


def test_ntk_for_ordinary_factors_is_unchanged_bit_for_bit():
    for d, factor in [(128, 4.0), (64, 8.0), (16, 2.5)]:
        expected = rv.inv_frequencies(d, 10_000.0 * factor ** (d / (d - 2)))
        assert np.array_equal(rv.scaled_inv_frequencies(d, method="ntk", factor=factor)[0], expected)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0", None])
def test_expected_logits_refuses_a_bad_seed(seed):
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer"):
        rv.expected_logits([1, 2], 8, seed=seed)
    assert rv.expected_logits([1, 2], 8, samples=10, seed=np.int64(3)).shape == (2,)


@pytest.mark.parametrize("shape", [(2, 0, 8), (0, 2, 3, 8), (2, 2, 0, 8)])
def test_frequency_norms_refuses_no_tokens(shape):
    with pytest.raises(ValueError, match=r"^x must hold at least one token"):
        rv.frequency_norms(np.ones(shape))


@pytest.mark.parametrize("start", [3.7, 3.0, True, "3"])
def test_offset_attention_mass_refuses_a_non_integer_start(start):
    maps = np.full((2, 5, 5), 0.2)
    with pytest.raises(ValueError, match=r"^start must be an integer"):
        offset_attention_mass(maps, 1, start=start)
    np.testing.assert_allclose(offset_attention_mass(maps, 1, start=np.int64(3)), [0.2, 0.2])


def test_huge_attention_factor_is_refused_not_nan():
    model = TinyDecoder(10, d_model=16, n_heads=2, n_layers=1, position="rope")
    for factor in [1e300, 1e100, MAX_ATTENTION_FACTOR * 1.01]:
        with pytest.raises(ValueError, match=r"^attention_factor must be at most"):
            model.set_rope_frequencies(model.trained_rope_frequencies, factor)
    assert model.attention_factor == 1.0  # the refused value was not kept
    model.set_rope_frequencies(model.trained_rope_frequencies, MAX_ATTENTION_FACTOR)
    tokens = torch.randint(0, 10, (2, 6), generator=gen(50))
    assert torch.isfinite(model(tokens)).all()


def test_huge_frequencies_and_positions_that_overflow_the_angle_are_refused():
    model = TinyDecoder(10, d_model=16, n_heads=2, n_layers=1, position="rope")
    model.set_rope_frequencies(np.full(4, 1e300))
    tokens = torch.zeros(1, 3, dtype=torch.long)
    assert torch.isfinite(model(tokens)).all()  # angles up to 2e300: finite
    with pytest.raises(ValueError, match=r"^positions times the RoPE frequencies overflow"):
        model(tokens, positions=[0.0, 1.0, 1e10])


def test_unusual_strides_without_self_overlap_are_rotated_in_place():
    # offsets 0, 3, 2, 5, 4, 7 (+ 8 per head): no two elements share memory, although the
    # strides (2, 3) do not nest; the exact comparison of offsets accepts it
    buf = torch.randn(64, dtype=torch.float64, generator=gen(60))
    q = buf.as_strided((1, 2, 3, 2), (0, 8, 2, 3))
    assert len(element_offsets(q)) == q.numel()
    expected = RotaryEmbedding(2).rotate(q.clone())
    RotaryEmbedding(2).rotate(q, inplace=True)
    assert max_error(q, expected) == 0.0
