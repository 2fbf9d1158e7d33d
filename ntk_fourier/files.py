"""Reading the files users give on the command line, with one-line errors for every way they can be wrong:
point sets (.npy), data sets and results (.npz), training runs from another machine. The CLI's only file layer."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ntk_fourier.errors import InputError


def open_numpy(path: Path, what: str):
    """``numpy.load`` (no pickles) with one-line errors: an array (.npy) or an open archive (.npz)."""
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"{what} file {path} does not exist")
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {what} file {path} as a NumPy .npy/.npz file: {err}")


def load_array(path: Path, what: str) -> np.ndarray:
    arr = open_numpy(path, what)
    if isinstance(arr, np.lib.npyio.NpzFile):
        arr.close()
        raise InputError(f"{what} file {path} is an .npz archive; save the points with numpy.save as .npy")
    return numeric(arr, f"{what} file {path}")


def numeric(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.dtype.kind not in "iuf":
        raise InputError(f"{what} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.size == 0:
        raise InputError(f"{what} is empty")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} contains NaN or infinite values")
    return arr


def points(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or not 1 <= arr.shape[1] <= 3:
        raise InputError(f"{what} must have shape (n,) or (n, d) with d in 1..3, got {arr.shape}")
    return arr


def load_npz(path: Path, keys: tuple[str, ...], what: str) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of an .npz archive, as finite float64; one-line errors for every way this can fail."""
    archive = open_numpy(path, what)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError(f"{what} file {path} must be an .npz archive with {', '.join(keys)}")
    with archive:
        missing = [k for k in keys if k not in archive.files]
        if missing:
            raise InputError(f"{what} file {path} lacks {', '.join(missing)}; it needs {', '.join(keys)}")
        return {k: numeric(archive[k], f"{k} in {path}") for k in keys}


def load_data(path: Path) -> dict[str, np.ndarray]:
    data = load_npz(path, ("x_train", "y_train", "x_test", "y_test"), "data")
    data["x_train"], data["x_test"] = points(data["x_train"], "x_train"), points(data["x_test"], "x_test")
    for part in ("train", "test"):
        x, y = data[f"x_{part}"], data[f"y_{part}"]
        if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
            raise InputError(f"y_{part} must have shape ({x.shape[0]},) or ({x.shape[0]}, outputs) to match "
                             f"x_{part}, got {y.shape}")
    if data["x_train"].shape[1] != data["x_test"].shape[1]:
        raise InputError("x_train and x_test have different numbers of coordinates")
    if data["y_train"].shape[1:] != data["y_test"].shape[1:]:
        raise InputError("y_train and y_test have different numbers of outputs")
    return data


def parse_widths(text: str) -> list[int]:
    try:
        widths = [int(w) for w in text.split(",")]
    except ValueError:
        raise InputError(f"malformed width list {text!r}: write e.g. 256,1024,4096")
    if not widths or min(widths) < 1 or len(set(widths)) != len(widths):
        raise InputError(f"malformed width list {text!r}: distinct positive integers, e.g. 256,1024,4096")
    return widths


def load_runs(folder: Path, widths: list[int], steps: np.ndarray):
    """Training results made elsewhere (e.g. on a GPU): FOLDER/width_W.npz written by ``ntk-fourier train``."""
    from ntk_fourier.network.training import load_run
    runs = {}
    for w in widths:
        path = folder / f"width_{w}.npz"
        if not path.is_file():
            raise InputError(f"--runs file {path} does not exist")
        try:
            runs[w] = load_run(path)
        except (OSError, ValueError) as err:
            raise InputError(f"cannot read --runs file {path}: {err}")
        if not np.array_equal(runs[w].steps, steps):
            raise InputError(f"{path} was recorded at steps {runs[w].steps.tolist()}, not at --steps")
    return runs
