r"""The real-models explorer: a shipped config's RoPE, at a context length you choose.

Pick a model (one of the presets of :mod:`ropeviz.configs`, read with
:func:`~ropeviz.configs.rope_from_config`; Gemma 3 twice, for its global and its local layers) and
a target context :math:`T`. The first panel draws every rotating pair's wavelength
:math:`2\pi/\theta_i` without the model's context extension (grey: ``rope_type="default"`` with
the same base and rotary dimensions) and with it, at :math:`T` (coloured by what the scaling did:
unchanged, moved partly, divided by the factor), against the length :math:`L` the schedule was
trained for (``original_max_position_embeddings``, else ``max_position_embeddings``) and the
target. LongRoPE (Phi-3.5) switches from its short to its long factors when :math:`T > L`, as
``transformers`` does.

The second panel is Men et al.'s criterion over the whole head: a key similar to the query beats
a random one in expectation while :math:`B(m) = \sum_i \cos(m\theta_i) \ge 0`, the sum running
over all :math:`d/2` pairs of the query/key head, those that do not rotate counting
:math:`\cos 0 = 1` (partial rotary: GPT-NeoX, GPT-J, DeepSeek's MLA). It draws the lowest
:math:`B(m)/(d/2)` over stretches of distances on a log axis up to :math:`T`, with and without
the scaling, and the readout names the first distance where each turns negative (searched up to
:data:`MAX_DISTANCE`).

The panels are the ones of :class:`~ropeviz.explorers.ScalingExplorer`
(:mod:`ropeviz.explorers._wavelengths`, ``js/wavelengths.js``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..configs import RopeLayer, preset, rope_from_config
from ._base import Control, Explorer, format_number
from ._wavelengths import (
    CLASS_NAMES,
    CLASSES,
    build_criterion_axes,
    build_wavelength_axes,
    cosine_sums,
    first_negative,
    lowest_per_bin,
    pair_classes,
    reframe_wavelength_axes,
    update_criterion_axes,
    update_wavelength_axes,
)

__all__ = ["MAX_DISTANCE", "MODELS", "ModelScalingExplorer", "TARGETS"]

MODELS: tuple[tuple[str, str], ...] = (
    ("llama2_7b", "Llama 2 7B"),
    ("llama3_1_8b", "Llama 3.1 8B"),
    ("llama3_2_1b", "Llama 3.2 1B"),
    ("mistral_7b_v0_3", "Mistral 7B v0.3"),
    ("qwen2_5_7b_instruct", "Qwen2.5 7B"),
    ("qwen2_5_7b_instruct_yarn", "Qwen2.5 7B + YaRN"),
    ("qwen3_8b", "Qwen3 8B"),
    ("qwen2_vl_7b_instruct", "Qwen2-VL 7B"),
    ("gemma2_9b", "Gemma 2 9B"),
    ("gemma3_4b_it:full_attention", "Gemma 3 4B, global layers"),
    ("gemma3_4b_it:sliding_attention", "Gemma 3 4B, local layers"),
    ("phi3_5_mini_instruct", "Phi-3.5 mini"),
    ("deepseek_v3", "DeepSeek-V3"),
    ("gpt_neox_20b", "GPT-NeoX-20B"),
    ("gptj_6b", "GPT-J 6B"),
)
"""The model slider: ``(key, label)``; a key is a preset name, with ``:layer_type`` for Gemma 3."""
TARGETS: tuple[int, ...] = (2048, 4096, 8192, 16_384, 32_768, 65_536, 131_072, 262_144)
"""Target contexts offered by the target slider."""
MAX_DISTANCE = max(TARGETS)
"""Men et al.'s criterion is searched for every distance below this."""
BINS = 160
"""Log-spaced stretches of distances whose lowest cosine sum the criterion panel draws."""
_EDGES = np.unique(np.round(np.geomspace(1, MAX_DISTANCE, BINS + 1)).astype(np.int64))
_CENTRES = np.sqrt(_EDGES[:-1] * _EDGES[1:].astype(np.float64))


@dataclass(frozen=True)
class _Model:
    key: str
    label: str
    layer: RopeLayer
    length_source: str  # the config key that gave L
    window: int | None  # sliding window of a local layer


def _load(key: str, label: str) -> _Model:
    name, _, layer_type = key.partition(":")
    config = preset(name)
    spec = rope_from_config(config)
    layer = spec[layer_type] if layer_type else spec.layer
    source = ("original_max_position_embeddings" if layer.original_max_position_embeddings
              else "n_positions" if "n_positions" in config else "max_position_embeddings")
    text = config.get("text_config", config)
    window = text.get("sliding_window") if layer_type == "sliding_attention" else None
    return _Model(key, label, layer, source, window)


class ModelScalingExplorer(Explorer):
    r"""Sliders for the model, the target context and one pair to read out.

    Args:
        model: initial model, a key of :data:`MODELS` (``"llama3_1_8b"``,
            ``"gemma3_4b_it:full_attention"``, ...).
        target: initial target context, one of :data:`TARGETS`.
        pair: the pair the readout describes (default: the first pair whose unscaled wavelength
            exceeds :math:`L`, or the last pair).

    Example::

        explorer = ModelScalingExplorer(model="llama3_1_8b", target=131_072)
        explorer.update(model="qwen2_5_7b_instruct_yarn", target=32_768)
        inv_freq, attention_factor = explorer.schedule()
    """

    kind = "model-scaling"
    title = "Real models' RoPE explorer"
    panels = (("wavelengths", "Every pair's wavelength without and with the model's scaling, "
                              "against L and the target"),
              ("criterion", "Men et al.'s criterion over the whole head, against distance"))

    def __init__(self, model: str = "llama3_1_8b", target: int = 131_072,
                 pair: int | None = None):
        self.models = {key: _load(key, label) for key, label in MODELS}
        """Every model of the slider: its :class:`~ropeviz.configs.RopeLayer` and labels."""
        self.controls = (
            Control("model", "model", options=tuple(k for k, _ in MODELS),
                    labels=tuple(label for _, label in MODELS)),
            Control("target", "target context", options=TARGETS,
                    labels=tuple(format_number(t) for t in TARGETS)),
            Control("pair", "pair i", 0, max(m.layer.n_pairs for m in self.models.values()) - 1),
        )
        self._sums: dict[tuple[str, str], dict[str, Any]] = {}
        if pair is None and isinstance(model, str) and model in self.models:
            layer = self.models[model].layer
            longer = np.flatnonzero(2 * np.pi / layer.unscaled().inv_freq > layer.trained_length)
            pair = int(longer[0]) if longer.size else layer.n_pairs - 1
        super().__init__({"model": model, "target": target, "pair": 0 if pair is None else pair})

    def _limits(self) -> dict[str, int]:
        return {"pair": self.models[self.state["model"]].layer.n_pairs - 1}

    # -- the numbers -------------------------------------------------------------------------
    def layer(self, model: str | None = None) -> RopeLayer:
        """The :class:`~ropeviz.configs.RopeLayer` of a model (default: the slider's)."""
        return self.models[self.state["model"] if model is None else model].layer

    def schedule(self, model: str | None = None, target: int | None = None
                 ) -> tuple[np.ndarray, float]:
        """``(inv_freq, attention_factor)`` at a target: :meth:`RopeLayer.inv_freq_at`."""
        layer = self.layer(model)
        target = self.state["target"] if target is None else target
        return layer.inv_freq_at(target), layer.attention_factor

    def unscaled(self, model: str | None = None) -> np.ndarray:
        """The frequencies without the model's context extension, shape ``(rotary_dim // 2,)``."""
        return self.layer(model).unscaled().inv_freq

    def classes(self, model: str | None = None, target: int | None = None) -> list[str]:
        """Per pair, what the scaling did (see :func:`~ropeviz.explorers._wavelengths.pair_classes`)."""
        layer = self.layer(model)
        return pair_classes(self.schedule(model, target)[0], self.unscaled(model),
                            layer.factor or 1.0)

    def frozen_pairs(self, model: str | None = None) -> int:
        """Pairs of the query/key head that do not rotate: ``(head_dim - rotary_dim) // 2``."""
        layer = self.layer(model)
        return (layer.head_dim - layer.rotary_dim) // 2

    def _criterion_of(self, model: str, which: str, inv_freq: np.ndarray) -> dict[str, Any]:
        key = (model, which)
        if key not in self._sums:
            layer = self.layer(model)
            sums = cosine_sums(inv_freq, MAX_DISTANCE) + self.frozen_pairs(model)
            self._sums[key] = {
                "first": first_negative(sums),
                "lows": lowest_per_bin(sums, _EDGES) / (layer.head_dim // 2),
            }
        return self._sums[key]

    def _which(self, model: str, target: int) -> str:
        """Which schedule a target uses: ``"long"`` for LongRoPE past L, else ``"scaled"``."""
        layer = self.layer(model)
        if layer.rope_type == "longrope" and target > layer.original_max_position_embeddings:
            return "long"
        return "scaled"

    def criterion(self, model: str | None = None, target: int | None = None) -> dict[str, Any]:
        r"""Men et al.'s cosine sum over the whole head, with and without the scaling.

        Returns:
            ``first`` and ``original_first``: the first distance :math:`m <`
            :data:`MAX_DISTANCE` with :math:`B(m) < 0` (``None`` if none); ``xs``, ``lows`` and
            ``original_lows``: the log-spaced stretches of distances below the target (their
            geometric centres) and the lowest :math:`B/(d/2)` in each.
        """
        model = self.state["model"] if model is None else model
        target = self.state["target"] if target is None else target
        scaled = self._criterion_of(model, self._which(model, target),
                                    self.schedule(model, target)[0])
        original = self._criterion_of(model, "unscaled", self.unscaled(model))
        count = int(np.sum(_EDGES[1:] <= target))
        return {"first": scaled["first"], "original_first": original["first"],
                "xs": _CENTRES[:count], "lows": scaled["lows"][:count],
                "original_lows": original["lows"][:count]}

    def _top(self, model: str) -> float:
        layer = self.layer(model)
        longest = 2 * np.pi / min(float(np.min(self.unscaled(model))),
                                  float(np.min(layer.inv_freq)),
                                  float(np.min(layer.inv_freq_at(MAX_DISTANCE))))
        return float(max(longest, MAX_DISTANCE) * 4)

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        self.ax_waves = fig.add_axes((0.08, 0.14, 0.40, 0.70))
        self.ax_criterion = fig.add_axes((0.58, 0.14, 0.40, 0.70))
        model = self.state["model"]
        layer = self.layer(model)
        self._waves = build_wavelength_axes(
            self, self.ax_waves, 2 * np.pi / self.unscaled(model), layer.trained_length,
            self._top(model), "Wavelengths without (grey) and with the\nmodel's scaling, "
                              "against L and the target")
        self._criterion = build_criterion_axes(
            self, self.ax_criterion, layer.trained_length, xlog=True,
            title="Men et al. over the whole head: a similar key\nbeats a random one while "
                  "\u03a3\u1d62cos(m\u03b8\u1d62) \u2265 0", original_label="unscaled")

    def _apply(self, changed: set[str]) -> bool | str:
        model, target = self.state["model"], self.state["target"]
        layer = self.layer(model)
        full: bool | str = bool(changed & {"model", "target"})
        if "model" in changed:
            reframe_wavelength_axes(self._waves, self.ax_waves, 2 * np.pi / self.unscaled(model),
                                    layer.trained_length, self._top(model))
        if changed & {"model", "target"}:
            crit = self.criterion()
            first = crit["first"] if crit["first"] is not None and crit["first"] < target else None
            update_criterion_axes(self._criterion, self.ax_criterion, crit["xs"], crit["lows"],
                                  crit["original_lows"], first, (1, target),
                                  length=layer.trained_length)
        update_wavelength_axes(self._waves, 2 * np.pi / self.schedule()[0], self.classes(),
                               target, self.state["pair"])
        return full

    def readout(self) -> str:
        model, target, i = self.state["model"], self.state["target"], self.state["pair"]
        entry = self.models[model]
        layer = entry.layer
        L = layer.trained_length
        inv_freq, attention = self.schedule()
        unscaled = self.unscaled()
        kinds = self.classes()
        counts = {name: kinds.count(name) for name in CLASSES}
        lines = [
            f"{entry.label}: {layer.rope_type}, base {format_number(layer.base)}, "
            f"{layer.rotary_dim} of {layer.head_dim} dimensions rotate ({layer.pairing} pairs); "
            f"L = {L:,} ({entry.length_source}); target {target:,}",
        ]
        if layer.rope_type == "default":
            scaling = "no context extension: the frequencies are base^(\u22122i/r) at every length"
        else:
            scaling = (f"pairs unchanged: {counts['kept']}, moved partly: {counts['between']}, "
                       f"divided by s = {layer.factor:g}: {counts['interpolated']}")
            if layer.rope_type == "longrope":
                scaling += ("; LongRoPE's long factors (target > L)" if target > L
                            else "; LongRoPE's short factors (target \u2264 L)")
        if attention != 1.0:
            scaling += f"; cos, sin \u00d7 {attention:.4g} (logits \u00d7 {attention ** 2:.4g})"
        if layer.softmax_scale_factor != 1.0:
            scaling += f"; softmax scale \u00d7 {layer.softmax_scale_factor:.4g}"
        lines.append(scaling)
        before, after = 2 * np.pi / unscaled[i], 2 * np.pi / inv_freq[i]
        lines.append(f"pair {i}: wavelength {before:.4g} \u2192 {after:.4g} tokens; turns: "
                     f"{L / before:.4g} within L unscaled, {target / after:.4g} within the "
                     "target scaled")
        over_l = int(np.sum(2 * np.pi / unscaled > L))
        over_t = int(np.sum(2 * np.pi / inv_freq > target))
        lines.append(f"{over_l} of {layer.n_pairs} pairs turn less than once within L "
                     f"(unscaled); {over_t} less than once within the target (scaled)")
        crit = self.criterion()
        frozen = self.frozen_pairs()

        def where(first: int | None) -> str:
            return (f"none below {MAX_DISTANCE:,}" if first is None else
                    f"m = {first:,}" + (" (inside the target)" if first < target else ""))

        criterion = (f"Men et al. over {layer.head_dim // 2} pairs"
                     + (f" ({frozen} not rotating)" if frozen else "")
                     + f": first negative sum {where(crit['first'])} scaled, "
                     + f"{where(crit['original_first'])} unscaled")
        lines.append(criterion)
        if entry.window:
            lines.append(f"sliding-window layer: it attends at most {entry.window:,} tokens back, "
                         "so it never meets larger distances")
        return "\n".join(lines)

    @property
    def alt_text(self) -> str:
        return (
            "First panel: the wavelength of every rotating pair of the chosen model on a log "
            "scale, without the model's context extension in grey and with it, at the target "
            "context, coloured by what the scaling does to the pair (unchanged, moved partly, "
            "divided by the factor), with a solid line at the training length L, a dashed line "
            "at the target and a marker at the selected pair. Second panel: on a log axis of "
            "distances up to the target, the lowest value of Men et al.'s cosine sum over the "
            "whole head, with and without the scaling, with a dot where the scaled sum first "
            "turns negative."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = ("wavelengths.js", "model_scaling.js")

    def _twin_data(self) -> dict[str, Any]:
        def floats(values: np.ndarray, digits: int) -> list[float]:
            return [float(f"{v:.{digits}g}") for v in values]

        models = {}
        for key, entry in self.models.items():
            layer = entry.layer
            schedules = {}
            for which, target in (("scaled", min(TARGETS)), ("long", MAX_DISTANCE)):
                if which == "long" and self._which(key, target) != "long":
                    continue
                inv_freq = self.schedule(key, target)[0]
                crit = self._criterion_of(key, which, inv_freq)
                schedules[which] = {
                    "invFreq": floats(inv_freq, 12),
                    "classes": [CLASSES.index(k) for k in self.classes(key, target)],
                    "first": crit["first"],
                    "lows": np.round(crit["lows"], 3).tolist(),
                }
            original = self._criterion_of(key, "unscaled", self.unscaled(key))
            models[key] = {
                "label": entry.label,
                "ropeType": layer.rope_type,
                "baseLabel": format_number(layer.base),
                "rotaryDim": layer.rotary_dim,
                "headDim": layer.head_dim,
                "pairing": layer.pairing,
                "length": layer.trained_length,
                "lengthSource": entry.length_source,
                "factor": None if layer.factor is None else f"{layer.factor:g}",
                "attention": layer.attention_factor,
                "softmax": layer.softmax_scale_factor,
                "window": entry.window,
                "frozen": self.frozen_pairs(key),
                "unscaled": floats(self.unscaled(key), 12),
                "schedules": schedules,
                "originalFirst": original["first"],
                "originalLows": np.round(original["lows"], 3).tolist(),
                "top": self._top(key),
            }
        return {
            "models": models,
            "edges": _EDGES.tolist(),
            "centres": floats(_CENTRES, 6),
            "maxDistance": MAX_DISTANCE,
            "colors": {**CLASS_NAMES, "length": "black", "pair": "vermillion",
                       "original": "faint", "scaled": "blue", "first": "vermillion"},
        }
