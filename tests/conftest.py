"""Shared test configuration: a deterministic Hypothesis profile, offline peers, ``require``.

* Hypothesis: the ``"ci"`` profile (no deadline, derandomized, 60 examples) is loaded by default,
  so every run draws the same examples and the property tests stay fast. Choose another profile
  with ``HYPOTHESIS_PROFILE=dev`` (random, 200 examples) or ``HYPOTHESIS_PROFILE=thorough``.
* No test may touch the network: the Hugging Face hub is switched off before anything imports
  ``transformers``.
* :func:`require` imports an optional peer library for the cross-checks. Locally a missing peer
  skips the test; in CI (``CI`` set to a true value) it *fails*, so a broken install can never
  turn the cross-checks into silent skips.
* The chapters that train run their nbval pass under another CPU setting (see the end of this
  file), which proves their compared outputs do not depend on the machine.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import warnings
from pathlib import Path
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


def twin_config(explorer) -> dict:
    """The JSON configuration an explorer's static twin carries in its page (state, controls,
    precomputed data), read back out of ``explorer.static_html()`` as the browser reads it."""
    html = explorer.static_html()
    payload = re.search(r'<script type="application/json" class="ropeviz-config">(.*?)</script>',
                        html).group(1)
    return json.loads(payload.replace("<\\/", "</"))


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


# ------------------------------------------------------------------ nbval on another CPU setting
# nbval compares a notebook's stored text outputs byte for byte. Chapters that train models
# print their trained numbers where nbval ignores them and assert the claims with margins, so
# their compared outputs must not depend on the CPU. The suite proves it on every run: in its
# nbval pass, the kernels of those chapters start under a CPU setting different from this
# machine's own (narrower vector kernels, one thread). Nothing runs twice; set
# ROPEBOOK_NATIVE_NBVAL=1 to run them natively instead.
NARROWER_KERNELS = {"AVX512": "avx2", "AVX512_BF16": "avx2", "AVX2": "default",
                    "ZVECTOR": "default"}
TRAINING = re.compile(r"\btrain\(|\.backward\(|torch\.optim")


def other_cpu_setting() -> dict[str, str]:
    """One torch, OpenMP and MKL thread, and the next narrower vector kernels if any."""
    import torch

    setting = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    narrower = NARROWER_KERNELS.get(torch.backends.cpu.get_cpu_capability())
    if narrower:
        setting["ATEN_CPU_CAPABILITY"] = narrower
    return setting


def trains(notebook: Path) -> bool:
    """True for a chapter whose code trains a model."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return any(cell["cell_type"] == "code" and TRAINING.search("".join(cell["source"]))
               for cell in cells)


def pytest_configure(config) -> None:
    if os.environ.get("ROPEBOOK_NATIVE_NBVAL", "").strip() not in _FALSE_STRINGS:
        return
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:  # nbval is not installed: no notebook is collected anyway
        return
    if getattr(IPyNbFile.setup, "_ropebook", False):
        return
    native_setup = IPyNbFile.setup

    def setup(self) -> None:
        path = Path(str(self.fspath))
        if not trains(path):
            return native_setup(self)
        setting = other_cpu_setting()
        saved = {name: os.environ.get(name) for name in setting}
        os.environ.update(setting)  # the kernel inherits the environment it starts with
        try:
            native_setup(self)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        print(f"\n{path.name}: nbval under {setting}")

    setup._ropebook = True
    IPyNbFile.setup = setup
