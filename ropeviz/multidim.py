r"""RoPE beyond one dimension: image patches (axial and mixed 2-D RoPE) and M-RoPE.

One-dimensional RoPE turns pair :math:`i` by :math:`m\,\theta_i`. In two dimensions a token has a
position :math:`p = (p_x, p_y)` and pair :math:`i` turns by

.. math:: \phi_i(p) = p_x\,\theta^x_i + p_y\,\theta^y_i = p \cdot \omega_i ,

a plane wave whose wave vector :math:`\omega_i = (\theta^x_i, \theta^y_i)` is the pair's
*frequency vector*. Because the angle is linear in the position, the score of a query at
:math:`p` and a key at :math:`p'` depends only on :math:`p - p'`, exactly as in 1-D.

* **Axial** 2-D RoPE (Heo et al. 2024, "RoPE-Axial"): half the pairs have
  :math:`\omega_i` along :math:`x`, the other half along :math:`y`, with magnitudes
  :math:`\text{base}^{-4t/d}`, :math:`t = 0, \dots, d/4 - 1` (base 100 in their ViTs);
* **Mixed** 2-D RoPE (Heo et al. 2024, "RoPE-Mixed"): any :math:`\omega_i`, learned per head;
  initialised as the axial magnitudes (base 10) turned by a random angle, so pairs can follow
  diagonal directions;
* **M-RoPE** (Qwen2-VL, Wang et al. 2024): positions are 3-D (temporal, height, width) and
  contiguous *sections* of the pairs follow one axis each, with the ordinary 1-D frequencies.
  A text token gets the same index on all three axes, so M-RoPE reduces to 1-D RoPE.

Every function takes NumPy arrays or torch tensors and returns the type it was given; the
pairings are those of :func:`ropeviz.apply_rope`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._checks import (
    as_numpy,
    check_base,
    check_head_dim,
    check_pairing,
    check_positive_int,
    check_real_finite,
)
from .rope import _check_rope_input, inv_frequencies, rotate_pairs

if TYPE_CHECKING:
    import torch

ArrayT = TypeVar("ArrayT", np.ndarray, "torch.Tensor")

__all__ = [
    "patch_positions",
    "axial_frequencies",
    "mixed_frequencies",
    "axial_rope_2d",
    "mixed_rope_2d",
    "mrope",
    "mrope_positions",
]


def _check_head_dim_4(head_dim: Any, name: str = "head_dim") -> int:
    head_dim = check_head_dim(head_dim, name)
    if head_dim % 4:
        raise ValueError(
            f"{name} must be a multiple of 4 for 2-D RoPE (d/4 pairs per axis), got {head_dim}"
        )
    return head_dim


def patch_positions(height: int, width: int) -> np.ndarray:
    r"""The :math:`(x, y)` grid position of every patch of an image, in raster order.

    Patch :math:`n` (counted row by row) is at :math:`x = n \bmod W`, :math:`y = \lfloor n/W
    \rfloor`, as in Heo et al.'s ``init_t_xy``.

    Args:
        height: :math:`H`, patches per column.
        width: :math:`W`, patches per row.

    Returns:
        int64 array of shape ``(height * width, 2)``: column 0 is :math:`x`, column 1 is
        :math:`y`.
    """
    height = check_positive_int(height, "height")
    width = check_positive_int(width, "width")
    n = np.arange(height * width)
    return np.stack([n % width, n // width], axis=1)


def axial_frequencies(head_dim: int, base: float = 100.0) -> np.ndarray:
    r"""Frequency vectors of axial 2-D RoPE, shape ``(2, head_dim // 2)``.

    Row 0 holds :math:`\theta^x_i`, row 1 :math:`\theta^y_i`. Pairs :math:`0 \dots d/4 - 1`
    follow :math:`x` with :math:`\theta^x_t = \text{base}^{-4t/d}`; pairs
    :math:`d/4 \dots d/2 - 1` follow :math:`y` with the same magnitudes.

    Args:
        head_dim: :math:`d`, a positive multiple of 4.
        base: frequency base (100 in Heo et al.'s axial ViTs).
    """
    head_dim = _check_head_dim_4(head_dim)
    base = check_base(base)
    magnitude = base ** (-np.arange(0, head_dim, 4, dtype=np.float64) / head_dim)
    zeros = np.zeros_like(magnitude)
    return np.stack([np.concatenate([magnitude, zeros]), np.concatenate([zeros, magnitude])])


def mixed_frequencies(head_dim: int, base: float = 10.0, angle: float = 0.0) -> np.ndarray:
    r"""RoPE-Mixed's initial frequency vectors, shape ``(2, head_dim // 2)``.

    Heo et al.'s ``init_random_2d_freqs`` for one head: magnitudes
    :math:`\text{base}^{-4t/d}`; the first :math:`d/4` pairs point in the direction
    ``angle``, the last :math:`d/4` in ``angle`` :math:`+ \pi/2`. The paper draws ``angle``
    uniformly at random per head and then *learns* the vectors. With ``angle = 0`` (and the
    same base) these are the axial frequencies.

    Args:
        head_dim: :math:`d`, a positive multiple of 4.
        base: magnitude base (10 in Heo et al.'s mixed ViTs).
        angle: direction of the first half, in radians.

    Returns:
        float64 array: row 0 is :math:`\theta^x_i`, row 1 is :math:`\theta^y_i`.
    """
    head_dim = _check_head_dim_4(head_dim)
    base = check_base(base)
    if isinstance(angle, bool) or not isinstance(angle, numbers.Real) or not np.isfinite(angle):
        raise ValueError(f"angle must be a finite number (radians), got {angle!r}")
    magnitude = base ** (-np.arange(0, head_dim, 4, dtype=np.float64) / head_dim)
    directions = np.concatenate([np.full_like(magnitude, float(angle)),
                                 np.full_like(magnitude, float(angle) + np.pi / 2)])
    both = np.concatenate([magnitude, magnitude])
    return np.stack([both * np.cos(directions), both * np.sin(directions)])


def _check_x(x: Any) -> tuple[Any, tuple[int, ...]]:
    x, shape, _ = _check_rope_input(x)
    return x, shape


def _check_positions(positions: Any, x_shape: tuple[int, ...], axes: int, name: str) -> np.ndarray:
    """Float64 positions of shape ``(..., axes)`` whose leading shape broadcasts to x's."""
    pos = check_real_finite(as_numpy(positions, name), name).astype(np.float64)
    expected = f"(..., seq, {axes}) broadcastable to x.shape[:-1] + ({axes},)"
    if pos.ndim < 1 or pos.shape[-1] != axes:
        raise ValueError(f"{name} must have shape {expected}, got shape {pos.shape}")
    try:
        broadcast = np.broadcast_shapes(pos.shape[:-1], x_shape[:-1])
    except ValueError:
        broadcast = None
    if broadcast != tuple(x_shape[:-1]):
        raise ValueError(
            f"{name} must have shape {expected} = {tuple(x_shape[:-1]) + (axes,)}, "
            f"got shape {pos.shape}"
        )
    return pos


def mixed_rope_2d(
    x: ArrayT,
    xy_positions: Any,
    frequencies: Any,
    *,
    pairing: str = "interleaved",
) -> ArrayT:
    r"""2-D RoPE with any frequency vectors: pair :math:`i` turns by :math:`p_x\theta^x_i +
    p_y\theta^y_i`.

    Args:
        x: queries or keys, shape ``(..., seq, head_dim)``.
        xy_positions: the :math:`(x, y)` position of every token, shape ``(..., seq, 2)``
            whose leading shape broadcasts to ``x.shape[:-1]`` (``(seq, 2)`` for one image;
            see :func:`patch_positions`).
        frequencies: shape ``(2, head_dim // 2)``: row 0 :math:`\theta^x_i`, row 1
            :math:`\theta^y_i` (:func:`mixed_frequencies`, :func:`axial_frequencies`, or learned
            values; a torch tensor is read as its current values).
        pairing: ``"interleaved"`` (Heo et al.'s layout) or ``"half"``.

    Returns:
        The rotated array, shape ``(..., seq, head_dim)``, of the same type as ``x``.
    """
    x, shape = _check_x(x)
    pairing = check_pairing(pairing)
    freqs = check_real_finite(as_numpy(frequencies, "frequencies"), "frequencies")
    if freqs.shape != (2, shape[-1] // 2):
        raise ValueError(
            f"frequencies must have shape (2, head_dim // 2) = (2, {shape[-1] // 2}), "
            f"got shape {freqs.shape}"
        )
    pos = _check_positions(xy_positions, shape, 2, "xy_positions")
    angles = pos @ freqs.astype(np.float64)  # (..., seq, d/2)
    return rotate_pairs(x, angles, pairing)


def axial_rope_2d(
    x: ArrayT,
    xy_positions: Any,
    base: float = 100.0,
    *,
    pairing: str = "interleaved",
) -> ArrayT:
    r"""Axial 2-D RoPE: the first half of the pairs turn with :math:`x`, the second with :math:`y`.

    Pair :math:`t < d/4` turns by :math:`p_x\,\text{base}^{-4t/d}`, pair :math:`d/4 + t` by
    :math:`p_y\,\text{base}^{-4t/d}` (Heo et al.'s ``compute_axial_cis``). The score of a query
    at :math:`p` and a key at :math:`p'` is a function of :math:`p_x - p'_x` (from the first
    half) *plus* a function of :math:`p_y - p'_y` (from the second half).

    Args:
        x: queries or keys, shape ``(..., seq, head_dim)`` with ``head_dim`` a multiple of 4.
        xy_positions: shape ``(..., seq, 2)``, as in :func:`mixed_rope_2d`.
        base: frequency base (100 in Heo et al.'s axial ViTs).
        pairing: ``"interleaved"`` or ``"half"``.

    Returns:
        The rotated array, shape ``(..., seq, head_dim)``, of the same type as ``x``.
    """
    x, shape = _check_x(x)
    head_dim = _check_head_dim_4(shape[-1], "head_dim (x.shape[-1])")
    return mixed_rope_2d(x, xy_positions, axial_frequencies(head_dim, base), pairing=pairing)


def _check_sections(sections: Any, head_dim: int) -> tuple[int, int, int]:
    try:
        values = tuple(sections)
    except TypeError:
        values = ()
    if len(values) != 3 or any(
        isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 for v in values
    ):
        raise ValueError(
            f"sections must be three non-negative integers (temporal, height, width), "
            f"got {sections!r}"
        )
    if sum(values) != head_dim // 2:
        raise ValueError(
            f"sections must add up to head_dim // 2 = {head_dim // 2} pairs, got {list(values)} "
            f"(sum {sum(values)})"
        )
    return tuple(int(v) for v in values)  # type: ignore[return-value]


def mrope(
    x: ArrayT,
    positions: Any,
    sections: Sequence[int],
    base: float = 1_000_000.0,
    *,
    pairing: str = "half",
) -> ArrayT:
    r"""Multimodal RoPE (M-RoPE, Qwen2-VL): sections of the pairs follow t, h and w positions.

    Pair :math:`i` keeps its 1-D frequency :math:`\theta_i = \text{base}^{-2i/d}`; the first
    ``sections[0]`` pairs turn with the temporal index, the next ``sections[1]`` with the
    height index, the last ``sections[2]`` with the width index. For a text token all three
    indices are equal, so this is exactly :func:`ropeviz.apply_rope` at that index.

    Args:
        x: queries or keys, shape ``(..., seq, head_dim)``.
        positions: :math:`(t, h, w)` of every token, shape ``(..., seq, 3)`` broadcastable to
            ``x.shape[:-1] + (3,)`` (see :func:`mrope_positions`).
        sections: pairs per axis, three non-negative integers adding up to ``head_dim // 2``
            (Qwen2-VL's ``mrope_section``, e.g. ``(16, 24, 24)`` for ``head_dim = 128``).
        base: frequency base (Qwen2-VL's ``rope_theta`` is 1 000 000).
        pairing: ``"half"`` (Hugging Face's Qwen2-VL, the default) or ``"interleaved"``.

    Returns:
        The rotated array, shape ``(..., seq, head_dim)``, of the same type as ``x``.
    """
    x, shape = _check_x(x)
    head_dim = shape[-1]
    pairing = check_pairing(pairing)
    counts = _check_sections(sections, head_dim)
    pos = _check_positions(positions, shape, 3, "positions")
    axis_of_pair = np.repeat(np.arange(3), counts)  # (d/2,)
    angles = pos[..., axis_of_pair] * inv_frequencies(head_dim, base)
    return rotate_pairs(x, angles, pairing)


def mrope_positions(segments: Sequence[tuple[str, Any]]) -> np.ndarray:
    r"""Qwen2-VL's 3-D position ids for a sequence of text, image and video segments.

    * ``("text", n)``: ``n`` tokens, each at :math:`(m, m, m)`, counting on from the segment
      before;
    * ``("image", (h, w))``: an :math:`h \times w` grid of tokens (after patch merging) in raster
      order, at :math:`(s, s + \text{row}, s + \text{col})` where :math:`s` is the next free
      index;
    * ``("video", (t, h, w))``: :math:`t` such grids, one per *temporal patch* (two frames in
      Qwen2-VL, ``temporal_patch_size = 2``), grid :math:`f` at temporal index :math:`s + f`.
      Qwen2.5-VL scales the temporal step by the video's time instead
      (``second_per_grid_ts * tokens_per_second``), which this function does not model.

    After every segment the next one starts at one more than the largest index used so far, as
    in Qwen2-VL's original code; Hugging Face's ``get_rope_index`` (transformers 5.15 to 5.23)
    agrees for text and images but continues after a video at :math:`s + \max(h, w)`
    (chapter 10 shows the difference).

    Args:
        segments: ``(kind, size)`` pairs as above.

    Returns:
        int64 array of shape ``(total_tokens, 3)``: columns temporal, height, width.
    """
    if isinstance(segments, (str, bytes)) or not isinstance(segments, Sequence) or not segments:
        raise ValueError(f"segments must be a non-empty list of (kind, size) pairs, got "
                         f"{segments!r}")
    blocks = []
    start = 0
    for segment in segments:
        if not (isinstance(segment, tuple) and len(segment) == 2):
            raise ValueError(f"segments must hold (kind, size) pairs, got {segment!r}")
        kind, size = segment
        if kind == "text":
            n = check_positive_int(size, "segments (text size)")
            m = start + np.arange(n)
            block = np.stack([m, m, m], axis=1)
        elif kind in ("image", "video"):
            dims = (1, *size) if kind == "image" and isinstance(size, tuple) else size
            if not (isinstance(dims, tuple) and len(dims) == 3):
                expected = "(h, w)" if kind == "image" else "(t, h, w)"
                raise ValueError(f"segments ({kind} size) must be {expected}, got {size!r}")
            t, h, w = (check_positive_int(v, f"segments ({kind} size)") for v in dims)
            tt, hh, ww = np.meshgrid(np.arange(t), np.arange(h), np.arange(w), indexing="ij")
            block = start + np.stack([tt.ravel(), hh.ravel(), ww.ravel()], axis=1)
        else:
            raise ValueError(
                f"segments kind must be 'text', 'image' or 'video', got {kind!r}"
            )
        blocks.append(block)
        start = int(block.max()) + 1
    return np.concatenate(blocks).astype(np.int64)
