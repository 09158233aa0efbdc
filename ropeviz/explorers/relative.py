r"""The relative-position explorer: a query at position m, a key at position n.

With RoPE the score is :math:`(R_m q)\cdot(R_n k) = q \cdot R_{n-m} k`: it depends on the two
positions only through :math:`m - n`. Move both sliders by the same amount and the score stays
put; change their difference and it moves along a fixed curve. The second panel compares that
curve for three kinds of vectors (aligned, random, constant), the comparison behind the
"RoPE decays with distance" debate (chapters 5 and 7).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_base, check_head_dim, check_pairing, check_positive_int
from ..plotting import OKABE_ITO
from ..rope import apply_rope, inv_frequencies, pair_slices
from ._base import Control, Explorer

__all__ = ["RelativeExplorer", "relative_scores"]

KINDS = ("aligned", "random", "constant")
KIND_NAMES = {"aligned": "blue", "random": "vermillion", "constant": "green"}
"""Okabe-Ito colour of each kind of q, k (the twin uses the names as CSS variables)."""
KIND_COLORS = {kind: OKABE_ITO[name] for kind, name in KIND_NAMES.items()}


def relative_scores(q: np.ndarray, k: np.ndarray, distances: np.ndarray, *,
                    base: float = 10_000.0, pairing: str = "interleaved") -> np.ndarray:
    r"""RoPE scores :math:`(R_m q)\cdot(R_n k)` as a function of :math:`r = m - n`.

    Uses :math:`(R_m q)\cdot(R_n k) = (R_{m-n} q)\cdot k`.

    Args:
        q, k: vectors of shape ``(head_dim,)``.
        distances: relative distances :math:`r`, shape ``(R,)``.

    Returns:
        Scores of shape ``(R,)``.
    """
    rotated = apply_rope(np.broadcast_to(q, (len(distances), len(q))), distances,
                         base=base, pairing=pairing)
    return rotated @ k


class RelativeExplorer(Explorer):
    r"""Sliders for the query position :math:`m` and the key position :math:`n`.

    Args:
        head_dim: :math:`d`.
        base: frequency base.
        query_position, key_position: initial :math:`m` and :math:`n` (by default
            ``max_position // 2`` and ``max_position // 4``).
        max_position: both sliders run over ``0..max_position``; the curves cover
            :math:`m - n \in [-\text{max\_position}, \text{max\_position}]`.
        pairing: RoPE pairing, as in :func:`ropeviz.apply_rope`.
        seed: seed of the random query and key.

    ``vectors[kind] = (q, k)`` holds the three pairs compared: ``"aligned"`` (k = q, a random
    Gaussian q), ``"random"`` (independent Gaussian q and k; the pair the left panel uses) and
    ``"constant"`` (q = k = all ones).
    """

    kind = "relative"
    title = "Relative-position explorer"
    panels = (("score", "Score of one random query and key against m minus n"),
              ("kinds", "Normalised scores of aligned, random and constant vectors"))

    def __init__(
        self,
        head_dim: int = 64,
        base: float = 10_000.0,
        *,
        query_position: int | None = None,
        key_position: int | None = None,
        max_position: int = 512,
        pairing: str = "interleaved",
        seed: int = 0,
    ):
        self.head_dim = check_head_dim(head_dim)
        self.base = check_base(base)
        self.max_position = check_positive_int(max_position, "max_position")
        self.pairing = check_pairing(pairing)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.controls = (
            Control("query_position", "query position m", 0, self.max_position),
            Control("key_position", "key position n", 0, self.max_position),
        )
        rng = np.random.default_rng(seed)
        q_aligned = rng.normal(size=self.head_dim)
        q_random, k_random = rng.normal(size=(2, self.head_dim))
        ones = np.ones(self.head_dim)
        self.vectors = {
            "aligned": (q_aligned, q_aligned),
            "random": (q_random, k_random),
            "constant": (ones, ones),
        }
        self.distances = np.arange(-self.max_position, self.max_position + 1)
        self.curves = {
            kind: relative_scores(q, k, self.distances, base=self.base, pairing=self.pairing)
            / (np.linalg.norm(q) * np.linalg.norm(k))
            for kind, (q, k) in self.vectors.items()
        }
        if query_position is None:
            query_position = self.max_position // 2
        if key_position is None:
            key_position = self.max_position // 4
        super().__init__({"query_position": query_position, "key_position": key_position})

    def score(self) -> float:
        r"""The random pair's score :math:`(R_m q)\cdot(R_n k)`, computed from rotated vectors."""
        q, k = self.vectors["random"]
        m, n = self.state["query_position"], self.state["key_position"]
        q_m = apply_rope(q[None], [m], base=self.base, pairing=self.pairing)[0]
        k_n = apply_rope(k[None], [n], base=self.base, pairing=self.pairing)[0]
        return float(q_m @ k_n)

    @property
    def relative_distance(self) -> int:
        return self.state["query_position"] - self.state["key_position"]

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        r = self.distances
        q, k = self.vectors["random"]
        raw = self.curves["random"] * np.linalg.norm(q) * np.linalg.norm(k)
        self.ax_score = fig.add_axes((0.08, 0.14, 0.38, 0.72))
        self.ax_kinds = fig.add_axes((0.58, 0.14, 0.40, 0.72))
        ax = self.ax_score
        ax.plot(r, raw, color=KIND_COLORS["random"], lw=1)
        ax.axhline(0, color="#999999", lw=0.8)
        ax.set(xlabel="relative distance m − n", ylabel="score (R_m q)·(R_n k)",
               xlim=(r[0], r[-1]))
        ax.set_title("One random q, k: the score is a function of m − n", fontsize=10.5)
        (self._marker,) = ax.plot([], [], "o", color=OKABE_ITO["black"], ms=7)
        self._dynamic(self._marker)
        self._vline = self._dynamic(ax.axvline(0, color=OKABE_ITO["black"], lw=0.8, ls="--"))

        axk = self.ax_kinds
        self._kind_markers = {}
        for kind in KINDS:
            axk.plot(r, self.curves[kind], color=KIND_COLORS[kind], lw=1.2, label=kind)
            (marker,) = axk.plot([], [], "o", color=KIND_COLORS[kind], ms=6,
                                 markeredgecolor="black")
            self._kind_markers[kind] = self._dynamic(marker)
        axk.axhline(0, color="#999999", lw=0.8)
        axk.set(xlabel="relative distance m − n", ylabel="score / (|q| |k|)",
                xlim=(r[0], r[-1]), ylim=(-1.05, 1.05))
        axk.set_title("Normalised score for three kinds of q, k", fontsize=10.5)
        axk.legend(loc="lower left", fontsize=8.5, ncol=3)
        self._kind_vline = self._dynamic(axk.axvline(0, color=OKABE_ITO["black"], lw=0.8,
                                                     ls="--"))

    def _apply(self, changed: set[str]) -> bool:
        r = self.relative_distance
        index = r + self.max_position
        self._marker.set_data([r], [self.score()])
        self._vline.set_xdata([r, r])
        self._kind_vline.set_xdata([r, r])
        for kind, marker in self._kind_markers.items():
            marker.set_data([r], [self.curves[kind][index]])
        return False

    def readout(self) -> str:
        m, n = self.state["query_position"], self.state["key_position"]
        r = m - n
        index = r + self.max_position
        values = ", ".join(f"{kind} {self.curves[kind][index]:+.3f}" for kind in KINDS)
        return (
            f"m = {m}, n = {n}, m \u2212 n = {r}\n"
            f"random q, k: (R_m q)\u00b7(R_n k) = {self.score():+.4f} "
            f"(the same for every m, n with m \u2212 n = {r})\n"
            f"normalised scores at m \u2212 n = {r}: {values}"
        )

    @property
    def alt_text(self) -> str:
        return (
            "First panel: the RoPE score of one random query and key plotted against the relative"
            " distance m minus n, with a dot at the current positions. Second panel: normalised "
            "scores against relative distance for aligned, random and constant vectors; the "
            "aligned and constant curves fall from 1 with distance, the random curve wanders "
            "around 0."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "relative.js"

    def _twin_data(self) -> dict[str, Any]:
        q, k = self.vectors["random"]
        first, second = pair_slices(self.head_dim, self.pairing)
        return {
            "maxPosition": self.max_position,
            "curves": {kind: np.round(self.curves[kind], 5).tolist() for kind in KINDS},
            "q": [np.round(q[first], 8).tolist(), np.round(q[second], 8).tolist()],
            "k": [np.round(k[first], 8).tolist(), np.round(k[second], 8).tolist()],
            "theta": inv_frequencies(self.head_dim, self.base).tolist(),
            "scale": float(np.linalg.norm(q) * np.linalg.norm(k)),
            "colors": {**KIND_NAMES, "marker": "black"},
        }
