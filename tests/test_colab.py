"""Every chapter runs in a simulated Colab: Colab's own packages, Colab's install route.

Colab's runtime package list is public (``googlecolab/backend-info``, ``pip-freeze.txt``); the
book keeps a dated copy in ``tests/colab/`` and this test builds environments from it:

* **Python 3.11 with torch**: a fresh virtual environment outside the repository holding the
  packages the book uses (numpy, matplotlib, ipywidgets 7.7.1, ipykernel 6.17.1, IPython 7.34,
  tqdm, Pillow, transformers, torchtune, ...) at Colab's versions, resolved with Colab's whole list
  as pip constraints. Only torch differs: the project's machines have one offline wheel,
  ``torch==2.13.0``, which stands in for Colab's 2.11 build (and needs a newer setuptools than
  Colab's, so setuptools is not constrained). **Every** chapter runs there, copied alone into an
  empty folder, with a stand-in ``google.colab`` module so that its first cell takes the Colab
  branch and runs ``%pip install "ropeviz @ git+https://..."`` for real: git is told (through a
  private global config) to fetch that URL from a local clone of this checkout's HEAD.
* **Python 3.13 without torch** (Colab has been on 3.13 since 2026-08; no torch wheel for it is
  on these machines): the same pins; the explorers are displayed and every slider is moved, and
  every chapter that needs no torch runs whole. Where no Python 3.13 exists this part says so and
  skips, except under ``CI``, where it fails.

A chapter fails the test if a cell errors, if an explorer displays no live widget, or if its
install cell changed the version of any package Colab already has (a new package is allowed
only where the chapter installs it on purpose). Everything here takes several minutes (pip
installs, every chapter executed again); ``pytest -m "not colab"`` skips it locally.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import in_ci

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

pytestmark = pytest.mark.colab


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
    result = subprocess.run([str(py), "-m", "pip", "install", "--quiet",
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


# ------------------------------------------------------------------------------ Python 3.11
@pytest.fixture(scope="module")
def colab311(tmp_path_factory):
    python = find_python("3.11") or sys.executable
    return build(tmp_path_factory.mktemp("colab311"), python, with_torch=True)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_in_colab(colab311, path, monkeypatch, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import ropeviz, sys\nprint(ropeviz.__file__)\nprint(sys.executable)"))
    execute(colab311, notebook, tmp_path / "work", monkeypatch)
    assert problems_in(notebook) == []
    module_file, executable = "".join(o.get("text", "") for o in notebook.cells[-1].outputs
                                      ).strip().splitlines()[-2:]
    assert module_file.startswith(str(colab311["site"])), f"ropeviz came from {module_file}"
    assert executable == str(colab311["python"])
    assert changed_packages(colab311["baseline"], freeze(colab311["python"])) == []


# ------------------------------------------------------------------------------ Python 3.13
@pytest.fixture(scope="module")
def colab313(tmp_path_factory):
    python = find_python("3.13")
    if python is None:
        message = "no Python 3.13 on this machine: the Colab check on 3.13 cannot run"
        if in_ci():
            pytest.fail(f"{message} (CI is set, so this is an error)", pytrace=False)
        pytest.skip(message)
    return build(tmp_path_factory.mktemp("colab313"), python, with_torch=False)


WIDGET_CHECK = r'''
import numpy as np
import ipywidgets
from IPython.display import display
from ropeviz import explorers

def leaves(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from leaves(child)

classes = [getattr(explorers, n) for n in explorers.__all__
           if n.endswith("Explorer") and n != "Explorer"]
report = []
for cls in classes:
    explorer = cls()
    display(explorer)
    view = explorer.widget
    images = [w for w in leaves(view) if isinstance(w, ipywidgets.Image)]
    sliders = [w for w in leaves(view)
               if isinstance(w, (ipywidgets.IntSlider, ipywidgets.SelectionSlider))]
    assert len(images) == 1 and sliders, cls.__name__
    moved = 0
    for slider in sliders:
        before = images[0].value
        if isinstance(slider, ipywidgets.SelectionSlider):
            options = list(slider.options)
            labels = [o[0] if isinstance(o, tuple) else o for o in options]
            current = slider.label
            slider.label = next(label for label in labels if label != current)
        else:
            slider.value = slider.max if slider.value != slider.max else slider.min
        assert images[0].value != before, f"{cls.__name__}: {slider.description} did not redraw"
        moved += 1
    report.append(f"{cls.__name__}: {moved} sliders redraw the picture")
print(ipywidgets.__version__)
print("\n".join(report))
'''


def test_explorers_are_live_with_colab_widgets(colab313, monkeypatch, tmp_path):
    """ipywidgets 7.7.1 on Python 3.13: every explorer displays, every slider redraws it."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('%pip install --quiet "ropeviz @ git+'
                                  + set_repository_url.current_url() + '"'),
        nbformat.v4.new_code_cell(WIDGET_CHECK),
    ])
    execute(colab313, notebook, tmp_path / "work", monkeypatch, timeout=600)
    assert problems_in(notebook) == []
    outputs = notebook.cells[1].outputs
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs)
    assert text.startswith(colab_pins()["ipywidgets"] + "\n")
    assert len(views) == text.count("sliders redraw the picture") >= 5
    assert all("text/html" in o["data"] for o in views)  # the static twin rides along
    assert changed_packages(colab313["baseline"], freeze(colab313["python"])) == []


@pytest.mark.parametrize("path", [p for p in CHAPTERS if not needs_torch(p)],
                         ids=lambda p: p.stem)
def test_torch_free_chapter_runs_on_python_313(colab313, path, monkeypatch, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    execute(colab313, notebook, tmp_path / "work", monkeypatch)
    assert problems_in(notebook) == []
    assert changed_packages(colab313["baseline"], freeze(colab313["python"])) == []


def test_colab_pins_are_dated_and_sourced():
    header = COLAB_PINS.read_text().splitlines()[:3]
    assert "googlecolab/backend-info" in header[1] and "pip-freeze.txt" in header[1]
    assert re.search(r"of 2026-08-19", header[2])
    pins = colab_pins()
    assert pins["ipywidgets"] == "7.7.1" and pins["ipykernel"] == "6.17.1"
    assert "rotary-embedding-torch" not in pins  # chapter 6 installs it in Colab


def test_pyproject_ranges_admit_colab_versions():
    """ropeviz's own dependencies accept every version Colab ships, and do not force torch."""
    text = (ROOT / "pyproject.toml").read_text()
    dependencies = re.findall(r'"([^"]+)"', re.search(r"^dependencies = \[(.*?)\]", text,
                                                      re.M | re.S).group(1))
    pins = colab_pins()
    from packaging.requirements import Requirement

    for line in dependencies:
        requirement = Requirement(line)
        assert requirement.specifier.contains(pins[normalise(requirement.name)]), line
    assert not any(Requirement(line).name == "torch" for line in dependencies)
