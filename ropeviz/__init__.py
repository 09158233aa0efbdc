"""ropeviz: the helper package behind the RoPE book.

NumPy at the core (torch tensors are accepted wherever an array is, and returned as tensors);
one module per idea:

* :mod:`ropeviz.rope`: frequencies, angles, :func:`apply_rope` in both pairings, rotation matrices;
* :mod:`ropeviz.rotary`: :class:`RotaryEmbedding` (a fast ``nn.Module`` with a cos/sin cache) and
  the complex-number oracle :func:`apply_rope_complex` (loaded with torch on first use);
* :mod:`ropeviz.layouts`: interleaved <-> half pairing for activations and for W_q / W_k rows;
* :mod:`ropeviz.encodings`: integer, binary and sinusoidal position codes;
* :mod:`ropeviz.attention`: plain scaled dot-product attention and the causal mask;
* :mod:`ropeviz.analysis`: bounds and expectations about RoPE (RoFormer's decay bound), frequency
  usage (pair norms), expected logits vs distance, spectra over positions, attention entropy;
* :mod:`ropeviz.models` (torch): :class:`~ropeviz.models.TinyDecoder`, a tiny decoder with a
  pluggable position encoding; :mod:`ropeviz.tasks`: synthetic copy/recall tasks, ``train``,
  ``evaluate``; :mod:`ropeviz.pretrained`: frequency usage of a ``transformers`` model;
* :mod:`ropeviz.scaling`: context extension (PI, NTK, dynamic NTK, YaRN with DeepSeek's mscale,
  Llama 3, p-RoPE, LongRoPE) and the minimum base for a context length (Men et al.);
* :mod:`ropeviz.configs`: a real model's RoPE read from its ``config.json`` (transformers 4.x
  and 5.x spellings): :func:`rope_from_config` gives a :class:`RopeSpec` of frequencies,
  attention factor, rotary dims and pairing per layer type; :func:`ropeviz.configs.preset`
  returns one of fourteen public configs shipped with the package;
* :mod:`ropeviz.multidim`: RoPE beyond 1-D: axial and mixed 2-D RoPE for image patches, M-RoPE;
* :mod:`ropeviz.plotting`: the book's figure style and static figures (imported on demand).
"""

from .analysis import (
    attention_entropy,
    decay_bound,
    exact_expected_logits,
    expected_logits,
    frequency_norms,
    pair_norms,
    spectral_peaks,
    spectrum,
)
from .attention import attention, attention_weights, causal_mask
from .encodings import binary_encoding, integer_encoding, sinusoidal_encoding
from .layouts import (
    half_to_interleaved,
    interleaved_to_half,
    permute_qk_weight,
    unpermute_qk_weight,
)
from .multidim import (
    axial_frequencies,
    axial_rope_2d,
    mixed_frequencies,
    mixed_rope_2d,
    mrope,
    mrope_positions,
    patch_positions,
)
from .configs import RopeLayer, RopeSpec, rope_from_config, to_v5_config
from .rope import (
    apply_rope,
    inv_frequencies,
    pair_slices,
    pairing_permutation,
    rope_angles,
    rope_matrix,
    wavelengths,
)
from .scaling import (
    cosine_sum,
    min_base_for_context,
    rope_pairs_kept,
    scaled_inv_frequencies,
    yarn_mscale,
    yarn_ramp,
)

__version__ = "0.1.0"

# Names whose module imports torch: loaded on first use, so `import ropeviz` stays torch-free.
_LAZY = {"RotaryEmbedding": "rotary", "apply_rope_complex": "rotary"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RotaryEmbedding",
    "apply_rope",
    "apply_rope_complex",
    "attention",
    "attention_entropy",
    "attention_weights",
    "binary_encoding",
    "causal_mask",
    "decay_bound",
    "exact_expected_logits",
    "expected_logits",
    "frequency_norms",
    "half_to_interleaved",
    "integer_encoding",
    "interleaved_to_half",
    "inv_frequencies",
    "pair_norms",
    "pair_slices",
    "pairing_permutation",
    "permute_qk_weight",
    "rope_angles",
    "rope_matrix",
    "sinusoidal_encoding",
    "spectral_peaks",
    "spectrum",
    "unpermute_qk_weight",
    "wavelengths",
    "axial_frequencies",
    "axial_rope_2d",
    "mixed_frequencies",
    "mixed_rope_2d",
    "mrope",
    "mrope_positions",
    "patch_positions",
    "cosine_sum",
    "min_base_for_context",
    "rope_pairs_kept",
    "scaled_inv_frequencies",
    "yarn_mscale",
    "yarn_ramp",
    "RopeLayer",
    "RopeSpec",
    "rope_from_config",
    "to_v5_config",
]
