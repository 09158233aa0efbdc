"""The chapters that train pass nbval as another machine would run them.

nbval compares every stored text output byte for byte, so a number that depends on the CPU
(which vector kernels torch picks, how many threads share a reduction) must not be printed
where nbval compares it. The chapters follow that rule (``# NBVAL_IGNORE_OUTPUT`` with asserted
claims, float64 models with NumPy-drawn weights); this test proves it by running nbval again on
every chapter that uses torch, under a CPU setting different from this machine's own:

* the next narrower vector kernels (``ATEN_CPU_CAPABILITY``: AVX-512 -> AVX2 -> scalar
  ``default``), and
* one thread for torch, OpenMP and MKL (the main run uses all cores).

The main nbval run (``pytest`` collects ``chapters/``) covers the native setting.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NARROWER = {"AVX512": "avx2", "AVX512_BF16": "avx2", "AVX2": "default", "ZVECTOR": "default"}


def uses_torch(path: Path) -> bool:
    code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "code")
    return bool(re.search(r"^\s*import torch|ropeviz\.(models|tasks|rotary|pretrained)", code,
                          re.M))


TORCH_CHAPTERS = [p for p in sorted((ROOT / "chapters").glob("*.ipynb")) if uses_torch(p)]


def other_setting() -> dict[str, str]:
    import torch

    native = torch.backends.cpu.get_cpu_capability()
    setting = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if native in NARROWER:
        setting["ATEN_CPU_CAPABILITY"] = NARROWER[native]
    return setting


def test_chapters_that_use_torch_pass_nbval_on_another_cpu_setting():
    assert TORCH_CHAPTERS, "no chapter uses torch?"
    setting = other_setting()
    env = {**os.environ, **setting}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-o", "addopts=", "--nbval", "--nbval-current-env",
               "--nbval-cell-timeout=900", *map(str, TORCH_CHAPTERS)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"nbval under {setting}: {summary}")
    assert result.returncode == 0, (
        f"nbval fails under {setting}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )


def test_the_other_setting_really_differs():
    import torch

    setting = other_setting()
    native = torch.backends.cpu.get_cpu_capability()
    probe = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.backends.cpu.get_cpu_capability(), "
                               "torch.get_num_threads())"],
        env={**os.environ, **setting}, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert probe[1] == "1"
    if native in NARROWER:
        assert probe[0] != native, f"ATEN_CPU_CAPABILITY={setting['ATEN_CPU_CAPABILITY']} ignored"

