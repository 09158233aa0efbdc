"""Argument checks and the NumPy/torch dispatch shared by every module.

Every public function validates its arguments here so that bad input fails early with a
:class:`ValueError` that names the argument and says what was expected.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

import numpy as np

PAIRINGS = ("interleaved", "half")
"""The two ways of grouping the feature dimensions of a head into rotating pairs."""


def is_torch(x: Any) -> bool:
    """True when ``x`` is a ``torch.Tensor`` (without importing torch if nobody else has)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def check_head_dim(head_dim: Any, name: str = "head_dim") -> int:
    """Return ``head_dim`` as an ``int`` after checking it is a positive even integer."""
    if isinstance(head_dim, bool) or not isinstance(head_dim, numbers.Integral):
        raise ValueError(f"{name} must be a positive even integer, got {head_dim!r}")
    head_dim = int(head_dim)
    if head_dim <= 0 or head_dim % 2:
        raise ValueError(f"{name} must be a positive even integer, got {head_dim}")
    return head_dim


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an ``int`` after checking it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_base(base: Any, name: str = "base") -> float:
    """Return ``base`` as a ``float`` after checking it is finite and positive.

    Bases at or below 1 are accepted (a base of 1 gives every pair the frequency 1 rad/token),
    but only bases above 1 give the usual fast-to-slow schedule.
    """
    return check_positive_number(base, name)


def check_positive_number(value: Any, name: str) -> float:
    """Return ``value`` as a ``float`` after checking it is a finite positive real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite positive number, got {value}")
    return value


def check_fraction(value: Any, name: str = "p") -> float:
    """Return ``value`` as a ``float`` after checking it is a real number in ``[0, 1]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        0.0 <= float(value) <= 1.0  # also refuses NaN
    ):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def check_pairing(pairing: Any) -> str:
    """Return ``pairing`` after checking it is one of :data:`PAIRINGS`."""
    if not isinstance(pairing, str) or pairing not in PAIRINGS:
        raise ValueError(f"pairing must be one of {PAIRINGS}, got {pairing!r}")
    return pairing


def check_real_finite(values: np.ndarray, name: str) -> np.ndarray:
    """Check that a NumPy array holds finite real numbers (bools are refused)."""
    if values.dtype == bool or not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"{name} must hold real numbers, got dtype {values.dtype}")
    if np.iscomplexobj(values):
        raise ValueError(f"{name} must hold real numbers, got dtype {values.dtype}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be finite, got a non-finite value")
    return values


def check_real_tensor(x: Any, name: str) -> None:
    """Check that a torch tensor holds real numbers (bools and complex numbers are refused)."""
    if x.dtype.is_complex or x.dtype == sys.modules["torch"].bool:
        raise ValueError(f"{name} must hold real numbers, got dtype {x.dtype}")


def check_real_array(x: Any, name: str) -> Any:
    """``x`` itself if it is a real-valued tensor, else a real-valued NumPy array of it."""
    if is_torch(x):
        check_real_tensor(x, name)
        return x
    array = as_numpy(x, name)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array


def as_numpy(x: Any, name: str) -> np.ndarray:
    """``x`` as a NumPy array, a view where possible (a tensor is detached and moved to the CPU).

    Tensor dtypes NumPy has no equivalent for are widened exactly first: bfloat16 and the
    float8 formats become float32 (every value they hold is a float32), complex32 becomes
    complex64. float16, float32 and float64 tensors keep their dtype.
    """
    if is_torch(x):
        x = x.detach().cpu().resolve_conj().resolve_neg()
        torch = sys.modules["torch"]
        native = (torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128)
        if x.dtype.is_floating_point and x.dtype not in native:
            x = x.to(torch.float32)  # bfloat16, float8_*: exact in float32
        elif x.dtype.is_complex and x.dtype not in native:
            x = x.to(torch.complex64)
        return x.numpy()
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as error:  # ragged lists and other non-arrays
        raise ValueError(f"{name} must be array-like, got {type(x).__name__}") from error
