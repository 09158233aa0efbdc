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
