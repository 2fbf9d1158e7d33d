"""Where a result came from: the command line, the package version (and git commit when run from a checkout), and
the SHA-256 of every input file. `results.save` writes this into every sidecar."""
from __future__ import annotations

import functools
import hashlib
import os
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def sha256(path: Path | str) -> str:
    """SHA-256 of a file's bytes, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(paths) -> dict[str, str]:
    """``{path: sha256}`` of every existing file among ``paths``; a folder contributes each file directly in it."""
    found = {}
    for path in (Path(p) for p in paths if p is not None):
        if path.is_file():
            found[str(path)] = sha256(path)
        elif path.is_dir():
            found.update({str(f): sha256(f) for f in sorted(path.iterdir()) if f.is_file()})
    return found


@functools.lru_cache(maxsize=1)
def package() -> dict[str, str]:
    """``version`` of the installed package, and ``git_commit`` (with ``git_dirty``) when it runs from a checkout."""
    try:
        found = {"version": metadata.version("ntk-fourier")}
    except metadata.PackageNotFoundError:  # run from a copy of the sources (PYTHONPATH), not installed
        from ntk_fourier import __version__
        found = {"version": __version__}
    root = Path(__file__).resolve().parent.parent
    if (root / ".git").exists():
        try:
            git = ["git", "-C", str(root)]
            commit = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
            dirty = subprocess.run(git + ["status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                   text=True, timeout=10)
            if commit.returncode == 0:
                found.update(git_commit=commit.stdout.strip(), git_dirty=bool(dirty.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    return found


def collect(argv: list[str] | None = None, inputs=(), program: str | None = None) -> dict:
    """The provenance of a result: ``command_line`` (``program`` + ``argv``, default this process's ``sys.argv``),
    ``cwd``, ``package`` (`package`) and ``inputs`` (`input_hashes` of ``inputs``)."""
    words = list(sys.argv) if argv is None else [program or Path(sys.argv[0]).name, *argv]
    return {"command_line": shlex.join(str(w) for w in words), "cwd": os.getcwd(), "package": package(),
            "inputs": input_hashes(inputs)}
