"""A chapter runs top to bottom in a simulated Colab, installing ropeviz the way Colab would.

The simulation:

* a fresh virtual environment outside the repository holding only packages Colab ships (numpy,
  matplotlib, ipywidgets, torch, ipykernel, tqdm), at the versions this book pins;
* one chapter notebook copied alone into an empty folder (no repository on the path);
* a stand-in ``google.colab`` module, so the notebook's first cell takes its Colab branch;
* git told (through a private global config) to fetch the repository URL from a local clone of
  this repository's HEAD, so ``%pip install "ropeviz @ git+https://github.com/..."`` runs for
  real, from a ``file://`` clone.

Then nbclient executes the notebook in that environment and the test checks that no cell failed
and that ``ropeviz`` was imported from the fresh environment. It takes a minute or two (it
installs torch into the new environment), runs in CI, and can be skipped locally with
``pytest -m "not colab"``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import set_repository_url  # noqa: E402

NOTEBOOK = ROOT / "chapters" / "05_rope_from_first_principles.ipynb"
COLAB_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "torch", "ipykernel", "tqdm")

pytestmark = pytest.mark.colab


def pinned(names: tuple[str, ...]) -> list[str]:
    """The requirement lines of requirements.txt for these packages (exact pins)."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    found = [line.strip() for line in lines
             if re.match(r"^(%s)==" % "|".join(map(re.escape, names)), line.strip())]
    assert len(found) == len(names), f"requirements.txt lacks a pin for one of {names}"
    return found


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    base = tmp_path_factory.mktemp("colab")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pinned(COLAB_PACKAGES)],
                   check=True, capture_output=True)

    # The stand-in google.colab: importable, so `import google.colab` succeeds as in Colab.
    stub = base / "stub"
    (stub / "google" / "colab").mkdir(parents=True)
    (stub / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab."""\n')
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (site / "colab_stub.pth").write_text(str(stub) + "\n")

    # The repository URL the notebook installs from, served by a local clone of HEAD.
    clone = base / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    git_config = base / "gitconfig"
    subprocess.run(["git", "config", "--file", str(git_config),
                    f"url.file://{clone}.insteadOf", set_repository_url.current_url()],
                   check=True)

    # A kernel that runs the fresh environment's Python.
    kernels = base / "jupyter" / "kernels" / "colab-sim"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab simulation",
        "language": "python",
    }))
    return {"python": python, "jupyter": base / "jupyter", "git_config": git_config,
            "site": site, "work": base / "work"}


def test_chapter_runs_in_simulated_colab(colab, monkeypatch):
    work = colab["work"]
    work.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import ropeviz, sys\nprint(ropeviz.__file__)\nprint(sys.executable)"))
    monkeypatch.setenv("JUPYTER_PATH", str(colab["jupyter"]))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(colab["git_config"]))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(notebook, kernel_name="colab-sim", timeout=600,
                            resources={"metadata": {"path": str(work)}})
    client.execute()

    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    last = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    module_file, executable = last.strip().splitlines()[-2:]
    assert module_file.startswith(str(colab["site"])), f"ropeviz came from {module_file}"
    assert executable == str(colab["python"])
    assert not (work / "ropeviz").exists()


def test_pyproject_ranges_admit_colab_style_versions():
    """The package's own dependencies are loose ranges, and torch is not forced on Colab."""
    text = (ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    assert '"numpy>=1.24"' in dependencies  # numpy 1.x and 2.x
    assert '"matplotlib>=3.7"' in dependencies
    assert '"ipywidgets>=7.7,<9"' in dependencies
    assert "torch" not in dependencies  # Colab's own torch is kept
