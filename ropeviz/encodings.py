r"""Additive position encodings: the integer, binary and sinusoidal codes of chapters 2 to 4.

Each function returns a table with one row per position, to be *added* to token embeddings.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_head_dim, check_positive_int
from .rope import inv_frequencies

__all__ = ["integer_encoding", "binary_encoding", "sinusoidal_encoding"]


def integer_encoding(num_positions: int, dim: int) -> np.ndarray:
    """Every component of row ``p`` equals ``p``: the naive "add the index" code.

    Args:
        num_positions: number of rows (positions ``0 .. num_positions - 1``).
        dim: embedding width.

    Returns:
        float64 array of shape ``(num_positions, dim)``.
    """
    num_positions = check_positive_int(num_positions, "num_positions")
    dim = check_positive_int(dim, "dim")
    return np.repeat(np.arange(num_positions, dtype=np.float64)[:, None], dim, axis=1)


def binary_encoding(num_positions: int, dim: int) -> np.ndarray:
    """Row ``p`` holds the bits of ``p``, least significant bit in column 0.

    Column ``k`` is a square wave of period ``2**(k + 1)`` positions.

    Args:
        num_positions: number of rows; at most ``2**dim`` so that every code is unique.
        dim: number of bits (embedding width).

    Returns:
        float64 array of 0s and 1s, shape ``(num_positions, dim)``.

    Raises:
        ValueError: if ``num_positions > 2**dim`` (codes would repeat).
    """
    num_positions = check_positive_int(num_positions, "num_positions")
    dim = check_positive_int(dim, "dim")
    if num_positions > 2**dim:
        raise ValueError(
            f"num_positions must be at most 2**dim = {2**dim} for unique {dim}-bit codes, "
            f"got {num_positions}"
        )
    positions = np.arange(num_positions, dtype=np.uint64)[:, None]
    bits = np.arange(min(dim, 64), dtype=np.uint64)[None, :]
    table = np.zeros((num_positions, dim))
    table[:, : bits.shape[1]] = (positions >> bits) & np.uint64(1)
    return table


def sinusoidal_encoding(num_positions: int, dim: int, base: float = 10_000.0) -> np.ndarray:
    r"""The sinusoidal code of "Attention Is All You Need".

    :math:`PE_{p, 2i} = \sin(p\,\theta_i)` and :math:`PE_{p, 2i+1} = \cos(p\,\theta_i)` with
    :math:`\theta_i = \text{base}^{-2i/d}` (the same frequencies as RoPE's, see
    :func:`ropeviz.inv_frequencies`).

    Args:
        num_positions: number of rows (positions ``0 .. num_positions - 1``).
        dim: embedding width :math:`d`, a positive even integer.
        base: frequency base (10 000 in the original Transformer).

    Returns:
        float64 array of shape ``(num_positions, dim)``.
    """
    num_positions = check_positive_int(num_positions, "num_positions")
    dim = check_head_dim(dim, name="dim")
    return _sinusoidal_at(np.arange(num_positions, dtype=np.float64), dim, base)


def _sinusoidal_at(positions: np.ndarray, dim: int, base: float) -> np.ndarray:
    """The rows of :func:`sinusoidal_encoding` for float64 ``positions`` of any shape ``P``.

    Returns a float64 array of shape ``P + (dim,)``; the memory it takes grows with the number
    of positions, not with their size (``TinyDecoder`` uses it for any position).
    """
    angles = positions[..., None] * inv_frequencies(dim, base)
    table = np.empty(positions.shape + (dim,))
    table[..., 0::2] = np.sin(angles)
    table[..., 1::2] = np.cos(angles)
    return table
