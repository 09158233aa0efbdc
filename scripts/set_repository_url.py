"""Change the book's repository URL everywhere it appears, from its one setting.

Usage::

    python scripts/set_repository_url.py https://github.com/OWNER/REPO

The URL's home is ``repository.url`` in ``_config.yml``: Jupyter Book builds the Colab launch
buttons from it. Copies of it live in the Colab install cell of every notebook
(``pip install "ropeviz @ git+URL"``) and wherever else a tracked text file names it. This
script replaces the current URL (read from ``_config.yml``) with the new one in all tracked
``.yml``, ``.md``, ``.toml``, ``.ipynb``, ``.py`` and ``.cfg`` files, and reports each file it
changed. ``tests/test_repository_url.py`` fails if any copy disagrees with ``_config.yml``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL_PATTERN = re.compile(r"^https://github\.com/[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
SUFFIXES = {".yml", ".yaml", ".md", ".toml", ".ipynb", ".py", ".cfg"}


def current_url(root: Path = ROOT) -> str:
    """The URL under ``repository:`` in ``_config.yml`` (read without a YAML dependency)."""
    in_repository = False
    for line in (root / "_config.yml").read_text().splitlines():
        if re.match(r"^repository:\s*$", line):
            in_repository = True
        elif in_repository and re.match(r"^\S", line):
            break
        elif in_repository and (match := re.match(r"^\s+url:\s*(\S+)\s*$", line)):
            return match.group(1)
    raise ValueError("_config.yml has no repository.url setting")


def tracked_files(root: Path) -> list[Path]:
    listing = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.split()
    return [root / name for name in listing if Path(name).suffix in SUFFIXES]


def set_url(new_url: str, root: Path = ROOT) -> list[Path]:
    """Replace the current URL by ``new_url`` in every tracked text file; return those changed."""
    new_url = new_url.rstrip("/")
    if new_url.endswith(".git"):
        new_url = new_url[: -len(".git")]
    if not URL_PATTERN.match(new_url):
        raise ValueError(
            f"new_url must look like https://github.com/OWNER/REPO (Colab opens notebooks from "
            f"GitHub), got {new_url!r}"
        )
    old_url = current_url(root)
    changed = []
    if new_url == old_url:
        return changed
    # Match the old URL only where it is not the prefix of a longer name (REPO vs REPO-old).
    pattern = re.compile(re.escape(old_url) + r"(?![A-Za-z0-9._-])")
    for path in tracked_files(root):
        text = path.read_text(encoding="utf-8")
        updated = pattern.sub(new_url, text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="https://github.com/OWNER/REPO")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        old = current_url(args.root)
        changed = set_url(args.url, args.root)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"updated {path.relative_to(args.root)}")
    print(f"repository URL: {old} -> {current_url(args.root)} ({len(changed)} files changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
