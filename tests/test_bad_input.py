"""Bad input raises ``ValueError`` naming the offending argument, for every public function.

Each case is ``(call, pattern)``: ``call()`` must raise ``ValueError`` whose message matches
``pattern`` (a regular expression naming the argument).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import ropeviz
from ropeviz import (
    apply_rope,
    attention,
    attention_weights,
    binary_encoding,
    causal_mask,
    decay_bound,
    integer_encoding,
    inv_frequencies,
    pair_slices,
    pairing_permutation,
    rope_angles,
    rope_matrix,
    sinusoidal_encoding,
    wavelengths,
)

X = np.ones((3, 4))  # a valid (seq=3, head_dim=4) input
Q = np.ones((3, 4))
NAN, INF = float("nan"), float("inf")

HEAD_DIM = r"^head_dim\b"
BASE = r"^base\b"
PAIRING = r"^pairing\b"
X_ARG = r"^x\b"
X_LAST = re.escape("x.shape[-1]")
POSITIONS = r"^positions\b"
POSITION = r"^position\b"
NUM_POSITIONS = r"^num_positions\b"
DIM = r"^dim\b"
SEQ_LEN = r"^seq_len\b"
MASK = r"^mask\b"
DISTANCES = r"^distances\b"


def case(call, pattern, id, marks=()):
    return pytest.param(call, pattern, id=id, marks=marks)


# a head_dim that is not a positive even integer
BAD_HEAD_DIMS = [3, 0, -2, 4.0, True, "4", None]
# a base that is not a finite positive number
BAD_BASES = [0, 0.0, -10.0, INF, -INF, NAN, True, "10000", None]

CASES = [
    # ---------------------------------------------------------------- inv_frequencies & co.
    *[case(lambda h=h: inv_frequencies(h), HEAD_DIM, f"inv_frequencies-head_dim={h!r}") for h in BAD_HEAD_DIMS],
    *[case(lambda b=b: inv_frequencies(8, b), BASE, f"inv_frequencies-base={b!r}") for b in BAD_BASES],
    case(lambda: wavelengths(5), HEAD_DIM, "wavelengths-head_dim=5"),
    case(lambda: wavelengths(8, -1.0), BASE, "wavelengths-base=-1"),
    case(lambda: rope_angles([0.0, NAN], 8), POSITIONS, "rope_angles-positions-nan"),
    case(lambda: rope_angles([0, 1], 7), HEAD_DIM, "rope_angles-head_dim=7"),
    case(lambda: pair_slices(6, "halves"), PAIRING, "pair_slices-pairing"),
    case(lambda: pair_slices(5), HEAD_DIM, "pair_slices-head_dim=5"),
    # ---------------------------------------------------------------- pairing_permutation
    *[case(lambda h=h: pairing_permutation(h), HEAD_DIM, f"pairing_permutation-head_dim={h!r}") for h in [3, 0, -4, 2.0, True]],
    # ---------------------------------------------------------------- encodings
    *[
        case(lambda n=n: integer_encoding(n, 4), NUM_POSITIONS, f"integer_encoding-num_positions={n!r}")
        for n in [0, -1, 2.5, True, None]
    ],
    *[case(lambda d=d: integer_encoding(4, d), DIM, f"integer_encoding-dim={d!r}") for d in [0, -3, 1.5]],
    *[
        case(lambda n=n: binary_encoding(n, 4), NUM_POSITIONS, f"binary_encoding-num_positions={n!r}")
        for n in [0, -1, 17, 3.0]  # 17 > 2**4: codes would repeat
    ],
    *[case(lambda d=d: binary_encoding(4, d), DIM, f"binary_encoding-dim={d!r}") for d in [0, -1, 2.0]],
    *[
        case(lambda n=n: sinusoidal_encoding(n, 4), NUM_POSITIONS, f"sinusoidal_encoding-num_positions={n!r}")
        for n in [0, -2, 1.5]
    ],
    *[case(lambda d=d: sinusoidal_encoding(4, d), DIM, f"sinusoidal_encoding-dim={d!r}") for d in [3, 0, -2, 4.0]],
    *[case(lambda b=b: sinusoidal_encoding(4, 4, b), BASE, f"sinusoidal_encoding-base={b!r}") for b in [0.0, -1.0, NAN, INF]],
    # ---------------------------------------------------------------- apply_rope: x
    case(lambda: apply_rope(np.ones(4)), X_ARG, "apply_rope-x-1d"),
    case(lambda: apply_rope(np.float64(1.0)), X_ARG, "apply_rope-x-0d"),
    case(lambda: apply_rope(np.ones((3, 5))), X_LAST, "apply_rope-x-odd-last-axis"),
    case(lambda: apply_rope(np.ones((2, 3, 1))), X_LAST, "apply_rope-x-last-axis-1"),
    case(lambda: apply_rope(np.ones((3, 0))), X_LAST, "apply_rope-x-empty-last-axis"),
    case(lambda: apply_rope(np.ones((3, 4), dtype=bool)), X_ARG, "apply_rope-x-bool"),
    case(lambda: apply_rope(np.ones((3, 4), dtype=complex)), X_ARG, "apply_rope-x-complex"),
    case(lambda: apply_rope(np.array([["a", "b"]])), X_ARG, "apply_rope-x-strings"),
    case(lambda: apply_rope(np.ones((3, 4), dtype=object)), X_ARG, "apply_rope-x-object"),
    case(lambda: apply_rope([[1.0, 2.0], [1.0]]), X_ARG, "apply_rope-x-ragged-list"),
    case(lambda: apply_rope(torch.ones(4)), X_ARG, "apply_rope-torch-x-1d"),
    case(lambda: apply_rope(torch.ones(2, 3)), X_LAST, "apply_rope-torch-x-odd-last-axis"),
    case(
        lambda: apply_rope(torch.ones(3, 4, dtype=torch.bool)),
        X_ARG,
        "apply_rope-torch-x-bool",
    ),
    case(
        lambda: apply_rope(torch.ones(3, 4, dtype=torch.complex64)),
        X_ARG,
        "apply_rope-torch-x-complex",
    ),
    # ---------------------------------------------------------------- apply_rope: options
    *[case(lambda b=b: apply_rope(X, base=b), BASE, f"apply_rope-base={b!r}") for b in BAD_BASES],
    *[
        case(lambda p=p: apply_rope(X, pairing=p), PAIRING, f"apply_rope-pairing={p!r}")
        for p in ["halves", "HALF", "", None, 0, ("half",)]
    ],
    # ---------------------------------------------------------------- apply_rope: positions
    case(lambda: apply_rope(X, positions=np.arange(4)), POSITIONS, "apply_rope-positions-too-long"),
    case(lambda: apply_rope(X, positions=np.arange(2)), POSITIONS, "apply_rope-positions-too-short"),
    case(lambda: apply_rope(X, positions=np.zeros((2, 3))), POSITIONS, "apply_rope-positions-extra-axis"),
    case(lambda: apply_rope(X, positions=np.zeros((3, 4))), POSITIONS, "apply_rope-positions-per-feature"),
    case(
        lambda: apply_rope(np.ones((2, 5, 3, 4)), positions=np.zeros((2, 3))),
        POSITIONS,
        "apply_rope-positions-batch-without-head-axis",
    ),
    case(lambda: apply_rope(X, positions=[0.0, NAN, 2.0]), POSITIONS, "apply_rope-positions-nan"),
    case(lambda: apply_rope(X, positions=[0.0, INF, 2.0]), POSITIONS, "apply_rope-positions-inf"),
    case(lambda: apply_rope(X, positions=-INF), POSITIONS, "apply_rope-positions-scalar-minus-inf"),
    case(lambda: apply_rope(X, positions=[True, False, True]), POSITIONS, "apply_rope-positions-bool"),
    case(lambda: apply_rope(X, positions=[0, 1j, 2]), POSITIONS, "apply_rope-positions-complex"),
    case(lambda: apply_rope(X, positions=["0", "1", "2"]), POSITIONS, "apply_rope-positions-strings"),
    case(lambda: apply_rope(X, positions=[[0], [1, 2]]), POSITIONS, "apply_rope-positions-ragged"),
    case(lambda: apply_rope(X, positions=[None] * 3), POSITIONS, "apply_rope-positions-none-entries"),
    case(
        lambda: apply_rope(torch.ones(3, 4), positions=torch.tensor([0.0, NAN, 1.0])),
        POSITIONS,
        "apply_rope-torch-positions-nan",
    ),
    case(
        lambda: apply_rope(torch.ones(3, 4), positions=torch.arange(5)),
        POSITIONS,
        "apply_rope-torch-positions-wrong-length",
    ),
    # ---------------------------------------------------------------- rope_matrix
    *[case(lambda h=h: rope_matrix(1, h), HEAD_DIM, f"rope_matrix-head_dim={h!r}") for h in [5, 0, -2, 4.0]],
    *[case(lambda b=b: rope_matrix(1, 4, b), BASE, f"rope_matrix-base={b!r}") for b in [0.0, -2.0, NAN, INF]],
    case(lambda: rope_matrix(1, 4, pairing="halves"), PAIRING, "rope_matrix-pairing"),
    *[
        case(lambda p=p: rope_matrix(p, 4), POSITION, f"rope_matrix-position={p!r}")
        for p in [NAN, INF, -INF, True, 1j, "1", [1, 2], np.zeros((1,))]
    ],
    case(lambda: rope_matrix(torch.tensor(NAN), 4), POSITION, "rope_matrix-position-torch-nan"),
    # ---------------------------------------------------------------- causal_mask
    *[case(lambda n=n: causal_mask(n), SEQ_LEN, f"causal_mask-seq_len={n!r}") for n in [0, -1, 3.0, True, None]],
    # ---------------------------------------------------------------- attention_weights / attention
    case(lambda: attention_weights(Q, Q, np.ones((3, 3))), MASK, "attention_weights-mask-float"),
    case(lambda: attention_weights(Q, Q, np.ones((3, 3), dtype=int)), MASK, "attention_weights-mask-int"),
    case(lambda: attention_weights(Q, Q, np.ones((2, 3), dtype=bool)), MASK, "attention_weights-mask-shape"),
    case(lambda: attention_weights(Q, Q, np.ones((3, 3, 2), dtype=bool)), MASK, "attention_weights-mask-too-big"),
    case(
        lambda: attention_weights(Q, Q, np.tril(np.ones((3, 3), dtype=bool), k=-1)),
        MASK,
        "attention_weights-mask-row-all-false",
    ),
    case(lambda: attention_weights(np.ones(4), Q), r"^q and k\b", "attention_weights-q-1d"),
    case(lambda: attention_weights(Q, np.ones(4)), r"^q and k\b", "attention_weights-k-1d"),
    case(lambda: attention_weights(Q, np.ones((3, 5))), re.escape("k.shape[-1]"), "attention_weights-k-dim-mismatch"),
    case(
        lambda: attention_weights(torch.ones(3, 4), torch.ones(3, 4), np.ones((2, 3), dtype=bool)),
        MASK,
        "attention_weights-torch-mask-shape",
    ),
    case(
        lambda: attention_weights(torch.ones(3, 4), torch.ones(3, 4), np.zeros((3, 3), dtype=bool)),
        MASK,
        "attention_weights-torch-mask-row-all-false",
    ),
    case(
        lambda: attention_weights(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 3)),
        MASK,
        "attention_weights-torch-mask-float",
    ),
    case(lambda: attention(Q, Q, np.ones((2, 4))), r"^v\b", "attention-v-wrong-seq"),
    case(lambda: attention([[1.0, 2.0], [1.0]], Q, Q), r"^q\b", "attention-q-ragged-list"),
    case(lambda: attention_weights(Q, np.ones((3, 4), dtype=bool)), r"^k\b", "attention_weights-k-bool"),
    case(lambda: apply_rope(X, pairing=np.array(["half"])), r"^pairing\b", "apply_rope-pairing-array"),
    case(lambda: attention(Q, Q, np.ones(3)), r"^v\b", "attention-v-1d"),
    case(lambda: attention(Q, Q, Q, np.ones((3, 3))), MASK, "attention-mask-float"),
    case(lambda: attention(Q, Q, Q, np.zeros((3, 3), dtype=bool)), MASK, "attention-mask-row-all-false"),
    case(lambda: attention(Q, np.ones((3, 6)), Q), re.escape("k.shape[-1]"), "attention-k-dim-mismatch"),
    # ---------------------------------------------------------------- decay_bound
    *[
        case(lambda r=r: decay_bound(r), DISTANCES, f"decay_bound-distances={r!r}")
        for r in [NAN, INF, [0.0, -INF], True, 1j, "250", [[1], [1, 2]]]
    ],
    *[case(lambda h=h: decay_bound(10, head_dim=h), HEAD_DIM, f"decay_bound-head_dim={h!r}") for h in [127, 0, -2, 64.0]],
    *[case(lambda b=b: decay_bound(10, base=b), BASE, f"decay_bound-base={b!r}") for b in [0.0, -1.0, NAN, INF]],
]


# ------------------------------------------------------------------ analysis: chapters 7 and 8
from ropeviz import (  # noqa: E402
    attention_entropy,
    exact_expected_logits,
    expected_logits,
    frequency_norms,
    pair_norms,
    spectral_peaks,
    spectrum,
)

CASES += [
    case(lambda: pair_norms(np.ones(5)), HEAD_DIM, "pair_norms-odd-last-axis"),
    case(lambda: pair_norms(np.ones(4), "halves"), PAIRING, "pair_norms-pairing"),
    case(lambda: pair_norms(np.ones(4, dtype=bool)), X_ARG, "pair_norms-x-bool"),
    case(lambda: frequency_norms(np.ones((3, 4))), X_ARG, "frequency_norms-x-2d"),
    case(lambda: frequency_norms(np.ones((2, 3, 5))), HEAD_DIM, "frequency_norms-odd-head_dim"),
    *[
        case(lambda r=r: expected_logits(r), DISTANCES, f"expected_logits-distances={r!r}")
        for r in [NAN, [0.0, INF], "10"]
    ],
    case(lambda: expected_logits(5, kind="uniform"), r"^kind\b", "expected_logits-kind"),
    case(lambda: expected_logits(5, samples=0), r"^samples\b", "expected_logits-samples"),
    case(lambda: expected_logits(5, head_dim=7), HEAD_DIM, "expected_logits-head_dim"),
    case(lambda: exact_expected_logits(NAN), DISTANCES, "exact_expected_logits-distances"),
    case(lambda: exact_expected_logits(5, base=0.0), BASE, "exact_expected_logits-base"),
    case(lambda: exact_expected_logits(5, kind=None), r"^kind\b", "exact_expected_logits-kind"),
    case(lambda: spectrum(np.ones((1, 4))), X_ARG, "spectrum-x-one-position"),
    case(lambda: spectrum(np.array([[1.0], [NAN]])), X_ARG, "spectrum-x-nan"),
    case(lambda: spectrum(np.ones((4, 2)), axis=3), r"^axis\b", "spectrum-axis"),
    case(lambda: spectrum(np.ones((4, 2)), window="box"), r"^window\b", "spectrum-window"),
    case(lambda: spectral_peaks(np.ones(3), np.ones(4)), r"^amplitude\b", "spectral_peaks-shape"),
    case(lambda: spectral_peaks([0.0, NAN], [1.0, 2.0]), r"^omega\b", "spectral_peaks-omega-nan"),
    case(lambda: spectral_peaks(np.ones(3), np.ones(3), count=0), r"^count\b", "spectral_peaks-count"),
    case(lambda: attention_entropy(np.array([0.2, 0.2])), r"^weights\b", "attention_entropy-sum"),
    case(lambda: attention_entropy(np.array([1.5, -0.5])), r"^weights\b", "attention_entropy-negative"),
    case(lambda: attention_entropy(np.float64(1.0)), r"^weights\b", "attention_entropy-scalar"),
]


# ------------------------------------------------------------------ rotary and layouts: chapter 6
from ropeviz import (  # noqa: E402
    RotaryEmbedding,
    apply_rope_complex,
    half_to_interleaved,
    interleaved_to_half,
    permute_qk_weight,
    unpermute_qk_weight,
)

Q4 = torch.ones(1, 2, 3, 8)  # a valid (batch, heads, seq, head_dim) input
W = np.ones((16, 5))  # W_q rows for 2 heads of head_dim 8


def rotary(**kwargs):
    return RotaryEmbedding(8, max_positions=4, **kwargs)


CASES += [
    *[case(lambda h=h: RotaryEmbedding(h), HEAD_DIM, f"RotaryEmbedding-head_dim={h!r}") for h in BAD_HEAD_DIMS],
    *[case(lambda b=b: RotaryEmbedding(8, b), BASE, f"RotaryEmbedding-base={b!r}") for b in BAD_BASES],
    case(lambda: rotary(pairing="halves"), PAIRING, "RotaryEmbedding-pairing"),
    *[
        case(lambda n=n: RotaryEmbedding(8, max_positions=n), r"^max_positions\b", f"RotaryEmbedding-max_positions={n!r}")
        for n in [0, -1, 2.5, True, None]
    ],
    *[
        case(lambda r=r: rotary(rotary_dim=r), r"^rotary_dim\b", f"RotaryEmbedding-rotary_dim={r!r}")
        for r in [3, 0, -2, 10, 4.0, True]
    ],
    *[case(lambda v=v: rotary(layout=v), r"^layout\b", f"RotaryEmbedding-layout={v!r}") for v in ["BHSD", "bsd", None]],
    case(lambda: rotary()(np.ones((1, 2, 3, 8)), Q4), r"^q\b", "RotaryEmbedding-q-numpy"),
    case(lambda: rotary()(Q4[0], Q4), r"^q\b", "RotaryEmbedding-q-3d"),
    case(lambda: rotary()(Q4.int(), Q4), r"^q\b", "RotaryEmbedding-q-int"),
    case(lambda: rotary()(Q4.to(torch.complex64), Q4), r"^q\b", "RotaryEmbedding-q-complex"),
    case(lambda: rotary()(torch.ones(1, 2, 3, 6), Q4), re.escape("q.shape[-1]"), "RotaryEmbedding-q-head_dim"),
    case(lambda: rotary()(Q4, torch.ones(1, 2, 3, 6)), re.escape("k.shape[-1]"), "RotaryEmbedding-k-head_dim"),
    case(lambda: rotary()(Q4, Q4.bool()), r"^k\b", "RotaryEmbedding-k-bool"),
    case(lambda: rotary()(Q4, torch.ones(1, 2, 4, 8)), r"^k\b", "RotaryEmbedding-k-seq"),
    case(lambda: rotary()(Q4, torch.ones(2, 2, 3, 8)), r"^k\b", "RotaryEmbedding-k-batch"),
    case(lambda: rotary(layout="bshd")(Q4, torch.ones(1, 3, 3, 8)), r"^k\b", "RotaryEmbedding-k-seq-bshd"),
    *[
        case(lambda o=o: rotary()(Q4, Q4, offset=o), r"^offset\b", f"RotaryEmbedding-offset={o!r}")
        for o in [-1, 1.5, True, None, "3", torch.tensor(1.0)]
    ],
    case(lambda: rotary()(Q4, Q4, positions=[0, 1, 2], offset=1), r"^offset\b", "RotaryEmbedding-offset-and-positions"),
    *[
        case(lambda p=p: rotary()(Q4, Q4, positions=p), POSITIONS, f"RotaryEmbedding-positions={p!r}")
        for p in [[0, 1], [0, 1, 2, 3], [[0, 1, 2]] * 2, [0.5, 1, 2], [-1, 0, 1], [0, NAN, 2], [0, INF, 2],
                  [True, False, True], ["0", "1", "2"], np.zeros((1, 1, 3))]
    ],
    case(lambda: rotary()(Q4, Q4, positions=torch.tensor([0, 1, -5])), POSITIONS, "RotaryEmbedding-positions-torch-negative"),
    case(lambda: rotary()(Q4, Q4, inplace=1), r"^inplace\b", "RotaryEmbedding-inplace-int"),
    case(lambda: rotary()(Q4, Q4, inplace=True), r"^inplace\b", "RotaryEmbedding-inplace-same-tensor"),
    case(lambda: rotary().rotate(np.ones((1, 2, 3, 8))), X_ARG, "RotaryEmbedding-rotate-x-numpy"),
    case(lambda: rotary().rotate(Q4, offset=-3), r"^offset\b", "RotaryEmbedding-rotate-offset"),
    case(lambda: rotary().rotate(Q4, inplace="yes"), r"^inplace\b", "RotaryEmbedding-rotate-inplace"),
    # ---------------------------------------------------------------- apply_rope_complex
    case(lambda: apply_rope_complex(np.ones(4)), X_ARG, "apply_rope_complex-x-1d"),
    case(lambda: apply_rope_complex(np.ones((3, 5))), X_LAST, "apply_rope_complex-x-odd-last-axis"),
    case(lambda: apply_rope_complex(torch.ones(3, 4, dtype=torch.bool)), X_ARG, "apply_rope_complex-x-bool"),
    case(lambda: apply_rope_complex(np.ones((3, 4), dtype=complex)), X_ARG, "apply_rope_complex-x-complex"),
    case(lambda: apply_rope_complex([[1.0, 2.0], [1.0]]), X_ARG, "apply_rope_complex-x-ragged"),
    *[case(lambda b=b: apply_rope_complex(X, base=b), BASE, f"apply_rope_complex-base={b!r}") for b in BAD_BASES],
    case(lambda: apply_rope_complex(X, positions=np.arange(4)), POSITIONS, "apply_rope_complex-positions-length"),
    case(lambda: apply_rope_complex(X, positions=[0.0, NAN, 1.0]), POSITIONS, "apply_rope_complex-positions-nan"),
    # ---------------------------------------------------------------- layouts
    *[
        case(lambda f=f, x=x, i=i: f(x), pattern, f"{f.__name__}-{i}")
        for f in (interleaved_to_half, half_to_interleaved)
        for i, (x, pattern) in enumerate(
            [
                (np.ones(5), X_LAST),
                (np.ones((2, 3)), X_LAST),
                (np.ones((2, 0)), X_LAST),
                (np.float64(1.0), X_ARG),
                (np.ones(4, dtype=bool), X_ARG),
                (np.ones(4, dtype=complex), X_ARG),
                (torch.ones(3, dtype=torch.float32), X_LAST),
                (torch.ones(4, dtype=torch.bool), X_ARG),
                ([[1.0, 2.0], [1.0]], X_ARG),
            ]
        )
    ],
    *[
        case(lambda f=f, args=args: f(*args), pattern, f"{f.__name__}-{i}")
        for f in (permute_qk_weight, unpermute_qk_weight)
        for i, (args, pattern) in enumerate(
            [
                ((W, 0, 8), r"^n_heads\b"),
                ((W, 2.0, 8), r"^n_heads\b"),
                ((W, True, 8), r"^n_heads\b"),
                ((W, 2, 7), HEAD_DIM),
                ((W, 2, 0), HEAD_DIM),
                ((W, 2, 8.0), HEAD_DIM),
                ((W, 3, 8), r"^weight\b"),
                ((W, 1, 8), r"^weight\b"),
                ((np.ones((16, 5, 2)), 2, 8), r"^weight\b"),
                ((np.float64(1.0), 2, 8), r"^weight\b"),
                ((W.astype(bool), 2, 8), r"^weight\b"),
                ((torch.ones(12, 5), 2, 8), r"^weight\b"),
            ]
        )
    ],
]


@pytest.mark.parametrize(("call", "pattern"), CASES)
def test_bad_input_raises_value_error_naming_the_argument(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_every_public_function_has_a_bad_input_case():
    covered = {p.id.split("-")[0] for p in CASES}
    public_functions = {name for name in ropeviz.__all__ if callable(getattr(ropeviz, name))}
    assert public_functions <= covered, f"no bad-input case for {sorted(public_functions - covered)}"


def test_valid_edge_values_are_accepted():
    # the boundaries just inside the contract must not raise
    assert inv_frequencies(2).shape == (1,)
    assert inv_frequencies(np.int64(4), np.float32(500.0)).shape == (2,)
    assert inv_frequencies(4, base=0.5)[1] == pytest.approx(2**0.5)  # bases <= 1 are allowed
    assert apply_rope(np.ones((1, 2))).shape == (1, 2)
    assert apply_rope(X, positions=7).shape == X.shape  # a scalar position broadcasts
    assert apply_rope(X, positions=[0.5, 1.5, -2.5]).shape == X.shape  # float positions
    assert binary_encoding(16, 4).shape == (16, 4)  # exactly 2**dim codes
    assert causal_mask(np.int64(2)).shape == (2, 2)
    mask = np.ones((3, 3), dtype=bool)
    np.testing.assert_allclose(attention_weights(Q, Q, mask).sum(-1), 1.0)


# ------------------------------------------------------------------ scaling and multidim: ch. 9, 10
from ropeviz import (  # noqa: E402
    axial_frequencies,
    axial_rope_2d,
    cosine_sum,
    min_base_for_context,
    mixed_frequencies,
    mixed_rope_2d,
    mrope,
    mrope_positions,
    patch_positions,
    rope_pairs_kept,
    scaled_inv_frequencies,
    yarn_mscale,
    yarn_ramp,
)
from ropeviz.configs import RopeLayer, RopeSpec, rope_from_config, to_v5_config  # noqa: E402


def scaled(method="linear", head_dim=8, base=10_000.0, **params):
    return lambda: scaled_inv_frequencies(head_dim, base, method, **params)


XY = np.zeros((3, 2))
THW = np.zeros((3, 3))
SCALING_MULTIDIM_CASES = [
    # ---------------------------------------------------------------- scaled_inv_frequencies
    *[case(scaled(method=m, factor=2.0), r"^method\b", f"scaled_inv_frequencies-method={m!r}")
      for m in ["pi", "YaRN", "proportional", None, 3]],
    *[case(scaled(head_dim=h, factor=2.0), HEAD_DIM, f"scaled_inv_frequencies-head_dim={h!r}")
      for h in [3, 0, 8.0]],
    case(scaled("ntk", head_dim=2, factor=2.0), HEAD_DIM, "scaled_inv_frequencies-ntk-head_dim=2"),
    *[case(scaled(base=b, factor=2.0), BASE, f"scaled_inv_frequencies-base={b!r}")
      for b in [0.0, -1.0, NAN, INF]],
    *[case(scaled(m, factor=f, original_length=64, seq_len=128), r"^factor\b",
           f"scaled_inv_frequencies-{m}-factor={f!r}")
      for m in ["dynamic"] for f in [0.0, -2.0, NAN, INF, True, "2"]],
    *[case(scaled(m, factor=f), r"^factor\b", f"scaled_inv_frequencies-{m}-factor={f!r}")
      for m in ["linear", "ntk"] for f in [0.0, -1.0, NAN, None]],
    case(scaled("linear"), r"^factor\b", "scaled_inv_frequencies-linear-missing-factor"),
    case(scaled("yarn", factor=2.0), r"^original_length\b",
         "scaled_inv_frequencies-yarn-missing-original_length"),
    case(scaled("dynamic", factor=2.0, original_length=64), r"^seq_len\b",
         "scaled_inv_frequencies-dynamic-missing-seq_len"),
    case(scaled("linear", factor=2.0, p=0.5), r"^p\b", "scaled_inv_frequencies-linear-extra-p"),
    case(scaled("ntk", factor=2.0, beta_fast=32), r"^beta_fast\b",
         "scaled_inv_frequencies-ntk-extra-beta_fast"),
    *[case(scaled("yarn", factor=2.0, original_length=n), r"^original_length\b",
           f"scaled_inv_frequencies-yarn-original_length={n!r}") for n in [0, -5, 64.0, None]],
    *[case(scaled("dynamic", factor=2.0, original_length=64, seq_len=n), r"^seq_len\b",
           f"scaled_inv_frequencies-dynamic-seq_len={n!r}") for n in [0, 2.5, "100"]],
    case(scaled("yarn", factor=2.0, original_length=64, beta_fast=1.0, beta_slow=2.0),
         r"^beta_fast\b", "scaled_inv_frequencies-yarn-beta-order"),
    case(scaled("yarn", factor=2.0, original_length=64, beta_slow=0.0), r"^beta_slow\b",
         "scaled_inv_frequencies-yarn-beta_slow=0"),
    case(scaled("yarn", factor=2.0, original_length=64, attention_factor=-1.0),
         r"^attention_factor\b", "scaled_inv_frequencies-yarn-attention_factor"),
    case(scaled("yarn", factor=2.0, original_length=64, ramp="log"), r"^ramp\b",
         "scaled_inv_frequencies-yarn-ramp"),
    case(scaled("yarn", factor=2.0, original_length=64, truncate="yes"), r"^truncate\b",
         "scaled_inv_frequencies-yarn-truncate"),
    case(scaled("llama3", factor=8.0, original_length=64, low_freq_factor=4.0,
                high_freq_factor=1.0), r"^high_freq_factor\b",
         "scaled_inv_frequencies-llama3-band-order"),
    case(scaled("llama3", factor=8.0, original_length=64, low_freq_factor=0.0),
         r"^low_freq_factor\b", "scaled_inv_frequencies-llama3-low_freq_factor"),
    *[case(scaled("p-rope", p=p), r"^p\b", f"scaled_inv_frequencies-p-rope-p={p!r}")
      for p in [-0.1, 1.5, NAN, True, "0.5", None]],
    case(scaled("p-rope", p=0.5, factor=0.0), r"^factor\b", "scaled_inv_frequencies-p-rope-factor"),
    case(scaled("ntk", head_dim=4, factor=5e-324), r"^factor\b",
         "scaled_inv_frequencies-ntk-factor-frequencies-overflow"),
    # ---------------------------------------------------------------- rope_pairs_kept
    *[case(lambda p=p: rope_pairs_kept(16, p), r"^p\b", f"rope_pairs_kept-p={p!r}")
      for p in [-0.1, 1.5, NAN, True, "0.5", None]],
    *[case(lambda h=h: rope_pairs_kept(h, 0.5), HEAD_DIM, f"rope_pairs_kept-head_dim={h!r}")
      for h in [3, 0, 8.0]],
    case(scaled("yarn", factor=2.0, original_length=64, mscale=-1.0, mscale_all_dim=1.0),
         r"^mscale\b", "scaled_inv_frequencies-yarn-mscale"),
    case(scaled("yarn", factor=2.0, original_length=64, mscale_all_dim=NAN),
         r"^mscale_all_dim\b", "scaled_inv_frequencies-yarn-mscale_all_dim"),
    case(scaled("longrope", factor=2.0, original_length=64, long_factor=[1.0] * 4),
         r"^short_factor\b", "scaled_inv_frequencies-longrope-missing-short"),
    *[case(scaled("longrope", factor=2.0, original_length=64, short_factor=f,
                  long_factor=[1.0] * 4), r"^short_factor\b",
           f"scaled_inv_frequencies-longrope-short_factor={f!r}")
      for f in [[1.0] * 3, [1.0, 1.0, 0.0, 1.0], [1.0, NAN, 1.0, 1.0], "1111", [[1.0] * 4]]],
    case(scaled("longrope", factor=2.0, original_length=64, short_factor=[1.0] * 4,
                long_factor=[-1.0] * 4), r"^long_factor\b", "scaled_inv_frequencies-longrope-long"),
    case(scaled("longrope", factor=2.0, original_length=1, short_factor=[1.0] * 4,
                long_factor=[1.0] * 4), r"^original_length\b",
         "scaled_inv_frequencies-longrope-original_length=1"),
    case(scaled("longrope", factor=2.0, original_length=64, short_factor=[1.0] * 4,
                long_factor=[1.0] * 4, seq_len=0), r"^seq_len\b",
         "scaled_inv_frequencies-longrope-seq_len"),
    *[case(lambda f=f: yarn_mscale(f), r"^factor\b", f"yarn_mscale-factor={f!r}")
      for f in [0.0, -1.0, NAN, None]],
    *[case(lambda m=m: yarn_mscale(4.0, m), r"^mscale\b", f"yarn_mscale-mscale={m!r}")
      for m in [-0.5, INF, "1", True]],
    # ---------------------------------------------------------------- ropeviz.configs
    case(lambda: rope_from_config({"hidden_size": 64, "num_attention_heads": 2,
                                   "rope_scaling": {"type": "ntk-by-parts", "factor": 2.0}}),
         r"^rope_scaling\['type'\]", "rope_from_config-unknown-type"),
    case(lambda: to_v5_config({"hidden_size": 64, "num_attention_heads": 2,
                               "rope_scaling": [2.0]}), r"^rope_scaling\b",
         "to_v5_config-rope_scaling-list"),
    case(lambda: RopeSpec({}), r"^layers\b", "RopeSpec-empty"),
    case(lambda: RopeLayer("all", "default", 1e4, 8, 8, "half", np.ones(3)), r"^inv_freq\b",
         "RopeLayer-inv_freq-shape"),
    case(lambda: RopeLayer("all", "ntk", 1e4, 8, 8, "half", np.ones(4)), r"^rope_type\b",
         "RopeLayer-rope_type"),
    # ---------------------------------------------------------------- yarn_ramp, cosine_sum
    case(lambda: yarn_ramp(7, original_length=64), HEAD_DIM, "yarn_ramp-head_dim"),
    case(lambda: yarn_ramp(8, 1.0, original_length=64), BASE, "yarn_ramp-base=1"),
    case(lambda: yarn_ramp(8, original_length=0), r"^original_length\b", "yarn_ramp-length"),
    case(lambda: yarn_ramp(8, original_length=64, beta_fast=INF), r"^beta_fast\b",
         "yarn_ramp-beta_fast"),
    case(lambda: yarn_ramp(8, original_length=64, ramp=None), r"^ramp\b", "yarn_ramp-ramp"),
    *[case(lambda r=r: cosine_sum(r, 8), DISTANCES, f"cosine_sum-distances={r!r}")
      for r in [NAN, [0.0, INF], "10", True]],
    case(lambda: cosine_sum(3, 5), HEAD_DIM, "cosine_sum-head_dim"),
    case(lambda: cosine_sum(3, 8, -1.0), BASE, "cosine_sum-base"),
    # ---------------------------------------------------------------- min_base_for_context
    *[case(lambda n=n: min_base_for_context(n, 8), r"^context_length\b",
           f"min_base_for_context-context_length={n!r}") for n in [0, -1, 100.0, True, None]],
    case(lambda: min_base_for_context(64, 7), HEAD_DIM, "min_base_for_context-head_dim"),
    case(lambda: min_base_for_context(64, 8, points_per_decade=0), r"^points_per_decade\b",
         "min_base_for_context-points_per_decade"),
    *[case(lambda b=b: min_base_for_context(64, 8, max_base=b), r"^max_base\b",
           f"min_base_for_context-max_base={b!r}") for b in [0.5, NAN, INF, -10.0]],
    case(lambda: min_base_for_context(4096, 128, max_base=100.0), r"^context_length\b",
         "min_base_for_context-not-found"),
    # ---------------------------------------------------------------- 2-D RoPE
    *[case(lambda n=n: patch_positions(n, 3), r"^height\b", f"patch_positions-height={n!r}")
      for n in [0, -1, 2.0]],
    case(lambda: patch_positions(3, 0), r"^width\b", "patch_positions-width"),
    *[case(lambda h=h: axial_frequencies(h), HEAD_DIM, f"axial_frequencies-head_dim={h!r}")
      for h in [6, 3, 0, 8.0]],
    case(lambda: axial_frequencies(8, NAN), BASE, "axial_frequencies-base"),
    case(lambda: mixed_frequencies(10), HEAD_DIM, "mixed_frequencies-head_dim"),
    case(lambda: mixed_frequencies(8, 0.0), BASE, "mixed_frequencies-base"),
    *[case(lambda a=a: mixed_frequencies(8, 10.0, a), r"^angle\b", f"mixed_frequencies-angle={a!r}")
      for a in [NAN, INF, "0", None]],
    case(lambda: axial_rope_2d(np.ones(4), XY[:1]), X_ARG, "axial_rope_2d-x-1d"),
    case(lambda: axial_rope_2d(np.ones((3, 6)), XY), r"^head_dim \(x\.shape", "axial_rope_2d-head_dim-6"),
    case(lambda: axial_rope_2d(np.ones((3, 5)), XY), X_LAST, "axial_rope_2d-odd-last-axis"),
    case(lambda: axial_rope_2d(np.ones((3, 4), dtype=bool), XY), X_ARG, "axial_rope_2d-x-bool"),
    case(lambda: axial_rope_2d(X, np.zeros((3, 3))), r"^xy_positions\b", "axial_rope_2d-xy-three-axes"),
    case(lambda: axial_rope_2d(X, np.zeros((4, 2))), r"^xy_positions\b", "axial_rope_2d-xy-wrong-seq"),
    case(lambda: axial_rope_2d(X, np.zeros(3)), r"^xy_positions\b", "axial_rope_2d-xy-1d"),
    case(lambda: axial_rope_2d(X, [[0, NAN]] * 3), r"^xy_positions\b", "axial_rope_2d-xy-nan"),
    case(lambda: axial_rope_2d(X, XY, base=0.0), BASE, "axial_rope_2d-base"),
    case(lambda: axial_rope_2d(X, XY, pairing="zigzag"), PAIRING, "axial_rope_2d-pairing"),
    case(lambda: mixed_rope_2d(X, XY, np.ones((2, 3))), r"^frequencies\b", "mixed_rope_2d-freq-shape"),
    case(lambda: mixed_rope_2d(X, XY, np.full((2, 2), NAN)), r"^frequencies\b", "mixed_rope_2d-freq-nan"),
    case(lambda: mixed_rope_2d(X, np.zeros((3, 1)), np.ones((2, 2))), r"^xy_positions\b",
         "mixed_rope_2d-xy-one-axis"),
    case(lambda: mixed_rope_2d(np.ones((3, 4), dtype=complex), XY, np.ones((2, 2))), X_ARG,
         "mixed_rope_2d-x-complex"),
    case(lambda: mixed_rope_2d(X, XY, np.ones((2, 2)), pairing="half-split"), PAIRING,
         "mixed_rope_2d-pairing"),
    # ---------------------------------------------------------------- M-RoPE
    *[case(lambda s=s: mrope(X, THW, s), r"^sections\b", f"mrope-sections={s!r}")
      for s in [(1, 1), (1, 1, 1), (2, 0, 1, 0), (-1, 2, 1), (1.0, 1, 0), None, "112"]],
    case(lambda: mrope(X, XY, (1, 1, 0)), r"^positions\b", "mrope-positions-two-axes"),
    case(lambda: mrope(X, np.zeros((5, 3)), (1, 1, 0)), r"^positions\b", "mrope-positions-wrong-seq"),
    case(lambda: mrope(X, np.full((3, 3), INF), (1, 1, 0)), r"^positions\b", "mrope-positions-inf"),
    case(lambda: mrope(np.ones((3, 5)), THW, (1, 1, 0)), X_LAST, "mrope-odd-last-axis"),
    case(lambda: mrope(X, THW, (1, 1, 0), base=NAN), BASE, "mrope-base"),
    case(lambda: mrope(X, THW, (1, 1, 0), pairing="HALF"), PAIRING, "mrope-pairing"),
    *[case(lambda s=s: mrope_positions(s), r"^segments\b", f"mrope_positions-segments={s!r}")
      for s in [[], "text", None, [("text", 0)], [("audio", 3)], [("image", (2,))],
                [("video", (2, 2))], [("image", (0, 2))], [("text",)], [("text", 2.5)]]],
]
CASES += SCALING_MULTIDIM_CASES


@pytest.mark.parametrize(("call", "pattern"), SCALING_MULTIDIM_CASES)
def test_scaling_and_multidim_bad_input_raises_value_error_naming_the_argument(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
