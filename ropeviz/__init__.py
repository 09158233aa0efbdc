"""ropeviz: the helper package behind the RoPE book.

NumPy at the core (torch tensors are accepted wherever an array is, and returned as tensors);
one module per idea:

* :mod:`ropeviz.rope`: frequencies, angles, :func:`apply_rope` in both pairings, rotation matrices;
* :mod:`ropeviz.encodings`: integer, binary and sinusoidal position codes;
* :mod:`ropeviz.attention`: plain scaled dot-product attention and the causal mask;
* :mod:`ropeviz.analysis`: bounds and expectations about RoPE (RoFormer's decay bound);
* :mod:`ropeviz.plotting`: the book's figure style and static figures (imported on demand).
"""

from .analysis import decay_bound
from .attention import attention, attention_weights, causal_mask
from .encodings import binary_encoding, integer_encoding, sinusoidal_encoding
from .rope import (
    apply_rope,
    inv_frequencies,
    pair_slices,
    pairing_permutation,
    rope_angles,
    rope_matrix,
    wavelengths,
)

__version__ = "0.1.0"

__all__ = [
    "apply_rope",
    "attention",
    "attention_weights",
    "binary_encoding",
    "causal_mask",
    "decay_bound",
    "integer_encoding",
    "inv_frequencies",
    "pair_slices",
    "pairing_permutation",
    "rope_angles",
    "rope_matrix",
    "sinusoidal_encoding",
    "wavelengths",
]
