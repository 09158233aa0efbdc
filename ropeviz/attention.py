r"""Plain scaled dot-product attention, written for reading rather than speed.

.. math:: \operatorname{Attn}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{QK^\top}{\sqrt{d}}\Big) V
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._checks import as_numpy, check_positive_int, check_real_array, is_torch

if TYPE_CHECKING:
    import torch

ArrayT = TypeVar("ArrayT", np.ndarray, "torch.Tensor")

__all__ = ["attention", "attention_weights", "causal_mask"]


def causal_mask(seq_len: int) -> np.ndarray:
    """Boolean ``(seq_len, seq_len)`` mask, ``True`` where query ``t`` may attend to key ``s <= t``."""
    seq_len = check_positive_int(seq_len, "seq_len")
    return np.tril(np.ones((seq_len, seq_len), dtype=bool))


def _check_qk(q: Any, k: Any) -> None:
    if len(q.shape) < 2 or len(k.shape) < 2:
        raise ValueError(
            f"q and k must have shape (..., seq, dim), got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"k.shape[-1] must equal q.shape[-1] = {q.shape[-1]}, got {k.shape[-1]}"
        )


def _check_same_kind(q: Any, other: Any, name: str) -> None:
    """``other`` must be a torch tensor (on ``q``'s device) exactly when ``q`` is one.

    Mixing them has no single right answer type, and NumPy and torch disagree on what
    ``transpose(-2, -1)`` means, so a mix is refused rather than guessed.
    """
    if is_torch(q) != is_torch(other):
        kind = type(other).__module__.split(".")[0] + "." + type(other).__name__
        if is_torch(q):
            want, convert = "a torch.Tensor like q", f"torch.as_tensor({name}, device=q.device)"
        else:
            want, convert = "a NumPy array (or array-like) like q", f"{name}.numpy(force=True)"
        raise TypeError(f"{name} must be {want}, got {kind}; convert it first: {convert}")
    if is_torch(q) and other.device != q.device:
        raise ValueError(f"{name} must be on q's device {q.device}, got {other.device}")


def _compute_dtype(*arrays: Any) -> Any:
    """The dtype the scores are computed in: the inputs' common dtype, at least float32.

    Half-precision inputs are widened because a dot product q.k above 65504 overflows float16.
    """
    if is_torch(arrays[0]):
        import torch

        dtype = torch.float32
        for array in arrays:
            dtype = torch.promote_types(dtype, array.dtype)
        return dtype
    return np.result_type(np.float32, *(array.dtype for array in arrays))


def _check_finite_scores(finite: bool, dtype: Any) -> None:
    """Refuse scores that are not finite where attention is allowed (softmax would give NaN)."""
    if not finite:
        raise ValueError(
            f"q and k must give finite scores q.k / sqrt(dim) in {dtype}, but a score "
            "overflows (or q or k holds inf or NaN); scale them down or pass float64"
        )


def attention_weights(q: ArrayT, k: ArrayT, mask: Any = None) -> ArrayT:
    r"""Attention probabilities :math:`\operatorname{softmax}(QK^\top/\sqrt{d})`.

    Args:
        q: queries, shape ``(..., seq_q, dim)``.
        k: keys, shape ``(..., seq_k, dim)``, the same kind of array as ``q`` (both torch
            tensors on one device, or both NumPy arrays / array-likes).
        mask: optional boolean array broadcastable to ``(..., seq_q, seq_k)``; ``True`` where
            attention is allowed (the convention of ``torch.nn.functional.scaled_dot_product_attention``).
            Every query must be allowed at least one key. A NumPy array or a torch tensor,
            whatever ``q`` is.

    Returns:
        Weights of shape ``(..., seq_q, seq_k)`` whose rows sum to 1, same type as ``q``, in
        the common dtype of ``q`` and ``k`` but at least float32: float16 and bfloat16 inputs
        are computed and returned in float32 (their dot products overflow float16).

    Raises:
        TypeError: ``q`` is a torch tensor and ``k`` is not, or the other way round.
        ValueError: bad shapes, a bad mask, a key axis of length 0 with queries to fill
            (a softmax over no keys), or scores that overflow the computation dtype.
    """
    _check_same_kind(q, k, "k")
    q, k = check_real_array(q, "q"), check_real_array(k, "k")
    _check_qk(q, k)
    if k.shape[-2] == 0 and q.shape[-2] > 0:
        raise ValueError(
            f"k must hold at least one key (seq_k = k.shape[-2] >= 1) for q's {q.shape[-2]} "
            f"queries, got shape {tuple(k.shape)}"
        )
    dtype = _compute_dtype(q, k)
    scale = 1.0 / math.sqrt(q.shape[-1])  # a Python float: it keeps float32 scores float32
    if is_torch(q):
        import torch

        scores = (q.to(dtype) @ k.to(dtype).transpose(-2, -1)) * scale
        finite = torch.isfinite(scores)
        if mask is not None:
            keep = as_numpy(mask, "mask")
            _check_mask(keep, tuple(scores.shape))
            keep = torch.as_tensor(keep, dtype=torch.bool, device=q.device)
            scores = scores.masked_fill(~keep, float("-inf"))
            finite = finite | ~keep
        _check_finite_scores(bool(finite.all()), dtype)
        return torch.softmax(scores, dim=-1)
    q, k = np.asarray(q, dtype=dtype), np.asarray(k, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        scores = (q @ np.swapaxes(k, -2, -1)) * scale
    finite = np.isfinite(scores)
    if mask is not None:
        keep = as_numpy(mask, "mask")
        _check_mask(keep, scores.shape)
        scores = np.where(keep, scores, -np.inf)
        finite = finite | ~keep
    _check_finite_scores(bool(np.all(finite)), dtype)
    if scores.size == 0:
        return scores
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=-1, keepdims=True)


def _check_mask(keep: np.ndarray, scores_shape: tuple[int, ...]) -> None:
    if keep.dtype != bool:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {keep.dtype}")
    try:
        full = np.broadcast_to(keep, scores_shape)
    except ValueError:
        raise ValueError(
            f"mask must broadcast to the scores' shape {scores_shape}, got shape {keep.shape}"
        ) from None
    if not full.any(axis=-1).all():
        raise ValueError("mask must allow every query at least one key (a row is all False)")


def attention(q: ArrayT, k: ArrayT, v: ArrayT, mask: Any = None) -> ArrayT:
    r"""Scaled dot-product attention :math:`\operatorname{softmax}(QK^\top/\sqrt{d})\,V`.

    Args:
        q: queries, shape ``(..., seq_q, dim)``.
        k: keys, shape ``(..., seq_k, dim)``, the same kind of array as ``q``.
        v: values, shape ``(..., seq_k, dim_v)``, the same kind of array as ``q``.
        mask: optional boolean mask, ``True`` where attention is allowed (see
            :func:`attention_weights`); :func:`causal_mask` gives the autoregressive one.

    Returns:
        Outputs of shape ``(..., seq_q, dim_v)``, same type as ``q``, in the common dtype of
        ``q``, ``k`` and ``v`` but at least float32.

    Raises:
        TypeError: ``k`` or ``v`` is not the same kind of array as ``q`` (torch vs NumPy).
        ValueError: as :func:`attention_weights`, or ``v`` has the wrong shape.
    """
    _check_same_kind(q, k, "k")
    _check_same_kind(q, v, "v")
    q, k, v = check_real_array(q, "q"), check_real_array(k, "k"), check_real_array(v, "v")
    if len(v.shape) < 2 or len(k.shape) < 2 or v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"v must have shape (..., seq_k, dim_v) with seq_k = k.shape[-2] = {k.shape[-2]}, "
            f"got {tuple(v.shape)}"
        )
    weights = attention_weights(q, k, mask)
    dtype = _compute_dtype(weights, v)
    if is_torch(q):
        return weights.to(dtype) @ v.to(dtype)
    return weights.astype(dtype, copy=False) @ np.asarray(v, dtype=dtype)
