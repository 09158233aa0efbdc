"""The simulated Colab shared by ``test_colab.py`` (Python 3.11) and ``test_colab_313.py``.

See ``test_colab.py`` for what the simulation is and what it checks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from nbclient import NotebookClient


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import set_repository_url  # noqa: E402

COLAB_PINS = ROOT / "tests" / "colab" / "pip-freeze-2026-08-19.txt"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# What the book imports (directly or in a chapter's cells), at Colab's versions.
BOOK_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "ipykernel", "ipython", "tqdm", "pillow")
TORCH_PACKAGES = ("transformers", "einops", "torchtune", "torchao")
# Not taken from Colab's list: torch and its companions (the offline wheel stands in),
# GPU-only runtimes, and setuptools (torch 2.13 needs >= 77; Colab has 75.2 beside torch 2.11).
UNPINNED = re.compile(r"^(torch|torchvision|torchaudio|torchcodec|triton|nvidia-.*|setuptools)$")
TORCH = "torch==2.13.0"
# Packages a chapter's install cell may add because Colab lacks them (and the chapter says so).
INSTALLED_ON_PURPOSE = {"ropeviz", "rotary-embedding-torch"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_pins() -> dict[str, str]:
    """Colab's ``name==version`` lines (URL-pinned packages have no version to take)."""
    pins = {}
    for line in COLAB_PINS.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line.strip())
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def freeze(python: Path) -> dict[str, str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=json",
                          "--disable-pip-version-check"], check=True, capture_output=True,
                         text=True).stdout
    return {normalise(p["name"]): p["version"] for p in json.loads(out)}


def find_python(version: str) -> str | None:
    """A working interpreter of this version: under pyenv, or on PATH (pyenv's shims only
    answer for the versions pyenv has selected, so each candidate is tried)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(map(str, pyenv.glob(f"{version}.*/bin/python{version}")), reverse=True)
    candidates += [found for found in [shutil.which(f"python{version}")] if found]
    for candidate in candidates:
        if subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            return candidate
    return None


def needs_torch(path: Path) -> bool:
    code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "code")
    return bool(re.search(r"\btorch\b|ropeviz\.(models|tasks|rotary|pretrained)|"
                          r"RotaryEmbedding|apply_rope_complex", code))


def build(base: Path, python: str, with_torch: bool) -> dict:
    """A Colab-like environment in ``base``: venv, pins, stand-in google.colab, git, kernel."""
    env_dir = base / "venv"
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    constraints = base / "colab-constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in
                                   colab_pins().items() if not UNPINNED.match(name)))
    wanted = list(BOOK_PACKAGES) + (list(TORCH_PACKAGES) + [TORCH] if with_torch else [])
    # --no-compile: no .pyc files written at install (Python compiles what it imports anyway);
    # that saves the CPU time of compiling the thousands of modules transformers and torch ship
    result = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-compile",
                             "--disable-pip-version-check", "-c", str(constraints), *wanted],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"installing Colab's pins failed:\n{result.stderr[-3000:]}"
    installed = freeze(py)
    pins = colab_pins()
    for name in BOOK_PACKAGES:
        assert installed[normalise(name)] == pins[normalise(name)], name

    stub = base / "stub"
    (stub / "google" / "colab").mkdir(parents=True)
    (stub / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab."""\n')
    site = Path(subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (site / "colab_stub.pth").write_text(str(stub) + "\n")

    clone = base / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # The checkout's own uncommitted state is what is under test: copy it over the clone.
    for part in ("ropeviz", "pyproject.toml", "README.md"):
        source, target = ROOT / part, clone / part
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    subprocess.run(["git", "-C", str(clone), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "--quiet", "--allow-empty", "-m", "working tree"], check=True)
    git_config = base / "gitconfig"
    subprocess.run(["git", "config", "--file", str(git_config),
                    f"url.file://{clone}.insteadOf", set_repository_url.current_url()],
                   check=True)

    kernels = base / "jupyter" / "kernels" / "colab-sim"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab simulation", "language": "python",
    }))
    return {"python": py, "jupyter": base / "jupyter", "git_config": git_config,
            "site": site, "baseline": installed, "base": base}


def execute(env: dict, notebook, work: Path, monkeypatch, timeout: int = 900):
    work.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("JUPYTER_PATH", str(env["jupyter"]))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(env["git_config"]))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(notebook, kernel_name="colab-sim", timeout=timeout,
                            resources={"metadata": {"path": str(work)}})
    client.execute()
    return notebook


def problems_in(notebook) -> list[str]:
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                found.append(f"cell {index}: {output.ename}: {output.evalue}")
            text = output.get("text", "") + json.dumps(output.get("data", {}))
            if "Traceback (most recent call last)" in text:
                found.append(f"cell {index}: a traceback was printed: {text[:300]}")
        if re.search(r"Explorer\(", cell.source) and re.search(r"\n\w+\s*$", cell.source):
            if not any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
                found.append(f"cell {index}: the explorer shows no live widget")
    return found


def changed_packages(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changed = [f"{name} {version} -> {after.get(name, 'removed')}"
               for name, version in before.items() if after.get(name) != version]
    added = sorted(set(after) - set(before) - INSTALLED_ON_PURPOSE)
    return changed + [f"{name} {after[name]} added" for name in added]
