r"""The context-extension explorer: what PI, NTK-aware, dynamic NTK, YaRN and Llama 3 do.

A model trained on :math:`L` tokens has seen pair :math:`i` turn through angles up to
:math:`L\theta_i`; pairs whose wavelength :math:`\lambda_i = 2\pi/\theta_i` exceeds :math:`L`
never completed a turn. Extending the context to :math:`sL` changes the frequencies
(:func:`ropeviz.scaled_inv_frequencies`, the one implementation of every method): the first
panel draws every pair's wavelength before (grey) and after (coloured by what the method did to
it: kept, interpolated :math:`\theta/s`, or in between) against :math:`L` and :math:`sL`; for
YaRN the colours are its ramp (:func:`ropeviz.yarn_ramp`).

The second panel is Men et al.'s criterion (:mod:`ropeviz.scaling`): with
:math:`B(m) = \sum_i \cos(m\theta_i)`, a key similar to the query scores higher than a random
key at distance :math:`m` only while :math:`B(m) \ge 0`. It draws the lowest value of
:math:`B(m)/(d/2)` in each of 160 stretches of :math:`m < sL`, for the original and the scaled
frequencies, and the readout names the first distance where each goes negative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_base, check_head_dim, check_positive_int
from ..rope import inv_frequencies
from ..scaling import cosine_sum, min_base_for_context, scaled_inv_frequencies, yarn_ramp
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
    update_criterion_axes,
    update_wavelength_axes,
)

__all__ = ["ScalingExplorer", "METHODS", "FACTORS", "cosine_sums"]

METHODS: tuple[str, ...] = ("linear", "ntk", "dynamic", "yarn", "llama3")
"""The methods of the method slider, as :func:`ropeviz.scaled_inv_frequencies` names them."""
METHOD_LABELS: tuple[str, ...] = ("PI", "NTK-aware", "dynamic NTK", "YaRN", "Llama 3")
FACTORS: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 32.0)
"""Extension factors s offered by the factor slider."""
BINS = 160
"""Stretches of m < sL whose lowest B(m) the criterion panel draws."""


class ScalingExplorer(Explorer):
    r"""Sliders for the method, the factor :math:`s` and one pair :math:`i` to read out.

    Args:
        head_dim: :math:`d` (at least 4).
        base: the original base.
        original_length: :math:`L`, the training context.
        method: initial method, one of :data:`METHODS`.
        factor: initial :math:`s`, one of :data:`FACTORS`.
        pair: the pair the readout describes (default: the first whose wavelength exceeds
            :math:`L`, or the last pair).

    Dynamic NTK is shown at the target length :math:`\ell = sL` with Hugging Face's formula and
    ``factor`` :math:`= s`: :math:`s_{\text{eff}} = s\ell/L - (s - 1) = s^2 - s + 1`.

    Example::

        explorer = ScalingExplorer(head_dim=128, base=10_000.0, original_length=4096)
        explorer.update(method="llama3", factor=8.0)
        inv_freq, attention_factor = explorer.schedule()
    """

    kind = "scaling"
    title = "Context-extension explorer"
    panels = (("wavelengths", "Every pair's wavelength before and after scaling, against the "
                              "training and target lengths"),
              ("criterion", "Men et al.'s criterion: the lowest cosine sum against distance"))

    def __init__(
        self,
        head_dim: int = 128,
        base: float = 10_000.0,
        *,
        original_length: int = 4096,
        method: str = "yarn",
        factor: float = 8.0,
        pair: int | None = None,
    ):
        self.head_dim = check_head_dim(head_dim)
        if self.head_dim < 4:
            raise ValueError(f"head_dim must be at least 4, got {self.head_dim}")
        self.base = check_base(base)
        if self.base <= 1.0:
            raise ValueError(f"base must be larger than 1, got {self.base}")
        self.original_length = check_positive_int(original_length, "original_length")
        self.theta = inv_frequencies(self.head_dim, self.base)
        """The original frequencies, shape ``(d/2,)``."""
        n = self.head_dim // 2
        if pair is None:
            longer = np.flatnonzero(2 * np.pi / self.theta > self.original_length)
            pair = int(longer[0]) if longer.size else n - 1
        self.controls = (
            Control("method", "method", options=METHODS, labels=METHOD_LABELS),
            Control("factor", "factor s", options=FACTORS,
                    labels=tuple(f"{s:g}" for s in FACTORS)),
            Control("pair", "pair i", 0, n - 1),
        )
        self.ramp = yarn_ramp(self.head_dim, self.base, original_length=self.original_length)
        """YaRN's :math:`\\gamma_i` (1 keeps the pair, 0 interpolates it), shape ``(d/2,)``."""
        self.min_base = min_base_for_context(self.original_length, self.head_dim)
        """The smallest base with :math:`B(m) \\ge 0` for every :math:`m < L` (Men et al.)."""
        self._schedules: dict[tuple[str, float], dict[str, Any]] = {}
        self._original_sums: np.ndarray | None = None
        super().__init__({"method": method, "factor": factor, "pair": pair})

    # -- the numbers -------------------------------------------------------------------------
    def target_length(self, factor: float | None = None) -> int:
        """:math:`sL`, the context the extension aims at."""
        s = self.state["factor"] if factor is None else factor
        return int(round(s * self.original_length))

    def parameters(self, method: str | None = None, factor: float | None = None) -> dict:
        """The keyword arguments of :func:`ropeviz.scaled_inv_frequencies` for a setting."""
        method = self.state["method"] if method is None else method
        s = self.state["factor"] if factor is None else factor
        params: dict[str, Any] = {"factor": s}
        if method in ("dynamic", "yarn", "llama3"):
            params["original_length"] = self.original_length
        if method == "dynamic":
            params["seq_len"] = self.target_length(s)
        return params

    def schedule(self, method: str | None = None, factor: float | None = None
                 ) -> tuple[np.ndarray, float]:
        """``(inv_freq, attention_factor)`` of a setting (default: the sliders')."""
        method = self.state["method"] if method is None else method
        s = self.state["factor"] if factor is None else factor
        return scaled_inv_frequencies(self.head_dim, self.base, method,
                                      **self.parameters(method, s))

    def classes(self, method: str | None = None, factor: float | None = None) -> list[str]:
        r"""Per pair: ``"kept"`` (:math:`\theta' = \theta`), ``"interpolated"``
        (:math:`\theta' = \theta/s`) or ``"between"``."""
        s = self.state["factor"] if factor is None else factor
        return pair_classes(self.schedule(method, s)[0], self.theta, s)

    def criterion(self, method: str | None = None, factor: float | None = None
                  ) -> dict[str, Any]:
        """Men et al.'s cosine sum over ``m < sL``, scaled and original (cached per setting).

        Returns:
            ``first``: the first distance with :math:`B'(m) < 0` (``None`` if none);
            ``original_first``: the same for the original frequencies (:func:`cosine_sum`);
            ``lows``, ``original_lows``: the lowest :math:`B/(d/2)` in each of :data:`BINS`
            equal stretches of ``m < sL`` (fewer when :math:`sL <` :data:`BINS`).
        """
        method = self.state["method"] if method is None else method
        s = self.state["factor"] if factor is None else factor
        key = (method, s)
        if key not in self._schedules:
            length = self.target_length(s)
            half = self.head_dim / 2
            scaled = cosine_sums(self.schedule(method, s)[0], length)
            if self._original_sums is None:  # once, for the longest target: a prefix serves all
                longest = self.target_length(max(FACTORS))
                self._original_sums = cosine_sum(np.arange(longest), self.head_dim, self.base)
            original = self._original_sums[:length]
            edges = np.linspace(0, length, min(BINS, length) + 1).round().astype(int)
            self._schedules[key] = {
                "first": first_negative(scaled),
                "original_first": first_negative(original),
                "lows": lowest_per_bin(scaled, edges) / half,
                "original_lows": lowest_per_bin(original, edges) / half,
            }
        return self._schedules[key]

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        self.ax_waves = fig.add_axes((0.08, 0.14, 0.40, 0.70))
        self.ax_criterion = fig.add_axes((0.58, 0.14, 0.40, 0.70))
        wave = 2 * np.pi / self.theta
        waves = build_wavelength_axes(
            self, self.ax_waves, wave, self.original_length, wave[-1] * max(FACTORS) ** 2 * 4,
            "Wavelengths before (grey) and after scaling,\nagainst L and sL")
        self._waves = waves
        self._target, self._dots, self._pair_line = waves.target, waves.dots, waves.pair
        self._criterion = build_criterion_axes(self, self.ax_criterion, self.original_length)

    def _apply(self, changed: set[str]) -> bool:
        full: bool | str = "factor" in changed  # the criterion's x axis is 0..sL
        if changed & {"method", "factor"}:
            full = full or "layers"
            crit = self.criterion()
            length = self.target_length()
            bins = crit["lows"].size
            centres = (np.arange(bins) + 0.5) * length / bins
            update_criterion_axes(self._criterion, self.ax_criterion, centres, crit["lows"],
                                  crit["original_lows"], crit["first"], (0, length))
        inv_freq = self.schedule()[0]
        update_wavelength_axes(self._waves, 2 * np.pi / inv_freq, self.classes(),
                               self.target_length(), self.state["pair"])
        return full

    def readout(self) -> str:
        method, s, i = self.state["method"], self.state["factor"], self.state["pair"]
        label = METHOD_LABELS[METHODS.index(method)]
        L, target = self.original_length, self.target_length()
        inv_freq, attention = self.schedule()
        kinds = self.classes()
        counts = {name: kinds.count(name) for name in CLASSES}
        lines = [
            f"{label}, s = {s:g}: trained on L = {L:,} tokens, target sL = {target:,}; "
            f"d = {self.head_dim}, base {format_number(self.base)}",
        ]
        pairs = (f"{counts['kept']} pairs kept (\u03b8' = \u03b8), {counts['between']} in "
                 f"between, {counts['interpolated']} interpolated (\u03b8' = \u03b8/s)")
        if method == "dynamic":
            effective = s * target / L - (s - 1)
            pairs += (f"; dynamic NTK at \u2113 = sL: s_eff = s\u00b7\u2113/L \u2212 (s \u2212 1) = "
                      f"{effective:g}")
        if attention != 1.0:
            pairs += f"; attention factor {attention:.4g}: logits \u00d7 {attention ** 2:.4g}"
        lines.append(pairs)
        before, after = 2 * np.pi / self.theta[i], 2 * np.pi / inv_freq[i]
        pair = (f"pair {i}: wavelength {before:.4g} \u2192 {after:.4g} tokens; turns within "
                f"L: {L / before:.4g}; \u03b8'/\u03b8 = {inv_freq[i] / self.theta[i]:.4g}")
        if method == "yarn":
            pair += f"; YaRN ramp \u03b3 = {self.ramp[i]:.4g}"
        lines.append(pair)
        crit = self.criterion()
        verdict = ("stays \u2265 0 for every m < sL" if crit["first"] is None else
                   f"first negative at m = {crit['first']:,}")
        original = ("never negative below sL" if crit["original_first"] is None else
                    f"first negative at m = {crit['original_first']:,}")
        lines.append(
            f"Men et al.: \u03a3 cos(m\u00b7\u03b8'_i) {verdict}; original schedule {original}; "
            f"smallest base for L: {format_number(round(self.min_base))}"
        )
        return "\n".join(lines)

    @property
    def alt_text(self) -> str:
        return (
            "First panel: the wavelength of every pair on a log scale, before scaling in grey "
            "and after scaling coloured by what the method does to the pair (kept, "
            "interpolated, or in between), with a solid line at the training length L, a dashed "
            "line at the target length sL and a marker at the selected pair. Second panel: for "
            "the original and the scaled frequencies, the lowest value of the cosine sum of Men "
            "et al. over each stretch of distances up to sL, with a dot where the scaled sum "
            "first goes negative."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = ("wavelengths.js", "extension.js")

    def _twin_data(self) -> dict[str, Any]:
        settings = {}
        for method in METHODS:
            for s in FACTORS:
                inv_freq, attention = self.schedule(method, s)
                crit = self.criterion(method, s)
                settings[f"{method}:{s:g}"] = {
                    "invFreq": [float(f"{v:.12g}") for v in inv_freq],
                    "attention": attention,
                    "classes": [CLASSES.index(k) for k in self.classes(method, s)],
                    "first": crit["first"],
                    "lows": np.round(crit["lows"], 3).tolist(),
                }
        originals = {f"{s:g}": {"first": self.criterion("linear", s)["original_first"],
                                "lows": np.round(self.criterion("linear", s)["original_lows"],
                                                 3).tolist()} for s in FACTORS}
        return {
            "headDim": self.head_dim,
            "base": self.base,
            "baseLabel": format_number(self.base),
            "length": self.original_length,
            "theta": self.theta.tolist(),
            "ramp": self.ramp.tolist(),
            "minBase": format_number(round(self.min_base)),
            "methods": list(METHODS),
            "methodLabels": list(METHOD_LABELS),
            "settings": settings,
            "originals": originals,
            "top": float(2 * np.pi / self.theta[-1] * max(FACTORS) ** 2 * 4),
            "colors": {**CLASS_NAMES, "length": "black", "pair": "vermillion",
                       "original": "faint", "scaled": "blue", "first": "vermillion"},
        }
