r"""Converting between the two RoPE pairings: activations, and the projection weights.

RoPE groups the :math:`d` features of a head into :math:`d/2` rotating pairs, in one of two
layouts (see :mod:`ropeviz.rope`):

* ``"interleaved"``: pair :math:`i` is features :math:`(2i, 2i+1)` (RoFormer, Meta's Llama, GPT-J);
* ``"half"``: pair :math:`i` is features :math:`(i, i + d/2)` (Hugging Face, GPT-NeoX).

With ``perm = pairing_permutation(d) = [0, 2, 4, ..., d-2, 1, 3, ..., d-1]``, moving feature
``perm[j]`` to place ``j`` turns the first layout into the second, and rotating commutes with it:
``apply_rope(x[..., perm], pairing="half") == apply_rope(x, pairing="interleaved")[..., perm]``.

A checkpoint trained with one layout runs with the other after the same permutation is applied to
the rows of every head of :math:`W_q` and :math:`W_k` (the rows that produce each head's
features): the rotated queries and keys are then the old ones with their features permuted, and
a dot product does not change when both vectors are permuted the same way. :math:`W_v` and
:math:`W_o` are untouched. Hugging Face's Llama conversion script calls this operation
``permute``.

Every function takes a NumPy array or a torch tensor and returns the same type (a new array;
the input is not modified).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_head_dim, check_positive_int, check_real_array, is_torch
from .rope import pairing_permutation

__all__ = [
    "interleaved_to_half",
    "half_to_interleaved",
    "permute_qk_weight",
    "unpermute_qk_weight",
]


def _take(x: Any, index: np.ndarray, axis: int) -> Any:
    """``x`` with ``index`` applied along ``axis`` (a copy), NumPy or torch."""
    if is_torch(x):
        import torch

        return x.index_select(axis, torch.as_tensor(index, device=x.device))
    return np.take(x, index, axis=axis)


def _features(x: Any) -> tuple[Any, int]:
    x = check_real_array(x, "x")
    if x.ndim < 1:
        raise ValueError("x must have at least one axis (..., head_dim), got a scalar")
    head_dim = check_head_dim(x.shape[-1], name="head_dim (x.shape[-1])")
    return x, head_dim


def interleaved_to_half(x: Any) -> Any:
    """Reorder the last axis from interleaved pairs ``(2i, 2i+1)`` to half pairs ``(i, i+d/2)``.

    Args:
        x: activations whose last axis is one head, shape ``(..., head_dim)``.

    Returns:
        ``x[..., pairing_permutation(head_dim)]``, shape ``(..., head_dim)``: features
        ``0, 2, 4, ...`` first, then ``1, 3, 5, ...``.

    Raises:
        ValueError: ``x`` is not real-valued, is a scalar, or its last axis is not even.
    """
    x, head_dim = _features(x)
    return _take(x, pairing_permutation(head_dim), -1)


def half_to_interleaved(x: Any) -> Any:
    """The inverse of :func:`interleaved_to_half`: half pairs back to interleaved pairs.

    Args:
        x: activations in the half layout, shape ``(..., head_dim)``.

    Returns:
        ``x[..., argsort(pairing_permutation(head_dim))]``, shape ``(..., head_dim)``.

    Raises:
        ValueError: as :func:`interleaved_to_half`.
    """
    x, head_dim = _features(x)
    inverse = np.argsort(pairing_permutation(head_dim))
    return _take(x, inverse, -1)


def _row_permutation(weight: Any, n_heads: Any, head_dim: Any) -> tuple[Any, np.ndarray]:
    n_heads = check_positive_int(n_heads, "n_heads")
    head_dim = check_head_dim(head_dim)
    weight = check_real_array(weight, "weight")
    rows = n_heads * head_dim
    if weight.ndim not in (1, 2) or weight.shape[0] != rows:
        raise ValueError(
            f"weight must have shape (n_heads * head_dim, d_model) = ({rows}, d_model) or, for "
            f"a bias, ({rows},), got shape {tuple(weight.shape)}"
        )
    perm = pairing_permutation(head_dim)
    return weight, (np.arange(n_heads)[:, None] * head_dim + perm[None, :]).reshape(-1)


def permute_qk_weight(weight: Any, n_heads: int, head_dim: int) -> Any:
    r"""Rows of :math:`W_q` or :math:`W_k` for interleaved RoPE, reordered for half RoPE.

    Within every head, row :math:`2i + j` (:math:`j \in \{0, 1\}`) moves to row
    :math:`j\,d/2 + i`. A model whose attention used ``pairing="interleaved"`` with ``weight``
    gives the same attention scores with ``pairing="half"`` and the returned weight. This is the
    operation Hugging Face's Llama conversion script calls ``permute``. For grouped-query
    attention, permute :math:`W_k` with the number of key/value heads.

    Args:
        weight: a projection weight of shape ``(n_heads * head_dim, d_model)`` (PyTorch's
            ``nn.Linear`` convention: one row per output feature), or its bias of shape
            ``(n_heads * head_dim,)``.
        n_heads: number of heads the rows are split into.
        head_dim: features per head (even).

    Returns:
        The reordered weight, same shape and type.

    Raises:
        ValueError: ``n_heads`` is not a positive integer, ``head_dim`` is not a positive even
            integer, or ``weight`` does not have ``n_heads * head_dim`` rows.
    """
    weight, index = _row_permutation(weight, n_heads, head_dim)
    return _take(weight, index, 0)


def unpermute_qk_weight(weight: Any, n_heads: int, head_dim: int) -> Any:
    """The inverse of :func:`permute_qk_weight`: rows for half RoPE back to interleaved RoPE.

    Args:
        weight: shape ``(n_heads * head_dim, d_model)`` or ``(n_heads * head_dim,)``.
        n_heads: number of heads.
        head_dim: features per head (even).

    Returns:
        The reordered weight, same shape and type;
        ``unpermute_qk_weight(permute_qk_weight(w, h, d), h, d)`` equals ``w``.

    Raises:
        ValueError: as :func:`permute_qk_weight`.
    """
    weight, index = _row_permutation(weight, n_heads, head_dim)
    return _take(weight, np.argsort(index), 0)
