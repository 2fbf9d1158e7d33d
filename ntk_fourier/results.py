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
import sys
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
    """Write ``arrays`` to ``path`` (.npz) and ``meta`` (plus versions, a timestamp, ``provenance``, by default
    `provenance.collect` of this process's command line, and the SHA-256 of the .npz file) to the .json beside it.
    Both are written completely to temporary files before either is renamed into place, so a failed write (a full
    disk) leaves the previous pair whole; the checksum detects a pair that was mixed by other means (`load`,
    `check_pair`)."""
    path = Path(path)
    try:
        with atomic(path) as arrays_temp, atomic(path.with_suffix(".json")) as sidecar_temp:
            np.savez(arrays_temp, **arrays)
            sidecar = {"created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                       "versions": versions(), "provenance": provenance or _provenance.collect(), **_jsonable(meta),
                       "arrays_sha256": _provenance.sha256(arrays_temp)}
            sidecar_temp.write_text(json.dumps(sidecar, indent=2) + "\n")
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}")
    return path


_WARNED: set[str] = set()


def check_pair(path: Path | str, meta: dict) -> None:
    """Refuse a result whose sidecar records another .npz's SHA-256 (the pair was mixed); warn (one line) when the
    sidecar records none (written by a version before checksums), as its match cannot be checked."""
    path = Path(path)
    recorded = meta.get("arrays_sha256") if isinstance(meta, dict) else None
    if recorded is None:
        if meta and str(path) not in _WARNED:
            _WARNED.add(str(path))
            print(f"ntk-fourier: warning: {path.with_suffix('.json')} records no checksum of {path.name} (written by "
                  "an older version): their match is not checked", file=sys.stderr)
        return
    if recorded != _provenance.sha256(path):
        raise InputError(f"{path} does not match its sidecar {path.with_suffix('.json').name} (the sidecar records "
                         "another file's SHA-256): the pair was mixed or altered; recompute the result")


def load(path: Path | str) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and sidecar metadata written by `save`."""
    path = Path(path)
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a single array, not an .npz archive of results")
    with archive:
        arrays = {k: archive[k] for k in archive.files}
    sidecar = path.with_suffix(".json")
    meta = read_json(sidecar, "a result's sidecar") if sidecar.exists() else {}
    check_pair(path, meta)
    return arrays, meta


MAX_JSON_BYTES = 64 * 2**20


def read_json(path: Path | str, what: str) -> dict:
    """A JSON object from ``path`` (a regular file of at most 64 MiB), with one-line errors when it is unreadable,
    too large, too deeply nested or not an object ("PATH is not WHAT")."""
    path = Path(path)
    try:
        if not path.is_file():
            raise InputError(f"{path} is not a regular file; {what} is a JSON file")
        if path.stat().st_size > MAX_JSON_BYTES:
            raise InputError(f"{path} is larger than {MAX_JSON_BYTES // 2**20} MiB: not {what}")
        found = json.loads(path.read_text())
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be {what}")
    except (OSError, UnicodeDecodeError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"cannot read {path} as JSON: {err}")
    if not isinstance(found, dict):
        raise InputError(f"{path} is not {what} (a JSON object)")
    return found
