"""Results are files: arrays in ``NAME.npz`` and a JSON sidecar ``NAME.json`` with the model, seed, package versions,
timings, provenance (command line, package version and git commit, SHA-256 of the inputs) and any other settings, so
that a figure can be redrawn, and a number traced, without recomputing. Every write is atomic: a temporary file in
the same folder, renamed over the target when complete, so an interrupted run never leaves a truncated result."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from ntk_fourier import provenance as _provenance
from ntk_fourier.errors import InputError

_PACKAGES = ("ntk-fourier", "jax", "jaxlib", "neural-tangents", "numpy", "scipy")


def versions() -> dict[str, str]:
    """Installed versions of the packages that change numbers (absent ones omitted; this package's from its sources
    when it is not installed), and Python's."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name == "ntk-fourier":
                found[name] = _provenance.package()["version"]
    return found


def _jsonable(value):
    if dataclasses.is_dataclass(value):  # fields left empty (a mapping's amplitudes) are not written
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items() if v != ()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic, np.ndarray)):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)  # JSON has no inf / nan
    if isinstance(value, Path):
        return str(value)
    return value


@contextlib.contextmanager
def atomic(path: Path | str):
    """Yield a temporary path beside ``path`` (same suffix) to write to; rename it to ``path`` when the block ends
    without error, delete it otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(handle)
    try:
        yield Path(temp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # as a plain open() would have made it
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (`atomic`)."""
    with atomic(path) as temp:
        temp.write_text(text)
    return Path(path)


def save(path: Path | str, arrays: dict[str, np.ndarray], provenance: dict | None = None, **meta) -> Path:
    """Write ``arrays`` to ``path`` (.npz) and ``meta`` (plus versions, a timestamp and ``provenance``, by default
    `provenance.collect` of this process's command line) to the .json beside it, each atomically; the .json is
    written last, so a result whose sidecar exists is complete."""
    path = Path(path)
    try:
        with atomic(path) as temp:
            np.savez(temp, **arrays)
        sidecar = {"created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "versions": versions(), "provenance": provenance or _provenance.collect(), **_jsonable(meta)}
        write_text(path.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}")
    return path


def load(path: Path | str) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and sidecar metadata written by `save`."""
    path = Path(path)
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a single array, not an .npz archive of results")
    with archive:
        arrays = {k: archive[k] for k in archive.files}
    sidecar = path.with_suffix(".json")
    return arrays, (json.loads(sidecar.read_text()) if sidecar.exists() else {})
