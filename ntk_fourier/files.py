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


def regular_file(path: Path, what: str) -> Path:
    """``path`` if it is a regular file (following links); one-line errors for a missing path, a folder, or anything
    that is not a file (a FIFO, a device, a socket), which reading could block on or never finish."""
    import stat
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{what} file {path} does not exist")
    except OSError as err:
        raise InputError(f"cannot read {what} file {path}: {err.strerror or err}")
    if stat.S_ISDIR(mode):
        raise InputError(f"{what} file {path} is a folder; give a file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{what} {path} is not a regular file (a pipe, device or socket); give a file")
    return Path(path)


def declared_arrays(path: Path, what: str) -> dict[str, tuple[tuple, np.dtype]]:
    """The shape and dtype of each array an .npy file or .npz archive declares, read from the headers alone (nothing
    decompressed but the first bytes of each member), so that sizes can be checked before anything is loaded."""
    from numpy.lib import format as npy
    def header(fh):
        version = npy.read_magic(fh)
        shape, _, dtype = (npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0)(fh)
        return tuple(shape), dtype
    try:
        if zipfile.is_zipfile(path):
            found = {}
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.filename.endswith(".npy"):
                        with archive.open(info) as fh:
                            found[info.filename[:-4]] = header(fh)
            return found
        with open(path, "rb") as fh:
            return {"": header(fh)}
    except UNREADABLE as err:
        raise InputError(f"cannot read {what} file {path} as a NumPy .npy/.npz file: {err}")


def check_declared_size(path: Path, what: str) -> None:
    """Refuse, before decompressing or loading, a file whose arrays would need more memory than is free (an .npz of
    a few MB can declare GBs)."""
    from ntk_fourier import memory
    total = 0
    for shape, dtype in declared_arrays(path, what).values():
        count = 1
        for side in shape:
            count *= int(side)
        total += count * max(dtype.itemsize, 8)  # read as float64
    memory.require(total, f"{what} file {path}: its arrays",
                   "give a smaller file (or set NTK_FOURIER_MEMORY_LIMIT higher if the memory is there)")


def open_numpy(path: Path, what: str):
    """``numpy.load`` (no pickles) with one-line errors: an array (.npy) or an open archive (.npz); the file must be
    a regular file whose declared arrays fit in free memory (`check_declared_size`), checked before loading."""
    regular_file(path, what)
    check_declared_size(path, what)
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


DATA_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _check_data_shapes(shapes: dict[str, tuple]) -> None:
    """A data set's shapes: x_train, x_test (n,) or (n, d) with d in 1..3 (the same d), y_train, y_test (n,) or
    (n, outputs) matching them (the same outputs)."""
    dims = {}
    for part in ("train", "test"):
        x, y = shapes[f"x_{part}"], shapes[f"y_{part}"]
        if len(x) not in (1, 2) or (len(x) == 2 and not 1 <= x[1] <= 3):
            raise InputError(f"x_{part} must have shape (n,) or (n, d) with d in 1..3, got {x}")
        if len(y) not in (1, 2) or y[0] != x[0]:
            raise InputError(f"y_{part} must have shape ({x[0]},) or ({x[0]}, outputs) to match x_{part}, got {y}")
        dims[part] = (1 if len(x) == 1 else x[1], y[1:])
    if dims["train"][0] != dims["test"][0]:
        raise InputError("x_train and x_test have different numbers of coordinates")
    if dims["train"][1] != dims["test"][1]:
        raise InputError("y_train and y_test have different numbers of outputs")


def load_data(path: Path) -> dict[str, np.ndarray]:
    """A data set (x_train, y_train, x_test, y_test), its shapes checked from the archive's headers before anything
    is decompressed."""
    declared = declared_arrays(regular_file(path, "data"), "data")
    if all(k in declared for k in DATA_KEYS):
        _check_data_shapes({k: declared[k][0] for k in DATA_KEYS})
    data = load_npz(path, DATA_KEYS, "data")
    data["x_train"], data["x_test"] = points(data["x_train"], "x_train"), points(data["x_test"], "x_test")
    _check_data_shapes({k: v.shape for k, v in data.items()})
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


def read_sidecar(path: Path) -> dict:
    """The JSON sidecar of a result (``NAME.json`` beside ``NAME.npz``): {} when absent, one-line error if unreadable
    or if it records another file's checksum than NAME.npz's (`results.check_pair`)."""
    from ntk_fourier.results import check_pair, read_json
    sidecar = Path(path).with_suffix(".json")
    if not sidecar.exists():
        return {}
    meta = read_json(sidecar, "a result's sidecar")
    if Path(path).with_suffix(".npz").is_file():
        check_pair(Path(path).with_suffix(".npz"), meta)
    return meta


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
                                optimizer="gd", linearize=store is linear, **settings)
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


def load_kernel(path: Path, x_train: np.ndarray, model=None) -> np.ndarray:
    """The NTK of ``x_train`` from a result of ``ntk-fourier kernel`` (.npz with ntk): refused unless its sidecar
    records that it was computed on these very points (SHA-256 of --x and --x2) with ``model`` (any width, except in
    the standard parameterization, where the NTK depends on it)."""
    n = len(x_train)
    ntk = load_npz(path, ("ntk",), "--kernel")["ntk"]
    if ntk.shape != (n, n):
        raise InputError(f"--kernel ntk has shape {ntk.shape}; it must be the ({n}, {n}) NTK of x_train")
    meta = read_sidecar(path)
    want = array_sha256(x_train)
    recorded = (meta.get("x_sha256"), meta.get("x2_sha256"))
    if None in recorded:
        raise InputError(f"--kernel {path} does not record the points it was computed on (its sidecar has no "
                         "x_sha256): compute it with 'ntk-fourier kernel --x X.npy', X.npy holding x_train")
    if recorded != (want, want):
        raise InputError(f"--kernel {path} was computed on other points than --data's x_train (SHA-256 differs): "
                         "compute it with 'ntk-fourier kernel --x X.npy', X.npy holding x_train")
    if model is not None and model.parameterization != "standard" and isinstance(meta.get("model"), dict):
        width = meta["model"].get("width")
        if isinstance(width, int) and width >= 1:
            model = model.replace(width=width)
    check_made_with(path, meta, model)
    return ntk


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


TEMP_EXTRA = len(".") + len(".") + 8  # atomic writes go through ".STEM.XXXXXXXX.SUFFIX" beside the target NAME


def _broken_link(path: Path) -> Path | None:
    """The first of ``path`` and its ancestors that is a symbolic link leading nowhere (dangling, or a loop)."""
    for candidate in (path, *path.parents):
        try:
            if candidate.is_symlink() and not candidate.exists():
                return candidate
        except OSError as err:  # e.g. a name too long for the file system
            raise InputError(f"cannot use --out {path}: {err.strerror or err}; choose another --out")
    return None


def check_output(path: Path, folder: bool = False, writes: tuple[str, ...] = ()) -> Path:
    """Refuse, before any computation, an output that cannot be written. ``path``: the output file (its .json
    sidecar too) or, with ``folder``, the output folder, in which the command writes ``writes`` (names; a trailing
    "/" marks a subfolder). Refused: a file where a folder goes or the reverse, a symbolic link that leads nowhere (or
    a loop), a name too long for the file system (its temporary name included), and a place where nothing can be
    created (e.g. /proc). Writes nothing: it probes the nearest existing folder with a temporary file, removed at
    once."""
    path = Path(path)
    broken = _broken_link(path)
    if broken is not None:
        raise InputError(f"--out {path}: {broken} is a symbolic link that leads nowhere (missing target or a loop); "
                         "choose another --out")
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"--out {path} is a file; give a folder for this command's results")
    if not folder and path.is_dir():
        raise InputError(f"--out {path} is a folder; give a file name ending in .npz")
    target = path if folder else path.parent
    ancestor = target
    while not ancestor.exists() and ancestor != ancestor.parent:
        if ancestor.is_symlink():
            raise InputError(f"cannot create {target}: {ancestor} is a symbolic link that leads nowhere")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"cannot create {target}: {ancestor} is a file; choose another --out")
    try:
        name_max = os.pathconf(ancestor, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    written = [path / name.rstrip("/") for name in writes] if folder else [path, path.with_suffix(".json")]
    for place in written:
        if len(place.name) + TEMP_EXTRA > name_max or len(str(place.absolute())) > 4000:
            raise InputError(f"the name {place.name[:40]}... is too long for the file system (at most {name_max} "
                             f"characters, {TEMP_EXTRA} of them taken by a temporary name); choose a shorter --out")
    for part in target.relative_to(ancestor).parts:
        if len(part) > name_max:
            raise InputError(f"the folder name {part[:40]}... is too long for the file system (at most {name_max} "
                             "characters); choose a shorter --out")
    if folder:
        for name in writes:
            place = path / name.rstrip("/")
            if name.endswith("/") and place.exists() and not place.is_dir():
                raise InputError(f"--out {path}: {place} is a file where this command writes a folder; move it, or "
                                 "choose another --out")
            if not name.endswith("/") and place.is_dir():
                raise InputError(f"--out {path}: {place} is a folder where this command writes a file; move it, or "
                                 "choose another --out")
            broken = _broken_link(place)
            if broken is not None:
                raise InputError(f"--out {path}: {broken} is a symbolic link that leads nowhere; remove it, or "
                                 "choose another --out")
    try:
        handle, probe = tempfile.mkstemp(dir=ancestor, prefix=".ntk-fourier-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise InputError(f"cannot write to {target} ({err.strerror or err}); choose another --out")
    return path
