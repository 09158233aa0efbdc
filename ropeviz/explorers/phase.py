r"""The phase explorer: the attention score as a sum of phasors, one per pair, that interfere.

Write pair :math:`i` of a query and of a key as complex numbers :math:`q^{(i)}, k^{(i)}`. RoPE
turns them by :math:`m\theta_i` and :math:`n\theta_i`, so the score is

.. math:: q_m\cdot k_n = \operatorname{Re}\sum_i h_i\,e^{\mathrm i r\theta_i},
   \qquad h_i = q^{(i)}\,\overline{k^{(i)}},\quad r = m - n,

a sum of one phasor per pair. Where the phasors point the same way they add up
(constructive interference: the largest possible score and, usually, a taller attention peak);
where they are spread around the circle they cancel (destructive). Only the query and the key
are rotated, so the score :math:`q\cdot k` is where the pairs of one head interfere; the
oscillations that attention then makes can still add or cancel later, across heads in the output
projection and across keys in the feed-forward input.

Following chapter 8, the explorer uses :math:`|h_i| = ` ``magnitude`` for every pair and phases
:math:`\varphi_i = \arg h_i = -r_0\theta_i + \delta u_i` with fixed random
:math:`u_i \in (-\pi, \pi)`: at spread :math:`\delta = 0` every phasor lines up at distance
:math:`r_0` (the design rule of Barbero et al.'s Proposition 3.1), and a larger spread scatters
them. The query and key behind it are concrete vectors (:meth:`PhaseExplorer.query`,
:meth:`PhaseExplorer.key`), so the score is checked against :func:`ropeviz.apply_rope`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection

from .._checks import check_base, check_head_dim, check_positive_int, check_positive_number
from ..analysis import attention_entropy
from ..plotting import OKABE_ITO, SEQUENTIAL_CMAP
from ..rope import inv_frequencies
from ._base import Control, Explorer
from ._frames import colormap_table

__all__ = ["PhaseExplorer", "SPREADS"]

SPREADS: tuple[float, ...] = tuple(round(0.1 * k, 1) for k in range(11))
"""Phase spreads offered by the spread slider: 0, 0.1, ..., 1 (as in chapter 8)."""

_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 181)


class PhaseExplorer(Explorer):
    r"""Sliders for the distance :math:`r`, the phase spread :math:`\delta`, the focus :math:`r_0`.

    Args:
        head_dim: :math:`d` (:math:`d/2` phasors).
        base: frequency base.
        distance: initial :math:`r = m - n`, ``0 <= distance <= max_distance`` (default: 4,
            or ``max_distance`` if smaller).
        spread: initial :math:`\delta`, one of :data:`SPREADS` (or any value in [0, 1], added).
        focus: :math:`r_0`, the distance where the phasors line up at spread 0.
        max_distance: the distance slider's end; attention is a softmax over
            ``r = 0..max_distance`` (the keys before one query).
        magnitude: :math:`|h_i|` of every pair.
        seed: seed of the phases :math:`u_i` (``default_rng(seed).uniform(-pi, pi, d/2)``;
            chapter 8 uses seed 2 with :math:`d = 64`).

    Example::

        explorer = PhaseExplorer(head_dim=64, spread=0.5)
        explorer.update(distance=5, focus=5)    # the phasors line up at r = 5 when spread = 0
        explorer.phasors()                      # h_i e^{i r theta_i}, shape (d/2,)
    """

    kind = "phase"
    title = "Phase and interference explorer"
    panels = (("phasors", "The phasors of every pair added head to tail at distance r"),
              ("score", "The score, their real part, against distance"))

    def __init__(
        self,
        head_dim: int = 64,
        base: float = 10_000.0,
        *,
        distance: int | None = None,
        spread: float = 0.0,
        focus: int = 0,
        max_distance: int = 255,
        magnitude: float = 2.0,
        seed: int = 2,
    ):
        self.head_dim = check_head_dim(head_dim)
        self.base = check_base(base)
        self.max_distance = check_positive_int(max_distance, "max_distance")
        self.magnitude = check_positive_number(magnitude, "magnitude")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if isinstance(spread, bool) or not isinstance(spread, (int, float, np.number)) or not (
            0.0 <= float(spread) <= 1.0
        ):
            raise ValueError(f"spread must be a number in [0, 1], got {spread!r}")
        self.spreads = tuple(sorted(set(SPREADS) | {float(spread)}))
        self.controls = (
            Control("distance", "distance r", 0, self.max_distance, play_ms=120),
            Control("spread", "phase spread \u03b4", options=self.spreads,
                    labels=tuple(f"{v:g}" for v in self.spreads)),
            Control("focus", "focus r\u2080", 0, self.max_distance),
        )
        self.theta = inv_frequencies(self.head_dim, self.base)
        """Pair frequencies :math:`\\theta_i`, shape ``(d/2,)``."""
        self.u = np.random.default_rng(int(seed)).uniform(-np.pi, np.pi, size=self.head_dim // 2)
        """The fixed random phase directions :math:`u_i`, shape ``(d/2,)``."""
        self.distances = np.arange(self.max_distance + 1)
        if distance is None:
            distance = min(4, self.max_distance)
        super().__init__({"distance": distance, "spread": float(spread), "focus": focus})

    # -- the numbers -------------------------------------------------------------------------
    def phases(self) -> np.ndarray:
        r""":math:`\varphi_i = -r_0\theta_i + \delta u_i`, shape ``(d/2,)``."""
        return -self.state["focus"] * self.theta + self.state["spread"] * self.u

    def products(self) -> np.ndarray:
        r"""The products :math:`h_i = q^{(i)}\overline{k^{(i)}} = |h|\,e^{\mathrm i\varphi_i}`.

        Returns:
            complex, shape ``(d/2,)``.
        """
        return self.magnitude * np.exp(1j * self.phases())

    def query(self) -> np.ndarray:
        r"""A query whose pairs are :math:`\sqrt{|h|}\,e^{\mathrm i\varphi_i}` (interleaved).

        Returns:
            shape ``(d,)``.
        """
        z = np.sqrt(self.magnitude) * np.exp(1j * self.phases())
        return np.stack([z.real, z.imag], axis=1).reshape(-1)

    def key(self) -> np.ndarray:
        r"""A key whose pairs are :math:`(\sqrt{|h|}, 0)`, so :math:`q^{(i)}\overline{k^{(i)}} = h_i`.

        Returns:
            shape ``(d,)``.
        """
        k = np.zeros(self.head_dim)
        k[0::2] = np.sqrt(self.magnitude)
        return k

    def phasors(self, distance: int | None = None) -> np.ndarray:
        r"""The phasors :math:`h_i e^{\mathrm i r\theta_i}` at ``distance`` (default: the slider's).

        Returns:
            complex, shape ``(d/2,)``.
        """
        r = self.state["distance"] if distance is None else distance
        return self.products() * np.exp(1j * r * self.theta)

    def scores(self) -> np.ndarray:
        r""":math:`s(r) = \operatorname{Re}\sum_i h_i e^{\mathrm i r\theta_i}` for
        ``r = 0..max_distance``, shape ``(max_distance + 1,)``."""
        return (self.products()[None, :] * np.exp(1j * self.distances[:, None] * self.theta)
                ).real.sum(axis=1)

    def attention(self) -> np.ndarray:
        r"""Softmax of :math:`s(r)/\sqrt d` over ``r = 0..max_distance`` (one query, its keys)."""
        logits = self.scores() / np.sqrt(self.head_dim)
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        n = self.head_dim // 2
        limit = 1.08 * self.magnitude * n
        self.ax_phasors = fig.add_axes((0.06, 0.12, 0.36, 0.74))
        self.ax_score = fig.add_axes((0.53, 0.14, 0.45, 0.70))
        ax = self.ax_phasors
        ax.plot(self.magnitude * n * np.cos(_CIRCLE), self.magnitude * n * np.sin(_CIRCLE),
                color="#aaaaaa", lw=1, ls="--")
        ax.axhline(0, color="#cccccc", lw=0.8)
        ax.axvline(0, color="#cccccc", lw=0.8)
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal",
               xlabel="real part (the score)", ylabel="imaginary part")
        ax.set_title("Phasors h\u1d62e^(ir\u03b8\u1d62) head to tail; dashed:\n"
                     "the largest possible sum, \u03a3|h\u1d62|", fontsize=10.5)
        ax.tick_params(labelsize=8)
        colours = colormaps[SEQUENTIAL_CMAP](np.linspace(0.0, 1.0, n))  # pair 0 dark
        (self._resultant,) = ax.plot([], [], color=OKABE_ITO["black"], lw=4, alpha=0.45)
        self._arrows = self._dynamic(LineCollection([], colors=colours, linewidths=1.8))
        ax.add_collection(self._arrows)
        (self._projection,) = ax.plot([], [], "o", color=OKABE_ITO["vermillion"], ms=7)
        (self._drop,) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1, ls=":")
        self._moving.insert(0, self._resultant)  # under the phasors
        for artist in (self._projection, self._drop):
            self._dynamic(artist)

        axs = self.ax_score
        bound = self.magnitude * n
        axs.axhline(bound, color="#aaaaaa", lw=1, ls="--")
        axs.axhline(-bound, color="#aaaaaa", lw=1, ls="--")
        axs.axhline(0, color="#cccccc", lw=0.8)
        axs.set(xlim=(0, self.max_distance), ylim=(-1.08 * bound, 1.08 * bound),
                xlabel="distance r = m \u2212 n", ylabel="score s(r)")
        axs.set_title("Score s(r) = Re \u03a3 h\u1d62e^(ir\u03b8\u1d62); "
                      "dashed: \u00b1\u03a3|h\u1d62|",
                      fontsize=10.5)
        axs.tick_params(labelsize=8)
        (self._curve,) = axs.plot([], [], color=OKABE_ITO["blue"], lw=1.3)
        self._layer(self._curve)  # drawn into the background when spread or focus move
        self._marker = self._dynamic(axs.axvline(0, color=OKABE_ITO["black"], lw=0.9, ls=":"))
        (self._dot,) = axs.plot([], [], "o", color=OKABE_ITO["vermillion"], ms=7)
        self._dynamic(self._dot)

    def _apply(self, changed: set[str]) -> bool:
        layers = bool(changed & {"spread", "focus"})
        if layers:
            self._curve.set_data(self.distances, self.scores())
        z = self.phasors()
        tips = np.concatenate([[0], np.cumsum(z)])
        self._arrows.set_segments(np.stack([np.c_[tips[:-1].real, tips[:-1].imag],
                                            np.c_[tips[1:].real, tips[1:].imag]], axis=1))
        total = tips[-1]
        self._resultant.set_data([0, total.real], [0, total.imag])
        self._projection.set_data([total.real], [0])
        self._drop.set_data([total.real, total.real], [0, total.imag])
        r = self.state["distance"]
        self._marker.set_xdata([r, r])
        self._dot.set_data([r], [total.real])
        return "layers" if layers else False

    def readout(self) -> str:
        r, spread, focus = self.state["distance"], self.state["spread"], self.state["focus"]
        total = self.phasors().sum()
        bound = self.magnitude * (self.head_dim // 2)
        weights = self.attention()
        entropy = float(attention_entropy(weights))
        return "\n".join([
            f"r = {r}: score s(r) = Re \u03a3 h_i e^(i r \u03b8_i) = {total.real:+.3f}; "
            f"|\u03a3 h_i e^(i r \u03b8_i)| = {abs(total):.3f} of at most \u03a3|h_i| = "
            f"{bound:.3f} ({100 * abs(total) / bound:.1f}%)",
            "phases \u03c6_i = \u2212r\u2080\u00b7\u03b8_i + \u03b4\u00b7u_i with "
            f"r\u2080 = {focus}, "
            f"\u03b4 = {spread:g}: at \u03b4 = 0 every phasor lines up at r = r\u2080",
            f"attention over r = 0..{self.max_distance} (softmax of s/\u221ad): weight at r "
            f"{weights[r]:.4f}, peak at r = {int(np.argmax(weights))}; entropy {entropy:.3f} nats "
            f"(uniform {np.log(weights.size):.3f})",
        ])

    @property
    def alt_text(self) -> str:
        return (
            "First panel: one arrow per pair, the phasor h_i times e to the i r theta_i, drawn "
            "head to tail in the complex plane, with their sum as a thick arrow from the origin "
            "and its real part, the score, marked on the horizontal axis; a dashed circle shows "
            "the largest possible sum, all phasors aligned. Second panel: the score against the "
            "distance r, between dashed lines at plus and minus that largest sum, with the "
            "current r marked: a tall peak where the phasors line up, small values where they "
            "point every way and cancel."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "phase.js"

    def _twin_data(self) -> dict[str, Any]:
        return {
            "headDim": self.head_dim,
            "maxDistance": self.max_distance,
            "magnitude": self.magnitude,
            "theta": self.theta.tolist(),
            "u": self.u.tolist(),
            "lut": colormap_table(SEQUENTIAL_CMAP),
            "colors": {"curve": "blue", "point": "vermillion", "sum": "black"},
        }

