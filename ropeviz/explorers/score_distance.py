r"""Score against distance: aligned, related and random queries and keys, with p-RoPE.

With RoPE the score of a query :math:`r` tokens after a key is
:math:`s(r) = (R_{n+r}\,q)\cdot(R_n k) = (R_r q)\cdot k
= \sum_i [A_i\cos(r\theta_i) + B_i\sin(r\theta_i)]` (chapter 7). Whether it decays with
:math:`r` depends on :math:`q` and :math:`k`, not on RoPE: for an *aligned* key (:math:`k = q`)
every pair starts in phase and the sum falls as the pairs drift apart; a *related* key
(:math:`k = q + \varepsilon`) keeps part of that; a *random* key has no preferred phase and its
score wanders around 0 at every distance (its expectation is exactly 0, Barbero et al.).

p-RoPE keeps the fastest fraction :math:`p` of the pairs rotating and stops the others
(frequency 0): their contribution no longer depends on :math:`r`. The pair count is the one of
:func:`ropeviz.scaled_inv_frequencies` with ``method="p-rope"`` (Hugging Face's
``"proportional"``), used here and nowhere re-derived.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_base, check_head_dim, check_positive_int, check_positive_number
from ..plotting import OKABE_ITO
from ..rope import inv_frequencies, rotate_pairs
from ..scaling import scaled_inv_frequencies
from ._base import Control, Explorer, format_number
from .rotation import BASES

__all__ = ["ScoreDistanceExplorer", "FRACTIONS", "KINDS"]

FRACTIONS: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(21))
"""Fractions p offered by the p slider: 0, 0.05, ..., 1 (0.25 and 0.75 as in Barbero et al.)."""

KINDS = ("aligned", "related", "random")
KIND_NAMES = {"aligned": "blue", "related": "green", "random": "vermillion"}
"""Okabe-Ito colour of each kind of q, k (the twin uses the names as CSS variables)."""


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


class ScoreDistanceExplorer(Explorer):
    r"""Sliders for the distance :math:`r`, the base and the p-RoPE fraction :math:`p`.

    Args:
        head_dim: :math:`d`, a positive even integer.
        base: initial frequency base; the slider offers :data:`ropeviz.explorers.rotation.BASES`.
        p: initial fraction of rotating pairs; the slider offers :data:`FRACTIONS`.
        distance: initial distance :math:`r`, ``0 <= distance <= max_distance`` (default:
            100, or ``max_distance`` if smaller).
        max_distance: the distance slider's end and the curves' range.
        noise: :math:`\sigma` of the related key :math:`k = q + \sigma\varepsilon`.
        seed: seed of the Gaussian vectors.

    ``vectors[kind] = (q, k)``: ``"aligned"`` (:math:`k = q`), ``"related"``
    (:math:`k = q + \sigma\varepsilon`, the same :math:`q`) and ``"random"`` (independent
    :math:`q, k`), all standard Gaussian.

    Example::

        explorer = ScoreDistanceExplorer(head_dim=128, p=0.75)
        explorer.update(distance=500, base=500_000.0)
        explorer.curves()["aligned"][500]     # the normalised score at r = 500
    """

    kind = "score-distance"
    title = "Score against distance"
    panels = (("scores", "Normalised score against distance for aligned, related and random "
                         "queries and keys"),
              ("pairs", "Wavelength of every pair, rotating or stopped by p-RoPE"))

    def __init__(
        self,
        head_dim: int = 128,
        base: float = 10_000.0,
        *,
        p: float = 1.0,
        distance: int | None = None,
        max_distance: int = 2048,
        noise: float = 1.0,
        seed: int = 0,
    ):
        self.head_dim = check_head_dim(head_dim)
        base = check_base(base)
        self.max_distance = check_positive_int(max_distance, "max_distance")
        self.noise = check_positive_number(noise, "noise")
        seed = _seed(seed)
        scaled_inv_frequencies(self.head_dim, base, "p-rope", p=p)  # checks p
        self.bases = tuple(sorted(set(BASES) | {base}))
        self.fractions = tuple(sorted(set(FRACTIONS) | {float(p)}))
        self.controls = (
            Control("distance", "distance r", 0, self.max_distance, play_ms=60),
            Control("base", "base", options=self.bases),
            Control("p", "p-RoPE fraction p", options=self.fractions,
                    labels=tuple(f"{v:g}" for v in self.fractions)),
        )
        rng = np.random.default_rng(seed)
        q = rng.normal(size=self.head_dim)
        related = q + self.noise * rng.normal(size=self.head_dim)
        q_random, k_random = rng.normal(size=(2, self.head_dim))
        self.vectors = {"aligned": (q, q), "related": (q, related),
                        "random": (q_random, k_random)}
        self.distances = np.arange(self.max_distance + 1)
        self._curves: dict[tuple[float, float], dict[str, np.ndarray]] = {}
        if distance is None:
            distance = min(100, self.max_distance)
        super().__init__({"distance": distance, "base": base, "p": float(p)})

    # -- the numbers -------------------------------------------------------------------------
    def frequencies(self) -> np.ndarray:
        r"""p-RoPE frequencies :math:`\theta'_i` of the current base and p, shape ``(d/2,)``."""
        inv_freq, _ = scaled_inv_frequencies(self.head_dim, self.state["base"], "p-rope",
                                             p=self.state["p"])
        return inv_freq

    def pairs_kept(self) -> int:
        """How many pairs rotate (the rest have frequency 0)."""
        return int(np.count_nonzero(self.frequencies()))

    def curves(self) -> dict[str, np.ndarray]:
        r"""Normalised scores :math:`(R_r q)\cdot k / (|q|\,|k|)` for ``r = 0..max_distance``.

        Computed by rotating :math:`q` with :func:`ropeviz.rope.rotate_pairs` at every distance
        (cached per base and p). Returns ``{kind: (max_distance + 1,)}``.
        """
        key = (self.state["base"], self.state["p"])
        if key not in self._curves:
            angles = self.distances[:, None] * self.frequencies()
            self._curves[key] = {
                kind: (rotate_pairs(np.broadcast_to(q, (angles.shape[0], self.head_dim)), angles)
                       @ k) / (np.linalg.norm(q) * np.linalg.norm(k))
                for kind, (q, k) in self.vectors.items()
            }
        return self._curves[key]

    def expected(self) -> np.ndarray:
        r""":math:`\mathbb E[(R_r q)\cdot q] / \mathbb E|q|^2` for Gaussian :math:`q`: the mean of
        :math:`\cos(r\theta'_i)` over the pairs, shape ``(max_distance + 1,)``."""
        return np.cos(self.distances[:, None] * self.frequencies()).mean(axis=1)

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        self.ax_scores = fig.add_axes((0.075, 0.14, 0.50, 0.70))
        self.ax_pairs = fig.add_axes((0.68, 0.14, 0.30, 0.70))
        ax = self.ax_scores
        self._lines = {kind: ax.plot([], [], color=OKABE_ITO[KIND_NAMES[kind]], lw=1.1,
                                     label=kind)[0] for kind in KINDS}
        (self._expected_line,) = ax.plot([], [], color=OKABE_ITO["black"], lw=1.4, ls="--",
                                         label="aligned, expected")
        ax.axhline(0, color="#999999", lw=0.8)
        ax.set(xlim=(0, self.max_distance), ylim=(-1.05, 1.05), xlabel="distance r (tokens)",
               ylabel="score / (|q| |k|)")
        ax.set_title("Score of a query r tokens after the key", fontsize=10.5)
        ax.legend(loc="upper right", fontsize=8, ncol=2)
        ax.tick_params(labelsize=8)
        self._marker = self._dynamic(ax.axvline(0, color=OKABE_ITO["black"], lw=0.9, ls=":"))
        self._dots = {kind: self._dynamic(ax.plot([], [], "o", ms=6, markeredgecolor="black",
                                                  color=OKABE_ITO[KIND_NAMES[kind]])[0])
                      for kind in KINDS}

        axp = self.ax_pairs
        n = self.head_dim // 2
        top = 2 * np.pi * max(self.bases) * 3
        axp.set(xlim=(-1, n), ylim=(2, top), yscale="log", xlabel="pair i",
                ylabel="wavelength 2\u03c0/\u03b8\u1d62 (tokens)")
        axp.set_title("Rotating pairs (dots) and\nstopped pairs (\u00d7, \u03b8 = 0)",
                      fontsize=10.5)
        axp.tick_params(labelsize=8)
        (self._kept,) = axp.plot([], [], "o", ms=3.5, color=OKABE_ITO["blue"])
        (self._stopped,) = axp.plot([], [], "x", ms=4, color="#888888")
        # base and p move the curves and the dots: drawn into the background, not redrawn
        # when only the distance moves
        for artist in (*self._lines.values(), self._expected_line, self._kept, self._stopped):
            self._layer(artist)

        self._r_line = self._dynamic(axp.axhline(1, color=OKABE_ITO["vermillion"], lw=1.2))

    def _apply(self, changed: set[str]) -> bool:
        curves = self.curves()
        layers = bool(changed & {"base", "p"})
        if layers:
            for kind, line in self._lines.items():
                line.set_data(self.distances, curves[kind])
            self._expected_line.set_data(self.distances, self.expected())
            freqs = self.frequencies()
            kept = freqs > 0
            index = np.arange(freqs.size)
            self._kept.set_data(index[kept], 2 * np.pi / freqs[kept])
            top = self.ax_pairs.get_ylim()[1] / 1.6  # stopped pairs: a row of crosses at the top
            self._stopped.set_data(index[~kept], np.full((~kept).sum(), top))
        r = self.state["distance"]
        self._marker.set_xdata([r, r])
        for kind, dot in self._dots.items():
            dot.set_data([r], [curves[kind][r]])
        self._r_line.set_ydata([max(r, 2.0)] * 2)
        return "layers" if layers else False

    def readout(self) -> str:
        r, base, p = self.state["distance"], self.state["base"], self.state["p"]
        n, kept = self.head_dim // 2, self.pairs_kept()
        curves = self.curves()
        if kept == n:
            rotating = f"p = {p:g}: all {n} pairs rotate (plain RoPE)"
        elif kept == 0:
            rotating = f"p = {p:g}: no pair rotates (NoPE): no score depends on r"
        else:
            rotating = (f"p = {p:g}: the {kept} fastest of {n} pairs rotate, the {n - kept} "
                        "slowest are stopped (frequency 0)")
        values = ", ".join(f"{kind} {curves[kind][r]:+.3f}" for kind in KINDS)
        return "\n".join([
            f"distance r = {r} (query r tokens after the key); d = {self.head_dim}, "
            f"base {format_number(base)}",
            rotating,
            f"score / (|q| |k|) at r: {values}",
            f"expected over Gaussian q: aligned {self.expected()[r]:+.3f} (the mean of "
            f"cos(r\u00b7\u03b8_i) over pairs), random 0 at every r",
        ])

    @property
    def alt_text(self) -> str:
        return (
            "First panel: the normalised RoPE score of a query r tokens after a key, against r, "
            "for an aligned key (k = q), a related key (q plus noise) and a random key, with the "
            "expected curve for aligned Gaussian vectors dashed and a marker at the chosen r; "
            "the aligned curves fall from their start as the pairs drift out of phase, the "
            "random one wanders around 0. Second panel: the wavelength of every pair on a log "
            "scale, with the pairs p-RoPE stops drawn as crosses at the top and a line at r."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "score_distance.js"

    def _twin_data(self) -> dict[str, Any]:
        parts = {}
        for kind, (q, k) in self.vectors.items():
            qa, qb, ka, kb = q[0::2], q[1::2], k[0::2], k[1::2]
            parts[kind] = {
                "a": np.round(qa * ka + qb * kb, 10).tolist(),
                "b": np.round(qa * kb - qb * ka, 10).tolist(),
                "norm": float(np.linalg.norm(q) * np.linalg.norm(k)),
            }
        # how many pairs rotate, per p (the count depends on p and d only)
        kept = [int(np.count_nonzero(scaled_inv_frequencies(self.head_dim, 10.0, "p-rope",
                                                             p=p)[0])) for p in self.fractions]
        return {
            "headDim": self.head_dim,
            "maxDistance": self.max_distance,
            "parts": parts,
            "bases": list(self.bases),
            "theta": [inv_frequencies(self.head_dim, b).tolist() for b in self.bases],
            "fractions": list(self.fractions),
            "kept": kept,
            "wavelengthTop": 2 * np.pi * max(self.bases) * 3,
            "colors": {**KIND_NAMES, "expected": "black", "marker": "black", "r": "vermillion",
                       "kept": "blue", "stopped": "faint"},
        }
