"""Results are files: arrays in ``NAME.npz`` and a JSON sidecar ``NAME.json`` with the model, seed, package versions,
timings and any other settings, so that a figure can be redrawn, and a number traced, without recomputing."""
from __future__ import annotations

import dataclasses
import datetime
import json
import platform
from importlib import metadata
from pathlib import Path

import numpy as np

from ntk_fourier.errors import InputError

_PACKAGES = ("ntk-fourier", "jax", "jaxlib", "neural-tangents", "numpy", "scipy")


def versions() -> dict[str, str]:
    """Installed versions of the packages that change numbers (absent ones omitted), and Python's."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _jsonable(value):
    if dataclasses.is_dataclass(value):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
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


def save(path: Path | str, arrays: dict[str, np.ndarray], **meta) -> Path:
    """Write ``arrays`` to ``path`` (.npz) and ``meta`` (plus versions and a timestamp) to the .json beside it."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **arrays)
        sidecar = {"created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "versions": versions(), **_jsonable(meta)}
        path.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n")
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}")
    return path


def load(path: Path | str) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and sidecar metadata written by `save`."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    sidecar = path.with_suffix(".json")
    return arrays, (json.loads(sidecar.read_text()) if sidecar.exists() else {})
