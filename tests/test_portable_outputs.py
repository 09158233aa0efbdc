"""The chapters that train pass nbval as another machine would run them.

nbval compares every stored text output byte for byte, so a number that depends on the CPU
(which vector kernels torch picks, how many threads share a reduction) must not be printed
where nbval compares it. The chapters follow that rule (``# NBVAL_IGNORE_OUTPUT`` with asserted
claims; models in float64 with NumPy-drawn weights). ``conftest.py`` makes the suite's own
nbval pass prove it: the kernels of the chapters that train start under a CPU setting unlike
this machine's (the next narrower vector kernels, one thread). These tests check that set-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import NARROWER_KERNELS, other_cpu_setting, trains

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_the_chapters_that_train_are_found():
    training = [path.name[:2] for path in CHAPTERS if trains(path)]
    assert {"07", "08", "09"} <= set(training), training  # the tiny-model chapters
    assert "05" not in training  # a chapter that trains nothing runs natively


def test_the_other_setting_really_differs():
    import torch

    native = torch.backends.cpu.get_cpu_capability()
    setting = other_cpu_setting()
    probe = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.backends.cpu.get_cpu_capability(), "
                               "torch.get_num_threads())"],
        env={**os.environ, **setting}, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert probe[1] == "1"
    if native in NARROWER_KERNELS:
        assert probe[0] not in (native, ""), f"{setting['ATEN_CPU_CAPABILITY']} was ignored"
