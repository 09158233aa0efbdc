r"""Rotary position embedding (RoPE): frequencies, angles, the rotation and its matrix.

Notation (shared by the whole book): a head of dimension :math:`d` is split into :math:`d/2`
pairs; pair :math:`i` rotates by the angle :math:`m\,\theta_i` at position :math:`m`, with

.. math:: \theta_i = \text{base}^{-2i/d}, \qquad i = 0, \dots, d/2 - 1 .

The rotation is counter-clockwise: a pair :math:`(a, b)` becomes
:math:`(a\cos\phi - b\sin\phi,\; a\sin\phi + b\cos\phi)`.

Two layouts say which dimensions form a pair:

* ``"interleaved"``: pair :math:`i` is dimensions :math:`(2i, 2i+1)` (RoFormer, Meta's Llama,
  GPT-J, torchtune, rotary-embedding-torch);
* ``"half"``: pair :math:`i` is dimensions :math:`(i, i + d/2)` (Hugging Face ``rotate_half``,
  GPT-NeoX).

Every function takes NumPy arrays or torch tensors and returns the type it was given. Angles
are always computed in float64 and only then cast to the data's dtype, so large positions keep
their precision (chapter 6 measures what float32 and bfloat16 angles lose).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._checks import (
    as_numpy,
    check_base,
    check_head_dim,
    check_pairing,
    check_real_array,
    check_real_finite,
    is_torch,
)

if TYPE_CHECKING:
    import torch

ArrayT = TypeVar("ArrayT", np.ndarray, "torch.Tensor")

__all__ = [
    "inv_frequencies",
    "wavelengths",
    "rope_angles",
    "pair_slices",
    "pairing_permutation",
    "apply_rope",
    "rope_matrix",
    "rotate_cos_sin",
    "rotate_pairs",
]


def inv_frequencies(head_dim: int, base: float = 10_000.0) -> np.ndarray:
    r"""Angular frequency of every pair, :math:`\theta_i = \text{base}^{-2i/d}` in rad/token.

    Args:
        head_dim: :math:`d`, a positive even integer.
        base: the base of the geometric schedule (``rope_theta`` in Hugging Face configs).

    Returns:
        float64 array of shape ``(head_dim // 2,)``, from 1 (pair 0, the fastest) down to
        :math:`\text{base}^{-(d-2)/d}` (the slowest pair).
    """
    head_dim = check_head_dim(head_dim)
    base = check_base(base)
    exponents = np.arange(0, head_dim, 2, dtype=np.float64) / head_dim
    return base ** (-exponents)


def wavelengths(head_dim: int, base: float = 10_000.0) -> np.ndarray:
    r"""Tokens per full turn of every pair, :math:`\lambda_i = 2\pi/\theta_i`; shape ``(head_dim // 2,)``."""
    return 2.0 * np.pi / inv_frequencies(head_dim, base)


def rope_angles(positions: Any, head_dim: int, base: float = 10_000.0) -> np.ndarray:
    r"""The angle :math:`m\,\theta_i` of every pair at every position.

    Args:
        positions: integer or float positions, any shape ``P``.
        head_dim: :math:`d`.
        base: frequency base.

    Returns:
        float64 NumPy array of shape ``P + (head_dim // 2,)``.
    """
    pos = check_real_finite(as_numpy(positions, "positions"), "positions").astype(np.float64)
    return pos[..., None] * inv_frequencies(head_dim, base)


def pair_slices(head_dim: int, pairing: str = "interleaved") -> tuple[slice, slice]:
    """Slices selecting the first and the second member of every pair.

    ``x[..., first]`` and ``x[..., second]`` both have shape ``(..., head_dim // 2)``; entry ``i``
    of each belongs to pair ``i``.
    """
    head_dim = check_head_dim(head_dim)
    if check_pairing(pairing) == "interleaved":
        return slice(0, head_dim, 2), slice(1, head_dim, 2)
    half = head_dim // 2
    return slice(0, half), slice(half, head_dim)


def pairing_permutation(head_dim: int) -> np.ndarray:
    """The fixed permutation that turns the interleaved layout into the half layout.

    With ``perm = pairing_permutation(d)``, ``x[..., perm]`` moves dimensions ``(2i, 2i+1)`` to
    ``(i, i + d/2)``, and for every ``x`` and position::

        apply_rope(x[..., perm], pairing="half") == apply_rope(x, pairing="interleaved")[..., perm]

    ``np.argsort(perm)`` is the inverse (half to interleaved).

    Returns:
        int64 array of shape ``(head_dim,)``: ``[0, 2, 4, ..., d-2, 1, 3, ..., d-1]``.
    """
    head_dim = check_head_dim(head_dim)
    return np.concatenate([np.arange(0, head_dim, 2), np.arange(1, head_dim, 2)])


def _positions_for(x_shape: tuple[int, ...], positions: Any) -> np.ndarray:
    """Validated float64 positions broadcastable to ``x_shape[:-1]`` (default ``0..seq-1``)."""
    if positions is None:
        return np.arange(x_shape[-2], dtype=np.float64)
    pos = check_real_finite(as_numpy(positions, "positions"), "positions").astype(np.float64)
    try:
        broadcast = np.broadcast_shapes(pos.shape, x_shape[:-1])
    except ValueError:
        broadcast = None
    if broadcast != tuple(x_shape[:-1]):
        raise ValueError(
            f"positions must broadcast to x.shape[:-1] = {tuple(x_shape[:-1])} (for example "
            f"shape ({x_shape[-2]},) for one position per token), got shape {pos.shape}"
        )
    return pos


def apply_rope(
    x: ArrayT,
    positions: Any = None,
    *,
    base: float = 10_000.0,
    pairing: str = "interleaved",
) -> ArrayT:
    r"""Rotate every pair of the last axis of ``x`` by its position times its frequency.

    Pair :math:`i` of the token at position :math:`m` is turned counter-clockwise by
    :math:`m\,\theta_i`: :math:`(a, b) \mapsto (a\cos m\theta_i - b\sin m\theta_i,\;
    a\sin m\theta_i + b\cos m\theta_i)`.

    Args:
        x: queries or keys, shape ``(..., seq, head_dim)``; a NumPy array or a torch tensor.
        positions: the position of every token. ``None`` means ``0, 1, ..., seq - 1``. Otherwise
            integer or float positions whose shape broadcasts to ``x.shape[:-1]``: ``(seq,)``
            for one position per token (``offset + arange(seq)`` for a KV cache), a scalar, or
            e.g. ``(batch, 1, seq)`` for per-sequence positions.
        base: frequency base, :math:`\theta_i = \text{base}^{-2i/d}`.
        pairing: ``"interleaved"`` (pairs ``(2i, 2i+1)``) or ``"half"`` (pairs ``(i, i+d/2)``).

    Returns:
        The rotated array, shape ``(..., seq, head_dim)``, of the same type as ``x``, on the same
        device, with ``x``'s floating dtype (integer input gives float64 / torch's default float).

    Raises:
        ValueError: ``x`` has fewer than 2 axes or an odd last axis, ``base`` is not a finite
            positive number, ``pairing`` is unknown, or ``positions`` is non-finite or does not
            broadcast to ``x.shape[:-1]``.
    """
    x, shape, head_dim = _check_rope_input(x)
    angles = _positions_for(shape, positions)[..., None] * inv_frequencies(head_dim, base)
    return rotate_pairs(x, angles, pairing)


def _check_rope_input(x: Any) -> tuple[Any, tuple[int, ...], int]:
    """Validated ``x`` of shape ``(..., seq, head_dim)``: (x, its shape, head_dim)."""
    x = check_real_array(x, "x")
    shape = tuple(x.shape)
    if len(shape) < 2:
        raise ValueError(
            f"x must have shape (..., seq, head_dim), got shape {shape}; "
            "for a single vector use x[None, :]"
        )
    return x, shape, check_head_dim(shape[-1], name="head_dim (x.shape[-1])")


def rotate_pairs(x: ArrayT, angles: np.ndarray, pairing: str = "interleaved") -> ArrayT:
    r"""Turn pair :math:`i` of every vector in ``x`` counter-clockwise by ``angles[..., i]``.

    The one rotation kernel behind :func:`apply_rope` and the multi-dimensional variants in
    :mod:`ropeviz.multidim`: they differ only in how they compute the angles.

    Args:
        x: real array or tensor of shape ``(..., head_dim)`` (already validated).
        angles: float64 NumPy angles broadcastable to ``x.shape[:-1] + (head_dim // 2,)``.
        pairing: ``"interleaved"`` or ``"half"``.

    Returns:
        Same type, shape and device as ``x``; floating dtype kept (integers become float).
    """
    if is_torch(x):
        import torch

        dtype = x.dtype if x.is_floating_point() else torch.get_default_dtype()
        x = x.to(dtype)
        cos = torch.as_tensor(np.cos(angles), device=x.device).to(dtype)
        sin = torch.as_tensor(np.sin(angles), device=x.device).to(dtype)
        return rotate_cos_sin(x, cos, sin, pairing)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    x = x.astype(dtype, copy=False)
    return rotate_cos_sin(x, np.cos(angles).astype(dtype), np.sin(angles).astype(dtype), pairing)


def rotate_cos_sin(x: ArrayT, cos: ArrayT, sin: ArrayT, pairing: str = "interleaved") -> ArrayT:
    """The rotation itself, from precomputed ``cos`` and ``sin`` of every pair's angle.

    Args:
        x: array or tensor of shape ``(..., head_dim)``.
        cos, sin: same type as ``x``, broadcastable to ``x.shape[:-1] + (head_dim // 2,)``.
        pairing: ``"interleaved"`` or ``"half"``.

    Returns:
        ``(a, b) -> (a cos - b sin, a sin + b cos)`` for every pair, shape of ``x``.
    """
    shape = tuple(x.shape)
    first, second = pair_slices(shape[-1], pairing)
    a, b = x[..., first], x[..., second]
    rot_a, rot_b = a * cos - b * sin, a * sin + b * cos
    if is_torch(x):
        import torch

        if pairing == "interleaved":
            return torch.stack((rot_a, rot_b), dim=-1).reshape(shape)
        return torch.cat((rot_a, rot_b), dim=-1)
    if pairing == "interleaved":
        return np.stack((rot_a, rot_b), axis=-1).reshape(shape)
    return np.concatenate((rot_a, rot_b), axis=-1)


def rope_matrix(
    position: Any,
    head_dim: int,
    base: float = 10_000.0,
    pairing: str = "interleaved",
) -> ArrayT:
    r"""The block-rotation matrix :math:`R_m` with ``rope_matrix(m) @ v == apply_rope(v at m)``.

    :math:`R_m` is orthogonal, :math:`R_0 = I`, and :math:`R_m R_n = R_{m+n}`.

    Args:
        position: the position :math:`m`, an int or a float (a 0-d torch tensor gives a tensor).
        head_dim: :math:`d`.
        base: frequency base.
        pairing: which dimensions form a pair, as in :func:`apply_rope`.

    Returns:
        float64 array of shape ``(head_dim, head_dim)`` (a float64 tensor if ``position`` is one).
    """
    pos = check_real_finite(as_numpy(position, "position"), "position")
    if pos.ndim != 0:
        raise ValueError(f"position must be a single number, got shape {pos.shape}")
    head_dim = check_head_dim(head_dim)
    first, second = pair_slices(head_dim, pairing)
    i, j = np.arange(head_dim)[first], np.arange(head_dim)[second]
    angles = float(pos) * inv_frequencies(head_dim, base)
    matrix = np.zeros((head_dim, head_dim))
    matrix[i, i] = np.cos(angles)
    matrix[i, j] = -np.sin(angles)
    matrix[j, i] = np.sin(angles)
    matrix[j, j] = np.cos(angles)
    if is_torch(position):
        import torch

        return torch.as_tensor(matrix, device=position.device)
    return matrix
