"""Shared test configuration: a deterministic Hypothesis profile, offline peers, ``require``.

* Hypothesis: the ``"ci"`` profile (no deadline, derandomized, 60 examples) is loaded by default,
  so every run draws the same examples and the property tests stay fast. Choose another profile
  with ``HYPOTHESIS_PROFILE=dev`` (random, 200 examples) or ``HYPOTHESIS_PROFILE=thorough``.
* No test may touch the network: the Hugging Face hub is switched off before anything imports
  ``transformers``.
* :func:`require` imports an optional peer library for the cross-checks. Locally a missing peer
  skips the test; in CI (``CI`` set to a true value) it *fails*, so a broken install can never
  turn the cross-checks into silent skips.
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

# Offline, before any test module imports transformers / huggingface_hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("USE_HUB_KERNELS", "NO")  # never fetch kernels from the hub
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=200, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=2_000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_FALSE_STRINGS = {"", "0", "false", "no", "off"}


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to anything but an explicit false."""
    return os.environ.get("CI", "").strip().lower() not in _FALSE_STRINGS


def require(module_name: str) -> ModuleType:
    """Import ``module_name``; skip the test if it is missing, but fail instead when in CI.

    Import-time warnings of the peers (torchao's deprecation notices, for instance) are silenced
    so that a strict ``filterwarnings`` setting cannot turn them into import errors.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(module_name)
    except Exception as error:  # ImportError, or a peer that breaks while importing
        message = f"cross-check peer {module_name!r} cannot be imported: {error!r}"
        if in_ci():
            pytest.fail(f"{message} (CI is set, so a missing peer is an error)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def require_peer():
    """The :func:`require` helper as a fixture (works whatever pytest's import mode is)."""
    return require
