"""The repository URL has one home (_config.yml) and one way to change it (a script)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import set_repository_url  # noqa: E402

URL = set_repository_url.current_url()


def test_config_url_is_a_github_repository():
    assert set_repository_url.URL_PATTERN.match(URL), URL


def test_colab_launch_button_is_configured():
    config = (ROOT / "_config.yml").read_text()
    assert re.search(r"^\s+colab_url: https://colab\.research\.google\.com\s*$", config, re.M)
    assert re.search(r"^\s+branch: main\s*$", config, re.M)


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_installs_from_the_configured_repository(path):
    cells = json.loads(path.read_text())["cells"]
    install = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
    urls = re.findall(r"git\+(https://[^\"'\s]+)", install)
    assert urls == [URL], f"{path.name} installs from {urls}, _config.yml says {URL}"


def test_no_tracked_file_names_another_copy_of_the_repository():
    owner_repo = URL.removeprefix("https://github.com/")
    owner = owner_repo.split("/")[0]
    for path in set_repository_url.tracked_files(ROOT):
        for found in re.findall(r"github\.com/" + re.escape(owner) + r"/[A-Za-z0-9._-]+",
                                path.read_text(encoding="utf-8")):
            assert found == f"github.com/{owner_repo}", f"{path.name}: {found}"


def test_script_rewrites_every_copy(tmp_path):
    copy = tmp_path / "book"
    names = ["_config.yml", "README.md", "intro.md",
             *[str(p.relative_to(ROOT)) for p in ROOT.glob("chapters/*.ipynb")]]
    for name in names:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, copy / name)
    subprocess.run(["git", "init", "--quiet"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    new = "https://github.com/someone-else/the-rope-book"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "set_repository_url.py"), new, "--root", str(copy)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert set_repository_url.current_url(copy) == new
    for notebook in copy.glob("chapters/*.ipynb"):
        text = notebook.read_text()
        assert f"git+{new}" in text and URL not in text


def test_script_refuses_a_url_colab_cannot_open(tmp_path):
    with pytest.raises(ValueError, match="new_url must look like https://github.com/OWNER/REPO"):
        set_repository_url.set_url("https://gitlab.com/a/b", ROOT)
