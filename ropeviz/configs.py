r"""Read a real model's RoPE from its ``config.json``: frequencies, attention factor, pairing.

:func:`rope_from_config` takes a Hugging Face config (a ``dict``, a path to a ``config.json`` or
to the folder holding it, or a ``transformers`` config object) in either spelling:

* **transformers 4.x**: ``rope_theta`` at the top level and an optional ``rope_scaling`` dict
  whose method is named by ``"type"`` or ``"rope_type"``; Gemma 3 adds ``rope_local_base_freq``
  for its sliding-window layers;
* **transformers 5.x**: a ``rope_parameters`` dict holding ``rope_theta`` and ``rope_type`` (and
  the scaling keys), or one such dict per layer type, e.g. Gemma 3's
  ``{"full_attention": {...}, "sliding_attention": {...}}``;

and the older families' own keys: GPT-NeoX's ``rotary_pct`` and ``rotary_emb_base``, GPT-J's
``rotary_dim`` (with ``n_embd``, ``n_head``, ``n_positions``), ``partial_rotary_factor`` (Phi),
DeepSeek's ``qk_rope_head_dim``, an explicit ``head_dim`` (which wins over
``hidden_size // num_attention_heads``: Gemma 2 9B has 3584 / 16 = 224 but ``head_dim`` 256),
Qwen2-VL's ``mrope_section``. Multimodal configs are read from their ``text_config``.

It returns a :class:`RopeSpec`: one :class:`RopeLayer` per layer type, holding the inverse
frequencies :math:`\theta_i` in rad/token (float64, one per rotating pair), the attention
factor, the rotary and head dimensions, the pairing, the original and configured lengths. The
frequencies come from :func:`ropeviz.scaling.scaled_inv_frequencies` (one implementation of
every method); the tests check them, for a dozen real families and both spellings, against
``transformers.modeling_rope_utils.ROPE_INIT_FUNCTIONS`` and the models' rotary modules.
:func:`to_v5_config` rewrites a 4.x config in the 5.x spelling.

Presets: the package ships the RoPE-relevant keys of fourteen public ``config.json`` files
(Llama 2, 3.1 and 3.2, Mistral, Qwen2.5 with and without YaRN, Qwen3, Gemma 2 and 3, Phi-3.5,
DeepSeek-V3, GPT-NeoX-20B, GPT-J, Qwen2-VL), each with the address it was typed from in its
``_source`` key. :func:`presets` lists their names and :func:`preset` returns one as a ``dict``
(``rope_from_config(preset("llama3_1_8b"))``); nothing is downloaded.

Common mistakes the chapter demonstrates, and how this API shows each one:

* **Raising ``max_position_embeddings`` by hand.** The number is only a label: every
  frequency stays the same (``rope_from_config({**cfg, "max_position_embeddings": 4 * n})``
  has the same ``inv_freq``), so positions past the trained length meet angles the model never
  saw. (Exceptions: dynamic NTK, a LongRoPE factor left to be inferred, and YaRN in
  ``transformers`` 4.51 to 4.55, which replaced ``factor`` by ``max_position_embeddings /
  original_max_position_embeddings``; ``rope_from_config`` follows the current behaviour.)
* **A dropped scaling block.** Loading a long-context checkpoint without its ``rope_scaling``
  (an old library, a converter that ignores it) gives the unscaled frequencies of
  :meth:`RopeLayer.unscaled`; they agree with the trained ones only on the fast pairs, so the
  damage grows with distance: past the original length for a model that runs unscaled up to it
  (Qwen2.5 with YaRN added), at every length for models trained with their scaling (Llama 3.1,
  Phi-3.5).
* **Static YaRN also changes short prompts.** ``transformers`` and vLLM apply YaRN's
  frequencies and attention factor at every length, so a 100-token prompt is rotated
  differently from the unscaled model (compare :meth:`RopeLayer.cos_sin` of a layer and of its
  :meth:`~RopeLayer.unscaled` twin): enable it only when long inputs need it.
* **An ignored attention factor.** YaRN and LongRoPE multiply cos and sin by
  ``attention_factor`` (the rotated dimensions' share of every logit by its square); an
  implementation that rotates with the right frequencies but drops it
  (``cos_sin(..., attention_factor=False)``) has softer attention.
* **YaRN's mscale applied twice.** DeepSeek-V3's ``mscale == mscale_all_dim == 1`` makes the
  factor on cos and sin 1, while its attention multiplies the softmax scale by
  ``yarn_mscale(40, 1) ** 2`` (:attr:`RopeLayer.softmax_scale_factor`). Using the plain YaRN
  factor :math:`0.1\ln 40 + 1` on cos and sin *and* that softmax correction counts the
  temperature twice on the rotated dimensions; :attr:`RopeLayer.logit_scale` is the factor that
  should multiply their share of the logits (the 128 dimensions that never rotate get
  ``softmax_scale_factor`` alone).

A note on pairing. Hugging Face checkpoints of Llama, Mistral, Qwen, Gemma, Phi-3, GPT-NeoX and
Qwen2-VL rotate the pairs :math:`(i, i + d/2)` (``"half"``, ``rotate_half``), even where the
original code pairs neighbours (``"interleaved"``: Meta's Llama and Mistral's reference code,
which multiply complex numbers; the Hugging Face conversion permutes the rows of
:math:`W_q, W_k` instead). Two families stay interleaved in their Hugging Face form: GPT-J
(``rotate_every_two``, also CodeGen) and DeepSeek-V2/V3 (complex form, and
``rope_interleave=True`` in DeepSeek-V3's config).
"""

from __future__ import annotations

import copy
import json
import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ._checks import as_numpy, check_pairing, check_positive_int, check_real_finite
from .rope import inv_frequencies
from .scaling import scaled_inv_frequencies, yarn_mscale

__all__ = [
    "ROPE_TYPES",
    "RopeLayer",
    "RopeSpec",
    "preset",
    "presets",
    "rope_from_config",
    "to_v5_config",
]

ROPE_TYPES: tuple[str, ...] = (
    "default", "linear", "dynamic", "yarn", "longrope", "llama3", "proportional",
)
"""The ``rope_type`` values :func:`rope_from_config` understands (``transformers`` names).

Aliases accepted on input: ``"su"`` (Phi-3's first name for LongRoPE), ``"mrope"`` (Qwen2-VL's
4.x marker for M-RoPE, whose frequencies are ``"default"``), and, in Phi-3 configs only,
``"yarn"`` (which ``transformers`` reads as ``"longrope"`` there).
"""

ALL_LAYERS = "all"
"""The layer type :func:`rope_from_config` uses when every layer shares one schedule."""

DEFAULT_THETA = 10_000.0
"""The base used when a config names none (``transformers``' ``default_theta``)."""

# GPTNeoXConfig's rotary_pct when a gpt_neox config names none.
_NEOX_DEFAULT_ROTARY_PCT = 0.25
_INTERLEAVED_MODEL_TYPES = frozenset({"gptj", "codegen", "deepseek_v2"})
_ROPE_INTERLEAVE_MODEL_TYPES = frozenset({"deepseek_v3"})  # follow the config's rope_interleave
_NEEDS_FACTOR = ("linear", "dynamic", "yarn", "llama3")
_NEEDS_ORIGINAL = ("yarn", "llama3", "longrope")
_LEGACY_ROPE_KEYS = (
    "rope_theta", "rope_scaling", "rope_local_base_freq", "rotary_emb_base", "rotary_pct",
    "partial_rotary_factor",
)
_SUB_CONFIGS = ("text_config", "vision_config", "audio_config")


def presets() -> tuple[str, ...]:
    """The names of the configs shipped with ``ropeviz``, sorted (``"llama3_1_8b"``, ...).

    Each is the RoPE-relevant part of a public ``config.json`` in the spelling of its Hub file
    (transformers 4.x), with its source in the ``_source`` key; see :func:`preset`.
    """
    folder = resources.files(__package__).joinpath("presets")
    return tuple(sorted(entry.name[: -len(".json")] for entry in folder.iterdir()
                        if entry.name.endswith(".json")))


def preset(name: str) -> dict[str, Any]:
    """One shipped config as a new ``dict`` (changing it changes no later call's result).

    Args:
        name: one of :func:`presets`, e.g. ``"llama3_1_8b"``.

    Returns:
        The config, with its bookkeeping keys (``_source``, and ``_note`` or ``_hub_keys`` where
        a fixture needs them); :func:`rope_from_config` ignores them.

    Raises:
        ValueError: ``name`` is not one of :func:`presets`.
    """
    names = presets()
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"name must be one of {list(names)}, got {name!r}")
    text = resources.files(__package__).joinpath("presets", f"{name}.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64, copy=True)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False, repr=False)
class RopeLayer:
    r"""The RoPE of one layer type, as a model's config defines it.

    Pair :math:`i` of the rotated part of a query or key at position :math:`m` turns by
    :math:`m\,\theta_i` with :math:`\theta_i` = ``inv_freq[i]``; cos and sin are then multiplied
    by ``attention_factor``.

    Attributes:
        layer_type: ``"all"`` when every layer shares this schedule, else the config's layer
            type (``"full_attention"``, ``"sliding_attention"``).
        rope_type: one of :data:`ROPE_TYPES`.
        base: ``rope_theta`` (:math:`b`), the base of :math:`\theta_i = b^{-2i/r}`.
        rotary_dim: :math:`r`, how many dimensions of a query/key head rotate (even). The
            exponent runs over these, not over the head: GPT-NeoX-20B rotates 24 of 96
            dimensions with :math:`\theta_i = b^{-2i/24}`. For ``"proportional"`` (p-RoPE) it is
            the whole head and the frozen pairs have frequency 0.
        head_dim: the query/key head dimension the rotary part lives in (DeepSeek's MLA: the
            128 "nope" plus the 64 rotary dimensions, 192).
        pairing: ``"half"`` (pairs :math:`(i, i + r/2)`, ``rotate_half``) or ``"interleaved"``
            (pairs :math:`(2i, 2i+1)`), as the Hugging Face model applies it (see the module
            note).
        inv_freq: float64 array of shape ``(rotary_dim // 2,)``, rad/token, the frequencies
            at the configured length (LongRoPE: the short set; dynamic NTK: the unscaled ones,
            see :meth:`inv_freq_at`). Read-only.
        attention_factor: multiplies cos and sin (``transformers``' ``attention_scaling``);
            the rotated dimensions' share of the logits scales by its square (all of the
            logits when every dimension rotates). 1 unless YaRN or LongRoPE.
        softmax_scale_factor: DeepSeek's extra factor on the softmax scale
            :math:`1/\sqrt{d}`, ``yarn_mscale(factor, mscale_all_dim) ** 2`` when the config
            sets ``mscale_all_dim``, else 1. Applied by the attention module, not the RoPE.
        max_position_embeddings: the config's ``max_position_embeddings`` (``n_positions``),
            or ``None``. A label: nothing in the frequencies depends on it except dynamic NTK
            and a LongRoPE factor left to be inferred.
        original_max_position_embeddings: the pre-training length :math:`L` of YaRN, Llama 3
            and LongRoPE (``None`` for the other types).
        factor: the scale factor :math:`s` (``None`` for ``"default"``).
        mrope_section: Qwen2-VL's pairs per (temporal, height, width) axis, or ``None``; use
            :func:`ropeviz.mrope` with it.
        short_factor, long_factor: LongRoPE's per-pair rescale factors, float64 of shape
            ``(rotary_dim // 2,)`` (``None`` otherwise). ``inv_freq = theta / short_factor``
            for sequences up to :math:`L` tokens, ``long_inv_freq = theta / long_factor``
            beyond.
        long_inv_freq: LongRoPE's frequencies past :math:`L`, or ``None``.
        parameters: the layer's ``rope_parameters`` in the 5.x spelling (read-only).
    """

    layer_type: str
    rope_type: str
    base: float
    rotary_dim: int
    head_dim: int
    pairing: str
    inv_freq: np.ndarray
    attention_factor: float = 1.0
    softmax_scale_factor: float = 1.0
    max_position_embeddings: int | None = None
    original_max_position_embeddings: int | None = None
    factor: float | None = None
    mrope_section: tuple[int, ...] | None = None
    short_factor: np.ndarray | None = None
    long_factor: np.ndarray | None = None
    long_inv_freq: np.ndarray | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rope_type not in ROPE_TYPES:
            raise ValueError(f"rope_type must be one of {ROPE_TYPES}, got {self.rope_type!r}")
        check_pairing(self.pairing)
        check_positive_int(self.rotary_dim, "rotary_dim")
        if self.rotary_dim % 2:
            raise ValueError(f"rotary_dim must be even, got {self.rotary_dim}")
        if check_positive_int(self.head_dim, "head_dim") < self.rotary_dim:
            raise ValueError(
                f"head_dim must be at least rotary_dim = {self.rotary_dim}, got {self.head_dim}"
            )
        pairs = self.rotary_dim // 2
        arrays = {"inv_freq": self.inv_freq, "short_factor": self.short_factor,
                  "long_factor": self.long_factor, "long_inv_freq": self.long_inv_freq}
        for name, value in arrays.items():
            if value is None:
                continue
            array = check_real_finite(as_numpy(value, name), name)
            if array.shape != (pairs,):
                raise ValueError(
                    f"{name} must have shape (rotary_dim // 2,) = ({pairs},), got {array.shape}"
                )
            object.__setattr__(self, name, _read_only(array))
        for name in ("attention_factor", "softmax_scale_factor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                math.isfinite(value) and value > 0
            ):
                raise ValueError(f"{name} must be a finite positive number, got {value!r}")
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    # -- derived quantities ---------------------------------------------------------------------
    @property
    def n_pairs(self) -> int:
        """How many pairs rotate: ``rotary_dim // 2``."""
        return self.rotary_dim // 2

    @property
    def wavelengths(self) -> np.ndarray:
        r"""Tokens per turn of every pair, :math:`2\pi/\theta_i`; ``inf`` for a frozen pair.

        float64 array of shape ``(rotary_dim // 2,)``.
        """
        with np.errstate(divide="ignore"):
            return np.where(self.inv_freq > 0, 2.0 * np.pi / self.inv_freq, np.inf)

    @property
    def logit_scale(self) -> float:
        """The factor on the rotated dimensions' share of the logits.

        ``attention_factor**2 * softmax_scale_factor``. Dimensions that do not rotate (a partial
        rotary head's static part, DeepSeek's 128 "nope" dimensions) get ``softmax_scale_factor``
        alone, so this is the factor on the whole logit only when ``rotary_dim == head_dim``.
        """
        return self.attention_factor**2 * self.softmax_scale_factor

    @property
    def trained_length(self) -> int | None:
        """The length the config says the schedule was made for.

        ``original_max_position_embeddings`` when the scaling names one (YaRN, Llama 3,
        LongRoPE: the length before the extension), else ``max_position_embeddings``. Linear
        scaling names none, so there it is the length *after* the extension: 131 072 for Gemma
        3's global layers, which the Gemma 3 report says were pre-trained at 32K tokens.
        """
        return self.original_max_position_embeddings or self.max_position_embeddings

    def inv_freq_at(self, seq_len: int) -> np.ndarray:
        r"""The frequencies ``transformers`` uses for a sequence of ``seq_len`` tokens.

        LongRoPE switches from the short to the long factors when ``seq_len`` exceeds
        :math:`L`; dynamic NTK recomputes its base once ``seq_len`` exceeds
        ``max_position_embeddings``; every other type is static (``inv_freq``).

        Args:
            seq_len: a positive integer (``transformers`` uses ``max(position_ids) + 1``).

        Returns:
            float64 array of shape ``(rotary_dim // 2,)``, rad/token.
        """
        seq_len = check_positive_int(seq_len, "seq_len")
        if self.rope_type == "longrope" and self.long_inv_freq is not None:
            assert self.original_max_position_embeddings is not None
            if seq_len > self.original_max_position_embeddings:
                return self.long_inv_freq
            return self.inv_freq
        if self.rope_type == "dynamic":
            assert self.max_position_embeddings is not None and self.factor is not None
            inv_freq, _ = scaled_inv_frequencies(
                self.rotary_dim, self.base, "dynamic", factor=self.factor,
                original_length=self.max_position_embeddings,
                seq_len=max(seq_len, self.max_position_embeddings),
            )
            return inv_freq
        return self.inv_freq

    def angles(self, positions: Any, seq_len: int | None = None) -> np.ndarray:
        r"""The angle :math:`m\,\theta_i` of every pair at every position, in radians.

        Args:
            positions: integer or float positions, any shape ``P``.
            seq_len: the sequence length that selects the frequencies (see
                :meth:`inv_freq_at`); default ``max(positions) + 1`` as in ``transformers``.

        Returns:
            float64 array of shape ``P + (rotary_dim // 2,)``.
        """
        pos = check_real_finite(as_numpy(positions, "positions"), "positions").astype(np.float64)
        if seq_len is None:
            seq_len = max(int(np.floor(pos.max())) + 1, 1) if pos.size else 1
        return pos[..., None] * self.inv_freq_at(seq_len)

    def cos_sin(
        self, positions: Any, seq_len: int | None = None, *, attention_factor: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """cos and sin of :meth:`angles`, multiplied by ``attention_factor`` as the model does.

        Args:
            positions: positions, any shape ``P``.
            seq_len: as in :meth:`angles`.
            attention_factor: ``False`` leaves the factor out (the "ignored attention factor"
                mistake).

        Returns:
            ``(cos, sin)``, float64 arrays of shape ``P + (rotary_dim // 2,)`` (one entry per
            pair; ``transformers`` repeats them to ``rotary_dim`` with ``cat((c, c), -1)``).
        """
        angles = self.angles(positions, seq_len)
        scale = self.attention_factor if attention_factor else 1.0
        return scale * np.cos(angles), scale * np.sin(angles)

    def unscaled(self) -> RopeLayer:
        """This layer without its context extension: ``rope_type="default"``, same base and dims.

        What a loader that drops the scaling block computes.
        """
        parameters = {"rope_type": "default", "rope_theta": self.base}
        if self.mrope_section is not None:
            parameters["mrope_section"] = list(self.mrope_section)
        return RopeLayer(
            layer_type=self.layer_type, rope_type="default", base=self.base,
            rotary_dim=self.rotary_dim, head_dim=self.head_dim, pairing=self.pairing,
            inv_freq=inv_frequencies(self.rotary_dim, self.base),
            max_position_embeddings=self.max_position_embeddings,
            mrope_section=self.mrope_section, parameters=parameters,
        )

    def __repr__(self) -> str:
        fields = [
            f"layer_type={self.layer_type!r}", f"rope_type={self.rope_type!r}",
            f"base={self.base:g}", f"rotary_dim={self.rotary_dim}", f"head_dim={self.head_dim}",
            f"pairing={self.pairing!r}", f"attention_factor={self.attention_factor:.6g}",
        ]
        if self.softmax_scale_factor != 1.0:
            fields.append(f"softmax_scale_factor={self.softmax_scale_factor:.6g}")
        for name in ("factor", "original_max_position_embeddings", "max_position_embeddings",
                     "mrope_section"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"RopeLayer({', '.join(fields)})"


@dataclass(frozen=True, eq=False, repr=False)
class RopeSpec:
    """A model's RoPE: one :class:`RopeLayer` per layer type.

    Attributes:
        layers: read-only mapping from layer type to :class:`RopeLayer`. A single ``"all"``
            entry when every layer shares one schedule; Gemma 3 has ``"full_attention"``
            (base 1 000 000, linear factor 8) and ``"sliding_attention"`` (base 10 000).
        model_type: the config's ``model_type`` (the outer one for a multimodal config).
        spelling: ``"5.x"`` when the config had ``rope_parameters``, else ``"4.x"``.
        layer_types: the type of every decoder layer when the config lists them
            (``layer_types``), else ``None``; see :meth:`layer_for`.
        num_hidden_layers: the number of decoder layers, or ``None``.
    """

    layers: Mapping[str, RopeLayer]
    model_type: str | None = None
    spelling: str = "4.x"
    layer_types: tuple[str, ...] | None = None
    num_hidden_layers: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.layers, Mapping) or not self.layers or not all(
            isinstance(key, str) and isinstance(value, RopeLayer)
            for key, value in self.layers.items()
        ):
            raise ValueError(
                f"layers must be a non-empty mapping from layer type to RopeLayer, "
                f"got {self.layers!r}"
            )
        if self.spelling not in ("4.x", "5.x"):
            raise ValueError(f"spelling must be '4.x' or '5.x', got {self.spelling!r}")
        object.__setattr__(self, "layers", MappingProxyType(dict(self.layers)))
        if self.layer_types is not None:
            object.__setattr__(self, "layer_types", tuple(self.layer_types))

    def __getitem__(self, layer_type: str) -> RopeLayer:
        try:
            return self.layers[layer_type]
        except KeyError:
            raise ValueError(
                f"layer_type must be one of {sorted(self.layers)}, got {layer_type!r}"
            ) from None

    @property
    def layer(self) -> RopeLayer:
        """The only :class:`RopeLayer`; a ``ValueError`` if the model has several layer types."""
        if len(self.layers) != 1:
            raise ValueError(
                f"layer: this model has one RoPE per layer type {sorted(self.layers)}; "
                f"pick one with spec[layer_type]"
            )
        return next(iter(self.layers.values()))

    def layer_for(self, index: int) -> RopeLayer | None:
        """The RoPE of decoder layer ``index`` (``None`` for a layer without RoPE)."""
        if ALL_LAYERS in self.layers:
            return self.layers[ALL_LAYERS]
        if self.layer_types is None:
            raise ValueError("index: the config lists no layer_types; use spec[layer_type]")
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not (
            0 <= index < len(self.layer_types)
        ):
            raise ValueError(
                f"index must be an integer in [0, {len(self.layer_types)}), got {index!r}"
            )
        return self.layers.get(self.layer_types[index])

    def __repr__(self) -> str:
        lines = [f"RopeSpec(model_type={self.model_type!r}, spelling={self.spelling!r},"]
        lines += [f"  {layer!r}," for layer in self.layers.values()]
        return "\n".join(lines) + "\n)"


# ------------------------------------------------------------------------------------- reading
def _load(config: Any) -> dict[str, Any]:
    """The config as a fresh ``dict`` (from a dict, a JSON path, or a config object)."""
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config))
    if isinstance(config, (str, os.PathLike)):
        path = Path(config)
        if path.is_dir():
            path = path / "config.json"
        if not path.is_file():
            raise ValueError(f"config must be a config dict, a config.json path or a "
                             f"transformers config; no file at {str(path)!r}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"config: {str(path)!r} is not valid JSON ({error})") from error
        if not isinstance(data, dict):
            raise ValueError(f"config: {str(path)!r} must hold a JSON object")
        return data
    to_dict = getattr(config, "to_dict", None)  # a transformers PretrainedConfig, duck-typed
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, Mapping):
            return copy.deepcopy(dict(data))
    raise TypeError(
        "config must be a dict, a path to a config.json (str or pathlib.Path) or a "
        f"transformers config object, got {type(config).__name__}"
    )


def _text_view(raw: dict[str, Any]) -> dict[str, Any]:
    """The text model's keys: ``text_config`` on top of the outer keys (minus sub-configs)."""
    merged = {key: value for key, value in raw.items() if key not in _SUB_CONFIGS}
    text = raw.get("text_config")
    if isinstance(text, Mapping):
        merged.update(text)
    return merged


def _first(cfg: Mapping[str, Any], *keys: str) -> tuple[Any, str | None]:
    """The first of ``keys`` that ``cfg`` sets to a non-``None`` value, and its name."""
    for key in keys:
        if cfg.get(key) is not None:
            return cfg[key], key
    return None, None


def _canonical_type(value: Any, where: str, model_type: str | None) -> str:
    if value is None:
        return "default"
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string naming the RoPE type, got {value!r}")
    if value == "su" or (value == "yarn" and model_type == "phi3"):
        return "longrope"  # Phi-3's spellings, as transformers reads them
    if value == "mrope":
        return "default"
    if value not in ROPE_TYPES:
        raise ValueError(
            f"{where} must be one of {ROPE_TYPES} (or 'su', 'mrope'), got {value!r}"
        )
    return value


@dataclass
class _Standard:
    """One layer type's ``rope_parameters`` (5.x spelling) and where each key was read."""

    params: dict[str, Any] | None
    where: str  # the container of the scaling keys, e.g. "rope_scaling"
    names: dict[str, str] = field(default_factory=dict)  # keys read from elsewhere

    def name(self, key: str) -> str:
        return self.names.get(key, f"{self.where}[{key!r}]")


def _is_nested(rope_parameters: Mapping[str, Any]) -> bool:
    """True when ``rope_parameters`` holds one dict per layer type (Gemma 3 in 5.x)."""
    return bool(rope_parameters) and all(
        isinstance(value, Mapping) or value is None for value in rope_parameters.values()
    )


def _standardize(cfg: dict[str, Any]) -> tuple[dict[str, _Standard], str]:
    """Every layer type's 5.x ``rope_parameters``, from either spelling; and the spelling.

    Mirrors ``transformers``' ``convert_rope_params_to_dict`` / ``standardize_rope_params``:
    the base and partial rotary factor move inside, the type defaults to ``"default"``, and the
    original length of YaRN, Llama 3 and LongRoPE defaults to the top-level
    ``original_max_position_embeddings`` (Phi-3), else ``max_position_embeddings``.
    """
    model_type = cfg.get("model_type")
    scaling = cfg.get("rope_scaling")
    parameters = cfg.get("rope_parameters")
    if scaling and parameters:
        raise ValueError(
            "config has both rope_scaling (transformers 4.x) and rope_parameters (5.x); "
            "keep one"
        )
    base, base_key = _first(cfg, "rope_theta", "rotary_emb_base")
    partial, partial_key = _first(cfg, "partial_rotary_factor", "rotary_pct")
    if partial is None and model_type == "gpt_neox":
        partial, partial_key = _NEOX_DEFAULT_ROTARY_PCT, "rotary_pct (GPT-NeoX default)"
    standards: dict[str, _Standard] = {}
    if parameters:
        spelling = "5.x"
        if not isinstance(parameters, Mapping):
            raise ValueError(f"rope_parameters must be a dict, got {parameters!r}")
        if _is_nested(parameters):
            for layer_type, params in parameters.items():
                where = f"rope_parameters[{layer_type!r}]"
                standards[layer_type] = _Standard(None if params is None else dict(params), where)
        else:
            standards[ALL_LAYERS] = _Standard(dict(parameters), "rope_parameters")
    else:
        spelling = "4.x"
        if scaling is not None and not isinstance(scaling, Mapping):
            raise ValueError(f"rope_scaling must be a dict or null, got {scaling!r}")
        scaled = dict(scaling or {})
        if cfg.get("rope_local_base_freq") is not None:  # Gemma 3 in 4.x
            standards["full_attention"] = _Standard(scaled, "rope_scaling")
            local = {"rope_type": "default", "rope_theta": cfg["rope_local_base_freq"]}
            standards["sliding_attention"] = _Standard(
                local, "rope_scaling", {"rope_theta": "rope_local_base_freq"})
        else:
            standards[ALL_LAYERS] = _Standard(scaled, "rope_scaling")

    flat = ALL_LAYERS in standards
    for standard in standards.values():
        params = standard.params
        if params is None:
            continue
        type_key = "rope_type" if "rope_type" in params else "type"
        params["rope_type"] = _canonical_type(
            params.get(type_key), standard.name(type_key), model_type)
        params.pop("type", None)
        if params.get("rope_theta") is None:
            params["rope_theta"] = DEFAULT_THETA if base is None else base
            standard.names["rope_theta"] = base_key or "rope_theta (default 10000)"
        if partial is not None and params.get("partial_rotary_factor") is None:
            params["partial_rotary_factor"] = partial
            standard.names["partial_rotary_factor"] = str(partial_key)
        if params["rope_type"] in _NEEDS_ORIGINAL:
            top_original = cfg.get("original_max_position_embeddings")
            if flat and top_original is not None:  # transformers gives it priority (Phi-3)
                params["original_max_position_embeddings"] = top_original
                standard.names["original_max_position_embeddings"] = (
                    "original_max_position_embeddings")
            elif params.get("original_max_position_embeddings") is None:
                params["original_max_position_embeddings"] = _max_positions(cfg)[0]
                standard.names["original_max_position_embeddings"] = "max_position_embeddings"
    return standards, spelling


def _max_positions(cfg: Mapping[str, Any]) -> tuple[int | None, str]:
    value, key = _first(cfg, "max_position_embeddings", "n_positions")
    if value is None:
        return None, "max_position_embeddings"
    return _positive_int(value, key), key


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _positive_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        math.isfinite(float(value)) and float(value) > 0
    ):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return float(value)


def _dims(cfg: Mapping[str, Any], params: Mapping[str, Any], standard: _Standard,
          proportional: bool) -> tuple[int, int]:
    """``(head_dim, rotary_dim)`` from whichever keys the family uses."""
    if cfg.get("qk_rope_head_dim") is not None:  # DeepSeek's MLA: a separate rotary block
        rotary = _positive_int(cfg["qk_rope_head_dim"], "qk_rope_head_dim")
        nope = cfg.get("qk_nope_head_dim") or 0
        head = rotary + (_positive_int(nope, "qk_nope_head_dim") if nope else 0)
        return head, _even_rotary(rotary, "qk_rope_head_dim")
    if cfg.get("head_dim") is not None:
        head = _positive_int(cfg["head_dim"], "head_dim")
    else:
        hidden, hidden_key = _first(cfg, "hidden_size", "n_embd", "d_model")
        heads, heads_key = _first(cfg, "num_attention_heads", "n_head", "num_heads")
        if hidden is None or heads is None:
            raise ValueError(
                "head_dim: the config gives neither head_dim nor hidden_size and "
                "num_attention_heads"
            )
        hidden = _positive_int(hidden, hidden_key)
        heads = _positive_int(heads, heads_key)
        if hidden % heads:
            raise ValueError(
                f"{hidden_key} ({hidden}) must be a multiple of {heads_key} ({heads}) when "
                "head_dim is not given"
            )
        head = hidden // heads
    if cfg.get("rotary_dim") is not None:  # GPT-J, CodeGen: an absolute count of dimensions
        rotary = _positive_int(cfg["rotary_dim"], "rotary_dim")
        if rotary > head:
            raise ValueError(f"rotary_dim must be at most the head dimension {head}, got {rotary}")
        return head, _even_rotary(rotary, "rotary_dim")
    if params.get("partial_rotary_factor") is None or proportional:
        # p-RoPE keeps the whole head and freezes pairs instead of dropping dimensions
        return head, _even_rotary(head, "head_dim")
    partial = params["partial_rotary_factor"]
    name = standard.name("partial_rotary_factor")
    if isinstance(partial, bool) or not isinstance(partial, numbers.Real) or not (
        0.0 < float(partial) <= 1.0
    ):
        raise ValueError(f"{name} must be a number in (0, 1], got {partial!r}")
    rotary = int(head * float(partial))
    return head, _even_rotary(rotary, f"int(head_dim * {name}) = int({head} * {partial})")


def _even_rotary(rotary: int, name: str) -> int:
    if rotary <= 0 or rotary % 2:
        raise ValueError(f"the rotary dimension {name} must be a positive even number, "
                         f"got {rotary}")
    return rotary


def _pairing(cfg: Mapping[str, Any], model_types: set[str]) -> str:
    if model_types & _INTERLEAVED_MODEL_TYPES:
        return "interleaved"
    if model_types & _ROPE_INTERLEAVE_MODEL_TYPES:
        return "interleaved" if cfg.get("rope_interleave", True) else "half"
    return "half"


def _layer(layer_type: str, standard: _Standard, cfg: dict[str, Any], pairing: str) -> RopeLayer:
    params = standard.params
    assert params is not None
    name = standard.name
    rope_type = params["rope_type"]
    base = _positive_number(params["rope_theta"], name("rope_theta"))
    head_dim, rotary_dim = _dims(cfg, params, standard, rope_type == "proportional")
    max_pos, max_key = _max_positions(cfg)

    factor = params.get("factor")
    if factor is None and rope_type in _NEEDS_FACTOR:
        raise ValueError(f"{name('factor')} is required by rope_type {rope_type!r}")
    original = None
    if rope_type in _NEEDS_ORIGINAL:
        original = params.get("original_max_position_embeddings")
        if original is None:
            raise ValueError(
                f"{name('original_max_position_embeddings')} is required by rope_type "
                f"{rope_type!r} (or max_position_embeddings to default it to)"
            )
        original = _positive_int(original, name("original_max_position_embeddings"))
        if max_pos is not None and original > max_pos:
            raise ValueError(
                f"{name('original_max_position_embeddings')} ({original}) must not exceed the "
                f"target length {max_key} ({max_pos})"
            )
    if rope_type == "longrope" and factor is None:
        if max_pos is None:
            raise ValueError(f"{name('factor')}: LongRoPE needs a factor or "
                             "max_position_embeddings to infer it from")
        factor = max_pos / original  # what transformers does for Phi-3
    if rope_type == "proportional" and factor is None:
        factor = 1.0
    if factor is not None:
        factor = _positive_number(factor, name("factor"))
        if factor < 1.0:
            raise ValueError(f"{name('factor')} must be at least 1, got {factor}")
    if rope_type == "dynamic" and max_pos is None:
        raise ValueError(f"{max_key} is required by rope_type 'dynamic' (its original length)")

    if rope_type == "longrope":
        for key in ("short_factor", "long_factor"):
            if params.get(key) is None:
                raise ValueError(f"{name(key)} is required by rope_type 'longrope'")

    kwargs: dict[str, Any] = {}
    long_inv_freq = short = long = None
    try:
        if rope_type == "default":
            inv_freq, attention = inv_frequencies(rotary_dim, base), 1.0
        elif rope_type == "linear":
            inv_freq, attention = scaled_inv_frequencies(rotary_dim, base, "linear", factor=factor)
        elif rope_type == "dynamic":
            inv_freq, attention = scaled_inv_frequencies(
                rotary_dim, base, "dynamic", factor=factor, original_length=max_pos,
                seq_len=max_pos)
        elif rope_type == "yarn":
            for key in ("beta_fast", "beta_slow", "attention_factor", "mscale",
                        "mscale_all_dim", "truncate"):
                if params.get(key) is not None:
                    kwargs[key] = params[key]
            inv_freq, attention = scaled_inv_frequencies(
                rotary_dim, base, "yarn", factor=factor, original_length=original, **kwargs)
        elif rope_type == "llama3":
            for key in ("low_freq_factor", "high_freq_factor"):
                if params.get(key) is not None:
                    kwargs[key] = params[key]
            inv_freq, attention = scaled_inv_frequencies(
                rotary_dim, base, "llama3", factor=factor, original_length=original, **kwargs)
        elif rope_type == "longrope":
            kwargs = {"short_factor": params["short_factor"], "long_factor": params["long_factor"],
                      "original_length": original, "factor": factor,
                      "attention_factor": params.get("attention_factor")}
            inv_freq, attention = scaled_inv_frequencies(rotary_dim, base, "longrope", **kwargs)
            long_inv_freq, _ = scaled_inv_frequencies(
                rotary_dim, base, "longrope", seq_len=original + 1, **kwargs)
            short = np.asarray(params["short_factor"], dtype=np.float64)
            long = np.asarray(params["long_factor"], dtype=np.float64)
        else:  # proportional (p-RoPE)
            inv_freq, attention = scaled_inv_frequencies(
                head_dim, base, "p-rope", p=params.get("partial_rotary_factor", 1.0),
                factor=factor)
    except ValueError as error:
        raise ValueError(f"{standard.where}: {error}") from error

    softmax_scale = 1.0
    if rope_type != "default" and params.get("mscale_all_dim"):
        try:
            softmax_scale = yarn_mscale(factor, params["mscale_all_dim"]) ** 2
        except ValueError as error:
            raise ValueError(f"{standard.where}: {error}") from error

    section = params.get("mrope_section")
    if section is not None:
        if isinstance(section, (str, bytes)) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0
            for v in section
        ):
            raise ValueError(f"{name('mrope_section')} must be a list of non-negative integers, "
                             f"got {section!r}")
        section = tuple(int(v) for v in section)
        if sum(section) != rotary_dim // 2:
            raise ValueError(
                f"{name('mrope_section')} must add up to rotary_dim // 2 = {rotary_dim // 2} "
                f"pairs, got {list(section)} (sum {sum(section)})"
            )

    return RopeLayer(
        layer_type=layer_type, rope_type=rope_type, base=base, rotary_dim=rotary_dim,
        head_dim=head_dim, pairing=pairing, inv_freq=inv_freq, attention_factor=float(attention),
        softmax_scale_factor=float(softmax_scale), max_position_embeddings=max_pos,
        original_max_position_embeddings=original,
        factor=None if rope_type == "default" else factor, mrope_section=section,
        short_factor=short, long_factor=long, long_inv_freq=long_inv_freq, parameters=params,
    )


def rope_from_config(config: Any) -> RopeSpec:
    r"""Read a model's RoPE from its config: frequencies and factors per layer type.

    Args:
        config: a config ``dict``; a path (``str`` or :class:`pathlib.Path`) to a
            ``config.json`` or to the folder holding it; or a ``transformers`` config object
            (anything with a ``to_dict()`` method; ``transformers`` itself is never imported).
            Either spelling (see the module docstring); a multimodal config is read from its
            ``text_config``.

    Returns:
        A :class:`RopeSpec`; ``spec.layer`` for single-schedule models,
        ``spec["full_attention"]`` and ``spec["sliding_attention"]`` for Gemma 3.

    Raises:
        ValueError: naming the config field: an unknown ``rope_type``; a scaling type without
            its ``factor``; a factor below 1; an ``original_max_position_embeddings`` above
            ``max_position_embeddings``; a non-positive or non-finite ``rope_theta``; a rotary
            dimension that is odd or zero; a ``partial_rotary_factor`` outside (0, 1]; LongRoPE
            factor lists of the wrong length; an ``mrope_section`` that does not add up to the
            rotary pairs; a missing file or invalid JSON.
        TypeError: ``config`` is none of the accepted kinds.

    Example::

        spec = rope_from_config({"model_type": "llama", "hidden_size": 4096,
                                 "num_attention_heads": 32, "rope_theta": 500000.0, ...})
        spec.layer.inv_freq        # (64,) rad/token
    """
    raw = _load(config)
    cfg = _text_view(raw)
    model_types = {t for t in (raw.get("model_type"), cfg.get("model_type")) if t}
    standards, spelling = _standardize(cfg)
    pairing = _pairing(cfg, model_types)
    layers = {
        layer_type: _layer(layer_type, standard, cfg, pairing)
        for layer_type, standard in standards.items()
        if standard.params is not None
    }
    if not layers:
        raise ValueError("rope_parameters: every layer type is null (no RoPE in this model)")
    layer_types = cfg.get("layer_types")
    num_layers = cfg.get("num_hidden_layers", cfg.get("n_layer"))
    return RopeSpec(
        layers=layers, model_type=raw.get("model_type"), spelling=spelling,
        layer_types=tuple(layer_types) if isinstance(layer_types, (list, tuple)) else None,
        num_hidden_layers=num_layers if isinstance(num_layers, int) else None,
    )


def to_v5_config(config: Any) -> dict[str, Any]:
    """The same config in the transformers 5.x spelling.

    The 4.x keys (``rope_theta``, ``rope_scaling``, ``rope_local_base_freq``,
    ``rotary_emb_base``, ``rotary_pct``, ``partial_rotary_factor``) are replaced by a
    ``rope_parameters`` dict holding the base, the type and the scaling keys; nested per layer
    type when the layer types differ (Gemma 3). Everything else is copied. GPT-J and CodeGen keep
    ``rotary_dim``: ``transformers`` 5 has no ``rope_parameters`` for them.

    Args:
        config: as for :func:`rope_from_config`.

    Returns:
        A new ``dict``; ``rope_from_config`` reads the same RoPE from it.
    """
    raw = _load(config)
    text = raw.get("text_config")
    target = text if isinstance(text, dict) and any(
        key in text for key in (*_LEGACY_ROPE_KEYS, "rope_parameters")) else raw
    cfg = _text_view(raw)
    if cfg.get("model_type") in ("gptj", "codegen") or raw.get("model_type") in ("gptj", "codegen"):
        return raw
    standards, _ = _standardize(cfg)
    for key in _LEGACY_ROPE_KEYS:
        target.pop(key, None)
    if ALL_LAYERS in standards:
        target["rope_parameters"] = standards[ALL_LAYERS].params
    else:
        target["rope_parameters"] = {key: s.params for key, s in standards.items()}
    return raw
