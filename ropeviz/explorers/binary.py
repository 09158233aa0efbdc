r"""Binary vs sinusoidal: the bits of a position jump, their smoothed versions glide.

Bit :math:`k` of position :math:`p` (:func:`ropeviz.binary_encoding`, least significant bit
first) is a square wave of period :math:`2^{k+1}`: it is 1 when
:math:`p \bmod 2^{k+1} \ge 2^k`. Drawn as a step curve whose edges sit half-way between
positions, its fundamental (the first term of its Fourier series) is

.. math:: f_k(p) = \tfrac12 - \tfrac{2}{\pi}\,\sin\!\Big(\frac{\pi\,(p + \tfrac12)}{2^k}\Big),

a sinusoid of the same period (the best-fitting sinusoid to the bits at the integers has the
same phase, with amplitude :math:`2 / (2^{k+1} \sin(\pi / 2^{k+1}))` instead of :math:`2/\pi`).
Because :math:`f_k(p)` is a fixed combination of :math:`\sin(p\,\theta_k)` and
:math:`\cos(p\,\theta_k)` with :math:`\theta_k = \pi / 2^k`, the smooth code of this explorer
keeps, for every bit, that (sin, cos) pair: the sinusoidal code with the bits' periods. It is
not the fundamentals themselves (those are drawn in the wave panel), and it is not smooth at
the fastest pair: with period 2, :math:`\theta_0 = \pi`, sampled once per token, its sine is 0
and its cosine alternates between 1 and -1. What it gains over the bits is uniformity: every
step is the same rotation, so the step from :math:`p-1` to :math:`p` has the same length at
every position (for 8 bits 2.606, longer than all but 3 of the bits' 255 steps: uniform, not
small). (With a ``base``, it is instead the book's sinusoidal code
:func:`ropeviz.sinusoidal_encoding` of width ``2 * bits``.)

The explorer shows the same position three ways: the bits and the smooth code as rows of
cells; the size of the step from :math:`p-1` to :math:`p` in both codes over every position (the
bits jump at multiples of powers of two, the smooth code moves by the same distance at every
step); and the lowest bits as square waves over 64 positions with their fundamentals overlaid.
Those bits repeat every 32 positions, so beyond 64 the wave panel marks :math:`p \bmod 64`: the
figure never changes its axes, and a slider move only redraws the few moving artists.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

from .._checks import check_base, check_positive_int
from ..plotting import DIVERGING_CMAP, OKABE_ITO
from ._base import Control, Explorer
from ._frames import colormap_table

__all__ = ["BinarySinusoidalExplorer", "MAX_BITS", "MAX_POSITIONS", "bit_fundamental"]

MAX_BITS = 32
"""The most bits the explorer draws (one column of cells per bit)."""

MAX_POSITIONS = 4096
"""The most positions the explorer offers (the step panel draws one stem per position)."""

WINDOW = 64
"""Positions shown by the wave panel (a multiple of ``2**WAVES``, so the waves repeat in it)."""

WAVES = 5
"""How many of the lowest bits are drawn as waves."""

_SPACING = 1.5  # vertical distance between two waves
_SAMPLES_PER_TOKEN = 16  # resolution of the smooth curves


def bit_fundamental(positions: Any, k: int) -> np.ndarray:
    r"""The fundamental of bit :math:`k`: :math:`\frac12 - \frac2\pi \sin(\pi(p+\frac12)/2^k)`.

    Args:
        positions: positions :math:`p` (any shape; real values give the continuous curve).
        k: the bit (0 is the least significant).

    Returns:
        float64 array of the shape of ``positions``.
    """
    p = np.asarray(positions, dtype=np.float64)
    return 0.5 - (2.0 / np.pi) * np.sin(np.pi * (p + 0.5) / 2.0**k)


class BinarySinusoidalExplorer(Explorer):
    r"""A position slider over the binary code and a smooth (sinusoidal) code of the same periods.

    Args:
        bits: number of bits, ``1 <= bits <= 32``.
        num_positions: positions ``0 .. num_positions - 1``; at most ``2**bits`` so that every
            code is unique (as in :func:`ropeviz.binary_encoding`), and at most 4096.
        position: initial position :math:`p`.
        base: ``None`` (default) gives pair :math:`k` of the smooth code the period of bit
            :math:`k`, :math:`\theta_k = \pi / 2^k`; a number uses the book's sinusoidal schedule
            :math:`\theta_k = \text{base}^{-k/\text{bits}}` instead (that is,
            :func:`ropeviz.sinusoidal_encoding` with ``dim = 2 * bits``).

    Example::

        explorer = BinarySinusoidalExplorer(bits=8, position=31)
        explorer.update(position=32)     # six bits flip; the smooth code moves as much as ever
    """

    kind = "binary"
    title = "Binary vs sinusoidal positions"
    panels = (("code", "Bits of position p and the smooth code as cells"),
              ("steps", "Step size from p minus 1 to p at every position"),
              ("waves", "The lowest bits as square waves with their fundamentals"))

    def __init__(
        self,
        bits: int = 8,
        *,
        num_positions: int = 256,
        position: int = 5,
        base: float | None = None,
    ):
        self.bits = check_positive_int(bits, "bits")
        if self.bits > MAX_BITS:
            raise ValueError(f"bits must be an integer in [1, {MAX_BITS}], got {bits}")
        self.num_positions = check_positive_int(num_positions, "num_positions")
        if self.num_positions > 2**self.bits:
            raise ValueError(
                f"num_positions must be at most 2**bits = {2**self.bits} for unique "
                f"{self.bits}-bit codes, got {num_positions}"
            )
        if self.num_positions > MAX_POSITIONS:
            raise ValueError(
                f"num_positions must be at most {MAX_POSITIONS} in this explorer, "
                f"got {num_positions}"
            )
        self.base = None if base is None else check_base(base)
        k = np.arange(self.bits, dtype=np.float64)
        self.theta = np.pi / 2.0**k if self.base is None else self.base ** (-k / self.bits)
        """Angular frequency of pair k of the smooth code (rad/token), shape ``(bits,)``."""
        self.window = min(WINDOW, self.num_positions)
        self.waves = min(WAVES, self.bits)
        self.controls = (Control("position", "position p", 0, self.num_positions - 1),)
        super().__init__({"position": position})

    # -- the codes ---------------------------------------------------------------------------
    def bit_vector(self, position: int | None = None) -> np.ndarray:
        """Bits of ``position`` (default: the current one), LSB first; shape ``(bits,)``.

        Equal to row ``position`` of ``binary_encoding(num_positions, bits)``.
        """
        p = self.state["position"] if position is None else int(position)
        return np.array([(p >> k) & 1 for k in range(self.bits)], dtype=np.float64)

    def smooth_code(self, position: int | None = None) -> np.ndarray:
        r"""The smooth code of ``position``: :math:`\sin p\theta_k` in column 2k, cos in 2k+1.

        Returns:
            float64 array of shape ``(2 * bits,)``.
        """
        p = self.state["position"] if position is None else int(position)
        code = np.empty(2 * self.bits)
        code[0::2] = np.sin(p * self.theta)
        code[1::2] = np.cos(p * self.theta)
        return code

    def flipped(self, position: int | None = None) -> list[int]:
        """The bits that differ between ``position - 1`` and ``position`` (none at position 0)."""
        p = self.state["position"] if position is None else int(position)
        if p == 0:
            return []
        change = p ^ (p - 1)
        return [k for k in range(self.bits) if (change >> k) & 1]

    def smooth_jump(self, position: int | None = None) -> float:
        """Euclidean distance between the smooth codes of ``position - 1`` and ``position``."""
        p = self.state["position"] if position is None else int(position)
        if p == 0:
            return float("nan")
        total = 0.0
        for theta in self.theta:
            total += (math.sin(p * theta) - math.sin((p - 1) * theta)) ** 2
            total += (math.cos(p * theta) - math.cos((p - 1) * theta)) ** 2
        return math.sqrt(total)

    def wave_x(self) -> int:
        """Where the wave panel marks ``position``: ``position mod window`` (the waves repeat)."""
        return self.state["position"] % self.window

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig, b, L = self.figure, self.bits, self.waves
        blue, orange, red = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermillion"]

        ax = self.ax_code = fig.add_axes((0.085, 0.58, 0.37, 0.27))
        self._bit_image = self._dynamic(ax.imshow(
            np.zeros((1, b)), cmap=ListedColormap(["#ffffff", blue]), vmin=0, vmax=1,
            extent=(-0.5, b - 0.5, 0.5, -0.5), interpolation="nearest"))
        self._smooth_image = self._dynamic(ax.imshow(
            np.zeros((2, b)), cmap=DIVERGING_CMAP, vmin=-1, vmax=1,
            extent=(-0.5, b - 0.5, 2.5, 0.5), interpolation="nearest"))
        grid = [[(x, -0.5), (x, 2.5)] for x in np.arange(b + 1) - 0.5]
        grid += [[(-0.5, y), (b - 0.5, y)] for y in (-0.5, 0.5, 1.5, 2.5)]
        self._grid = self._dynamic(LineCollection(grid, colors="#777777", linewidths=0.8))
        ax.add_collection(self._grid)
        self._flips = self._dynamic(LineCollection([], colors=red, linewidths=2.6))
        ax.add_collection(self._flips)
        ax.set(xlim=(-0.5, b - 0.5), ylim=(2.5, -0.5), aspect="equal")
        ax.set_anchor("W")
        step = math.ceil(b / 16)
        ax.set_xticks(range(0, b, step))
        ax.set_yticks((0, 1, 2), ("bit k", "sin p\u03b8_k", "cos p\u03b8_k"))
        ax.set_xlabel("k (least significant first)", labelpad=1)
        ax.set_title("Bits of p (filled = 1, flips from p\u22121 outlined)\nand the smooth "
                     "code, pair k under bit k", fontsize=10.5, loc="left")
        ax.tick_params(labelsize=8, length=2)

        axj = self.ax_jump = fig.add_axes((0.085, 0.12, 0.37, 0.25))
        n = self.num_positions
        steps = np.arange(1, n)
        heights = np.sqrt([len(self.flipped(q)) for q in steps])
        self._stems = LineCollection(
            np.stack([np.c_[steps, 0 * heights], np.c_[steps, heights]], axis=1),
            colors=blue, linewidths=2.0 if n <= 64 else 1.0 if n <= 256 else 0.5,
            label="bits: \u221a(bits flipped)")
        axj.add_collection(self._stems)
        (self._flat,) = axj.plot(steps, [self.smooth_jump(q) for q in steps], color=orange,
                                 lw=2, label="smooth code")
        axj.set_xlim(-0.5, n - 0.5)
        axj.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        # Tallest step: at the largest power of two below num_positions, for the bits.
        top = max(math.sqrt((n - 1).bit_length()), self.smooth_jump(1)) if n > 1 else 1.0
        axj.set_ylim(0, 1.5 * top + 0.3)  # headroom for the legend
        axj.set_xlabel("position p", labelpad=1)
        axj.set_ylabel("\u2016code(p) \u2212 code(p\u22121)\u2016", fontsize=9)
        axj.set_title("Step size from p\u22121 to p", fontsize=10.5, loc="left")
        axj.tick_params(labelsize=8)
        axj.legend(loc="upper right", fontsize=8, frameon=False, ncol=2, borderaxespad=0.3,
                   handlelength=1.2, columnspacing=1.0)
        (self._jump_marker,) = axj.plot([], [], color=red, lw=1.5)
        (self._jump_dots,) = axj.plot([], [], "o", color=OKABE_ITO["black"], ms=5)
        self._dynamic(self._jump_marker)
        self._dynamic(self._jump_dots)

        axw = self.ax_waves = fig.add_axes((0.56, 0.12, 0.42, 0.73))
        self._steps, self._curves = [], []
        for k in range(L):
            (step_line,) = axw.plot([], [], color=blue, lw=1.6, drawstyle="steps-mid")
            (curve,) = axw.plot([], [], color=orange, lw=1.8)
            self._steps.append(step_line)
            self._curves.append(curve)
        axw.set_yticks([self._offset(k) + 0.5 for k in range(L)],
                       [f"bit {k}" for k in range(L)])
        axw.set_ylim(-0.45, self._offset(0) + 1.45)
        positions = np.arange(self.window)
        fine = np.linspace(-0.5, self.window - 0.5, self.window * _SAMPLES_PER_TOKEN + 1)
        for k in range(L):
            self._steps[k].set_data(positions, ((positions >> k) & 1) + self._offset(k))
            self._curves[k].set_data(fine, bit_fundamental(fine, k) + self._offset(k))
        axw.set_xlim(-0.5, self.window - 0.5)
        axw.set_xticks(range(0, self.window, max(1, self.window // 8)))
        axw.set_xlabel("position p" if n <= self.window else
                       f"position p mod {self.window} (bits 0\u2013{L - 1} repeat every {2**L})")
        axw.set_title("Lowest bits: square waves, period 2^(k+1),\n"
                      "and fundamentals 1/2 \u2212 (2/\u03c0)\u00b7sin(\u03c0(p+1/2)/2^k)",
                      fontsize=10.5)
        axw.tick_params(labelsize=8)
        (self._wave_marker,) = axw.plot([], [], color=red, lw=1.5)
        (self._wave_dots,) = axw.plot([], [], "o", color=OKABE_ITO["black"], ms=5)
        self._dynamic(self._wave_marker)
        self._dynamic(self._wave_dots)

    def _offset(self, k: int) -> float:
        """Vertical offset of bit ``k``'s wave (bit 0 on top)."""
        return (self.waves - 1 - k) * _SPACING

    def _apply(self, changed: set[str]) -> bool:
        p = self.state["position"]
        self._bit_image.set_data(self.bit_vector()[None, :])
        code = self.smooth_code()
        self._smooth_image.set_data(np.stack([code[0::2], code[1::2]]))
        self._flips.set_segments([
            [(k - 0.45, -0.45), (k + 0.45, -0.45), (k + 0.45, 0.45), (k - 0.45, 0.45),
             (k - 0.45, -0.45)] for k in self.flipped()
        ])
        low, high = self.ax_waves.get_ylim()
        x = self.wave_x()
        self._wave_marker.set_data((x, x), (low, high))
        self._wave_dots.set_data([x] * self.waves,
                                 [((p >> k) & 1) + self._offset(k) for k in range(self.waves)])
        low, high = self.ax_jump.get_ylim()
        self._jump_marker.set_data((p, p), (low, high))
        if p > 0:
            self._jump_dots.set_data((p, p), (math.sqrt(len(self.flipped())), self.smooth_jump()))
        else:
            self._jump_dots.set_data((), ())
        return False

    def readout(self) -> str:
        p, b = self.state["position"], self.bits
        bits = self.bit_vector().astype(int)
        lines = [f"p = {p} = 0b{p:0{b}b}; bits LSB first (k = 0, 1, ...): "
                 + " ".join(str(v) for v in bits)]
        if p == 0:
            lines.append("p = 0 is the first position: no step from p\u22121")
        else:
            flipped = self.flipped()
            lines.append(
                f"from p\u22121 = {p - 1}: bit{'s' if len(flipped) > 1 else ''} "
                f"{', '.join(str(k) for k in flipped)} flipped (Hamming distance {len(flipped)}),"
                f" bit-code jump \u221a{len(flipped)} = {math.sqrt(len(flipped)):.3f}; "
                f"smooth-code jump {self.smooth_jump():.3f} (the same length at every step)"
            )
        if self.base is None:
            lines.append("smooth code: (sin p\u03b8_k, cos p\u03b8_k) with \u03b8_k = \u03c0/2^k, "
                         "the period 2^(k+1) of bit k; pair 0 (period 2) only alternates: "
                         "sin = 0, cos = \u00b11")
        else:
            lines.append(f"smooth code: sinusoidal_encoding with dim = {2 * b}, base = "
                         f"{self.base:g}: (sin p\u03b8_k, cos p\u03b8_k), "
                         f"\u03b8_k = base^(-k/{b})")
        where = "" if self.num_positions <= self.window else (
            f", marked at p mod {self.window} = {self.wave_x()}")
        lines.append("waves: bit k (steps) and its fundamental "
                     f"1/2 \u2212 (2/\u03c0)\u00b7sin(\u03c0(p+1/2)/2^k) (smooth){where}")
        return "\n".join(lines)

    @property
    def alt_text(self) -> str:
        return (
            "First panel: the bits of position p as a row of filled or empty squares, least "
            "significant first, with the bits that flipped since p-1 outlined, and below them the"
            " smooth code's sine and cosine rows coloured from blue (-1) to red (+1). Second "
            "panel: the size of the step from p-1 to p at every position, spikes at multiples of "
            "powers of two for the bits and a flat line for the smooth code, whose step has the "
            "same length at every position, with a marker at p. Third panel: the lowest bits as "
            "square waves of period 2^(k+1) over 64 positions with their fundamental sinusoids "
            "1/2 - (2/pi) sin(pi (p + 1/2) / 2^k) overlaid and a vertical marker at p (at p mod "
            "64 beyond 64, since these bits repeat)."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "binary.js"

    def _twin_data(self) -> dict[str, Any]:
        return {
            "bits": self.bits,
            "num_positions": self.num_positions,
            "base": self.base,
            "base_label": None if self.base is None else f"{self.base:g}",
            "window": self.window,
            "waves": self.waves,
            "spacing": _SPACING,
            "waves_xlabel": self.ax_waves.get_xlabel(),
            "lut": colormap_table(DIVERGING_CMAP),
            "colors": {"on": "blue", "step": "blue", "smooth": "orange", "marker": "vermillion",
                       "dot": "black"},
        }
