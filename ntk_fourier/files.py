"""Reading the files users give on the command line, with one-line errors for every way they can be wrong:
point sets (.npy), data sets and results (.npz), training runs from another machine. The CLI's only file layer."""
from __future__ import annotations

import os
import tempfile
import tokenize
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ntk_fourier.errors import InputError


# what numpy.load and reading an archive member raise on a truncated, corrupt or mislabelled file
UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError,
              SyntaxError, TypeError, tokenize.TokenError)


def open_numpy(path: Path, what: str):
    """``numpy.load`` (no pickles) with one-line errors: an array (.npy) or an open archive (.npz)."""
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"{what} file {path} does not exist")
    except IsADirectoryError:
        raise InputError(f"{what} file {path} is a folder; give a file")
    except MemoryError:
        raise InputError(f"{what} file {path} declares an array too large for memory")
    except UNREADABLE as err:
        raise InputError(f"cannot read {what} file {path} as a NumPy .npy/.npz file: {err}")


def load_array_raw(path: Path, what: str) -> np.ndarray:
    """One array from an .npy file, as stored (any dtype), with one-line errors."""
    arr = open_numpy(path, what)
    if isinstance(arr, np.lib.npyio.NpzFile):
        arr.close()
        raise InputError(f"{what} file {path} is an .npz archive; save the array with numpy.save as .npy")
    return arr


def load_array(path: Path, what: str) -> np.ndarray:
    return numeric(load_array_raw(path, what), f"{what} file {path}")


def numeric(arr: np.ndarray, what: str) -> np.ndarray:
    if not isinstance(arr, np.ndarray):  # an archive member that is no .npy array (numpy returns its bytes)
        raise InputError(f"{what} is not a NumPy array")
    if arr.dtype.kind not in "iuf":
        raise InputError(f"{what} must hold real numbers, got dtype {arr.dtype}")
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # out-of-range values become inf: refused below
        warnings.simplefilter("ignore")
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
        try:
            arrays = {k: archive[k] for k in keys}
        except UNREADABLE as err:  # a damaged member is found only when it is read
            raise InputError(f"cannot read {what} file {path}: it is damaged or truncated ({err})")
        except MemoryError:
            raise InputError(f"{what} file {path} declares an array too large for memory")
        return {k: numeric(v, f"{k} in {path}") for k, v in arrays.items()}


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


def array_sha256(array: np.ndarray) -> str:
    """SHA-256 of an array's values as float64 (C order) and its shape."""
    import hashlib
    array = np.ascontiguousarray(np.asarray(array, dtype=np.float64))
    return hashlib.sha256(str(array.shape).encode() + array.tobytes()).hexdigest()


def data_sha256(data: dict) -> str:
    """SHA-256 of a data set's arrays (x_train, y_train, x_test, y_test as float64): which data a run was made on."""
    import hashlib
    digest = hashlib.sha256()
    for key in ("x_train", "y_train", "x_test", "y_test"):
        digest.update(np.ascontiguousarray(np.asarray(data[key], dtype=np.float64)).tobytes())
    return digest.hexdigest()


def read_json_object(path: Path, what: str) -> dict:
    """A JSON object from ``path``; one-line errors when unreadable or not an object ("PATH is not WHAT")."""
    import json
    try:
        found = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InputError(f"cannot read {path} as JSON: {err}")
    if not isinstance(found, dict):
        raise InputError(f"{path} is not {what} (a JSON object)")
    return found


def read_sidecar(path: Path) -> dict:
    """The JSON sidecar of a result (``NAME.json`` beside ``NAME.npz``): {} when absent, one-line error if unreadable."""
    sidecar = Path(path).with_suffix(".json")
    return read_json_object(sidecar, "a result's sidecar") if sidecar.is_file() else {}


def check_made_with(path: Path, meta: dict, model=None, lr: float | None = None, data_hash: str | None = None,
                    **settings) -> None:
    """Refuse a result whose sidecar says it was made with another model, learning rate, data set, or other
    ``settings`` (sidecar key -> expected value; keys the sidecar lacks are not checked)."""
    from ntk_fourier.results import _jsonable
    if not isinstance(meta, dict) or not isinstance(meta.get("model", {}) or {}, dict):
        raise InputError(f"the sidecar of {path} is not a result's (a JSON object with a model object)")
    if lr is not None and meta.get("lr") is not None and not (
            isinstance(meta["lr"], (int, float)) and np.isclose(float(meta["lr"]), lr, rtol=1e-12, atol=0)):
        raise InputError(f"{path} was trained with lr {meta['lr']}, not {lr:g}: use the same --lr, or retrain")
    if model is not None and meta.get("model") is not None:
        want = _jsonable(model)
        diff = sorted(k for k in set(want) | set(meta["model"]) if meta["model"].get(k) != want.get(k))
        if diff:
            raise InputError(f"{path} was made with another model ({', '.join(diff)} {'differs' if len(diff) == 1 else 'differ'}): use "
                             "the same model options, or recompute it")
    if data_hash is not None and meta.get("data_sha256") not in (None, data_hash):
        raise InputError(f"{path} was made from other data (SHA-256 differs from --data's): use the same --data")
    for key, value in settings.items():
        if key in meta and _jsonable(value) != meta[key]:
            raise InputError(f"{path} was made with {key} {meta[key]!r}, not {_jsonable(value)!r}: use the same "
                             "options, or recompute it")


def load_runs(folder: Path, widths: list[int], steps: np.ndarray, model=None, lr: float | None = None,
              data: dict | None = None, required: bool = True, **settings):
    """Training results made elsewhere (e.g. on a GPU): FOLDER/width_W.npz written by ``ntk-fourier train`` (and
    FOLDER/width_W_linear.npz, the linearised networks, where present). Each is checked against ``steps`` and, from
    its sidecar, against ``model`` (at width W), ``lr``, ``data`` and ``settings`` (e.g. seeds, dtype). ``required``:
    a missing width_W.npz is an error (else skipped). Returns (runs, linear runs): width -> run."""
    from ntk_fourier.network.training import read_run
    runs, linear = {}, {}
    data_hash = None if data is None else data_sha256(data)
    for w in widths:
        for name, store, needed in ((f"width_{w}.npz", runs, required), (f"width_{w}_linear.npz", linear, False)):
            path = folder / name
            if not (path.is_file() and path.with_suffix(".json").is_file()):
                if needed:
                    raise InputError(f"--runs file {path} does not exist (or lacks its .json sidecar)")
                continue
            try:
                store[w], meta = read_run(path)
                check_made_with(path, meta, None if model is None else model.replace(width=w), lr, data_hash,
                                **settings)
            except InputError:
                raise
            except (*UNREADABLE, KeyError, AttributeError) as err:
                raise InputError(f"cannot read training result {path}: {err}")
            if not np.array_equal(store[w].steps, steps):
                raise InputError(f"{path} was recorded at steps {store[w].steps.tolist()}, not at --steps")
            check_run_shapes(path, store[w], data)
    return runs, linear


def check_run_shapes(path: Path, run, data: dict | None) -> None:
    """Refuse a training result whose arrays do not have `train`'s shapes for ``data``: f_train (T, S, n, k)."""
    if data is None:
        return
    n, m = len(data["x_train"]), len(data["x_test"])
    k = 1 if np.ndim(data["y_train"]) == 1 else data["y_train"].shape[1]
    t = len(run.steps)
    ok = (run.f_train.ndim == 4 and run.f_train.shape[0] == t and run.f_train.shape[2:] == (n, k)
          and run.f_test.shape == (t, run.f_train.shape[1], m, k))
    if not ok:
        raise InputError(f"{path} holds f_train {run.f_train.shape} and f_test {run.f_test.shape}, not the (steps, "
                         f"seeds, {n}, {k}) and (steps, seeds, {m}, {k}) that 'train' writes for --data")


def load_f0(path: Path, data: dict, index: int | None = None, model=None) -> dict[str, np.ndarray]:
    """Initial outputs for ``predict``: ``f_train`` and ``f_test`` from an .npz holding them for ``data``'s points, or
    from a training result (``ntk-fourier train``: arrays (steps, seeds, points[, outputs])), whose step 0 of network
    ``index`` (default 0) is taken, after checking from its sidecar that it was trained on ``data`` with ``model``
    (any width). Returns {"f_train", "f_test"} shaped like y_train, y_test."""
    f0 = load_npz(path, ("f_train", "f_test"), "--f0")
    n_train, n_test = data["y_train"].size, data["y_test"].size
    if f0["f_train"].size == n_train and f0["f_test"].size == n_test and f0["f_train"].ndim <= 2:
        if index is not None:
            raise InputError(f"--f0-seed picks a network of a training result, but {path} holds one set of outputs")
        return f0
    with open_numpy(path, "--f0") as archive:
        try:
            steps = numeric(archive["steps"], f"steps in {path}") if "steps" in archive.files else None
        except UNREADABLE as err:
            raise InputError(f"cannot read --f0 file {path}: it is damaged or truncated ({err})")
    if steps is not None and steps.ndim != 1:
        raise InputError(f"steps in {path} must be a list of steps (1-D), got shape {steps.shape}")
    shape = f0["f_train"].shape
    if steps is None or f0["f_train"].ndim < 3 or shape[0] != len(steps) or int(np.prod(shape[2:])) != n_train \
            or int(np.prod(f0["f_test"].shape[2:])) != n_test or f0["f_test"].shape[:2] != shape[:2]:
        raise InputError(f"f_train in {path} has {f0['f_train'].size} values (shape {shape}) but y_train has "
                         f"{n_train}: give outputs for --data's points, or a training result of the same data")
    if steps[0] != 0:
        raise InputError(f"{path} has no step 0 (its first recorded step is {steps[0]:g}); train with --steps "
                         "starting at 0")
    meta = read_sidecar(path)
    width = (meta.get("model") or {}).get("width") if isinstance(meta.get("model"), dict) else None
    try:
        at_width = None if model is None or width is None else model.replace(width=int(width))
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{path.with_suffix('.json')} names width {width!r}: not a result of 'train'")
    check_made_with(path, meta, at_width, data_hash=data_sha256(data))
    index = 0 if index is None else index
    if not 0 <= index < shape[1]:
        raise InputError(f"--f0-seed {index} is out of range: {path} holds {shape[1]} network(s), 0..{shape[1] - 1}")
    return {"f_train": f0["f_train"][0, index].reshape(data["y_train"].shape),
            "f_test": f0["f_test"][0, index].reshape(data["y_test"].shape)}


def check_output(path: Path, folder: bool = False) -> Path:
    """Refuse, before any computation, an output that cannot be written: a file where a folder is expected or the
    reverse, or a place where nothing can be created (e.g. /proc). Writes nothing: it probes the nearest existing
    folder with a temporary file, removed at once."""
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"--out {path} is a file; give a folder for this command's results")
    if not folder and path.is_dir():
        raise InputError(f"--out {path} is a folder; give a file name ending in .npz")
    target = path if folder else path.parent
    ancestor = target
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"cannot create {target}: {ancestor} is a file; choose another --out")
    try:
        handle, probe = tempfile.mkstemp(dir=ancestor, prefix=".ntk-fourier-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise InputError(f"cannot write to {target} ({err.strerror or err}); choose another --out")
    return path

