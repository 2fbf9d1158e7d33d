"""Property-based tests (hypothesis) of the file loaders and of the command line with random malformed input: arrays of
the wrong shape, dtype, rank or values; truncated, damaged or mislabelled files; malformed TOML; out-of-range numbers.

Loaders (`files.load_array` / `files.points`, `files.load_npz`, `files.load_data`, `files.load_f0`,
`images.data.image_array` / `images.data.load`, `cli._read_config`): each either returns a result that satisfies its
documented contract, or raises `InputError` with a one-line message; never another exception, never a warning a user
would see. Where the input is known to be valid (an intact file of a valid array), it must be accepted.

The CLI (`cli.main` in-process): a malformed file or an out-of-range value in an otherwise valid, tiny command line
gives exit status 2, exactly one line on stderr (``ntk-fourier: error: ...``), no traceback, nothing on stdout, and
nothing written (the folders are listed before and after; the --out path must not exist afterwards).

Inputs that ntk_fourier does not handle yet are kept out of the strategies by `EXCLUDED` (name -> what happens):
delete an entry once the code handles it, and the strategies draw those inputs again.
``NTK_FOURIER_PROPERTY_EXAMPLES=10`` runs ten times as many examples (a longer hunt).
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings, strategies as st
from hypothesis.extra import numpy as npst

from ntk_fourier import bounds, cli, files
from ntk_fourier.errors import InputError
from ntk_fourier.images import data as image_data

# Known failures (found by these properties), excluded from the strategies until ntk_fourier handles them.
EXCLUDED: dict[str, str] = {}  # none: every kind of malformed input below is drawn

SCALE = float(os.environ.get("NTK_FOURIER_PROPERTY_EXAMPLES", "1"))
HIDDEN = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)  # Python's default filters


def _settings(examples: int):
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def _allowed(*kinds: tuple[str, str | None]) -> list[str]:
    """The kinds whose exclusion (second item) is not in EXCLUDED."""
    return [kind for kind, excluded in kinds if excluded is None or excluded not in EXCLUDED]


# ---------------------------------------------------------------------------------------------------------------------
# Running code under test

def _assert_one_line(message: str) -> None:
    assert message.strip() and len(message.splitlines()) == 1, f"not a one-line message: {message!r}"


def _outcome(fn, *args):
    """("ok", value) or ("refused", message) for ``fn(*args)``; any other exception fails the property, and so does a
    warning a user would see (more output than the one line)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", fn(*args))
        except InputError as err:
            result = ("refused", str(err))
    shown = [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, HIDDEN)]
    assert not shown, f"warnings a user would see: {shown}"
    if result[0] == "refused":
        _assert_one_line(result[1])
    note(f"outcome: {result[0]}: {result[1] if result[0] == 'refused' else type(result[1]).__name__}")
    return result


@contextlib.contextmanager
def _scratch(root: Path):
    """A fresh folder under ``root``, removed afterwards."""
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _finite_real(a: np.ndarray) -> bool:
    """A non-empty array of finite real numbers (integers or floats, finite as float64)."""
    if a.dtype.kind not in "iuf" or a.size == 0:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(np.isfinite(a.astype(np.float64))))


def _float64(a: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return a.astype(np.float64)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


# ---------------------------------------------------------------------------------------------------------------------
# Arrays

REAL_DTYPES = ["<f8", "<f4", "<f2", ">f8", ">f4", "g", "<i8", "<i4", "|i1", "|u1", "<u2", "<u8", ">i2"]
ANY_DTYPES = st.one_of(
    npst.scalar_dtypes(),  # bool, integers, floats, complex, datetime64, timedelta64
    npst.integer_dtypes(endianness="?"), npst.floating_dtypes(endianness="?"),
    npst.complex_number_dtypes(endianness="?"),
    npst.byte_string_dtypes(max_len=3), npst.unicode_string_dtypes(max_len=3),
    npst.datetime64_dtypes(endianness="?"), npst.timedelta64_dtypes(endianness="?"),
    st.tuples(npst.scalar_dtypes(), npst.scalar_dtypes()).map(lambda ab: np.dtype([("a", ab[0]), ("b", ab[1])])),
)
ANY_SHAPES = npst.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)
POINT_SHAPES = st.one_of(st.tuples(st.integers(0, 6)), st.tuples(st.integers(0, 6), st.integers(0, 5)), ANY_SHAPES)
IMAGE_SHAPES = st.one_of(st.tuples(st.integers(0, 5), st.integers(0, 5)),
                         st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)), ANY_SHAPES)
POISON = st.sampled_from([np.nan, np.inf, -np.inf])


@st.composite
def arrays(draw, shapes, clean: bool = False, lo: float = -8.0, hi: float = 8.0):
    """Arrays of ``shapes``: mostly real numbers in [lo, hi] (full range for integers), sometimes with a NaN or an
    infinity, and, unless ``clean``, sometimes any other dtype (complex, bool, strings, dates, records)."""
    shape = draw(shapes)
    if clean or draw(st.integers(0, 2)):
        dtype = np.dtype(draw(st.sampled_from(REAL_DTYPES)))
        if dtype.kind == "f":
            width = min(8 * dtype.itemsize, 64)
            elements = st.floats(lo, hi, width=width)
        elif clean:
            elements = st.integers(max(math.ceil(lo), np.iinfo(dtype).min), min(math.floor(hi), np.iinfo(dtype).max))
        else:
            elements = npst.from_dtype(dtype)
        arr = draw(npst.arrays(dtype, shape, elements=elements))
        if dtype.kind == "f" and arr.size and not clean and draw(st.integers(0, 3)) == 0:
            arr.flat[draw(st.integers(0, arr.size - 1))] = draw(POISON)
        if dtype == np.longdouble and arr.size and not clean and "float-cast-warning" not in EXCLUDED \
                and draw(st.booleans()):
            with np.errstate(all="ignore"):
                arr = arr * np.longdouble("1e4000")  # beyond float64's range
        return arr
    arr = draw(npst.arrays(draw(ANY_DTYPES), shape))
    if "float-cast-warning" in EXCLUDED:
        assume(_casts_quietly(arr))
    return arr


def _casts_quietly(*found: np.ndarray) -> bool:
    """Whether these arrays (or the arrays an .npy / .npz file's bytes hold) convert to float64 without a
    floating-point warning (overflow of long doubles, signalling NaNs)."""
    for a in found:
        if isinstance(a, bytes):
            try:
                loaded = np.load(io.BytesIO(a), allow_pickle=False)
                inner = [loaded] if isinstance(loaded, np.ndarray) else [loaded[k] for k in loaded.files]
            except Exception:  # noqa: BLE001 - not readable: the loaders refuse it before any conversion
                continue
            if not _casts_quietly(*inner):
                return False
        elif a.dtype.kind == "f":
            try:
                with np.errstate(all="raise"):
                    a.astype(np.float64)
            except FloatingPointError:
                return False
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Files: intact, truncated, damaged, mislabelled

def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _npy_header(text: str) -> bytes:
    """An .npy (version 1.0) header holding ``text``, padded as numpy pads it."""
    body = text.encode("latin1")
    body += b" " * (-(10 + len(body) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def _object_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([1, "a", None], dtype=object), allow_pickle=True)
    return buf.getvalue()


def _no_zip_magic(raw: bytes, image: bool = False) -> bytes:
    """``raw``, made not to start like a zip archive for images while that case is excluded."""
    if image and "image-npy-zip" in EXCLUDED and raw[:2] == b"PK":
        raw = b"\x00" + raw
    return raw


LATIN1_TEXT = st.text(st.characters(max_codepoint=255), max_size=6)


def _claimed_bytes(descr, shape) -> int:
    """The size of the array a header claims (0 where numpy would not make sense of it)."""
    try:
        itemsize = np.dtype(descr).itemsize
        return itemsize * math.prod(max(int(n), 0) for n in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    except Exception:  # noqa: BLE001 - numpy refuses such a header anyway
        return 0


@st.composite
def claimed_headers(draw, payload: bytes) -> bytes:
    """A well-formed .npy header that says something else about ``payload`` (dtype, shape, order, keys)."""
    descr = draw(st.one_of(ANY_DTYPES.map(np.lib.format.dtype_to_descr), st.sampled_from(REAL_DTYPES), LATIN1_TEXT,
                           st.integers(-2, 9)))
    dims = st.integers(-2, 12) if "npy-huge-shape" in EXCLUDED else st.integers(-2, 10**15)
    shape = draw(st.one_of(st.lists(dims, max_size=4).map(tuple), st.lists(dims, max_size=2), dims,
                           st.tuples(st.floats(0, 4))))
    order = draw(st.one_of(st.booleans(), st.sampled_from([0, 1, None, "no"])))
    header = {"descr": descr, "fortran_order": order, "shape": shape}
    for key in draw(st.lists(st.sampled_from(["descr", "fortran_order", "shape"]), max_size=1)):
        del header[key]
    if draw(st.integers(0, 5)) == 0:
        header["extra"] = 1
    if "npy-huge-shape" in EXCLUDED:  # e.g. descr 'U99999' (400 kB an item) times 12**4 items: 8 GB
        assume(_claimed_bytes(descr, shape) <= 2**26)
    text = "{" + "".join(f"{k!r}: {v!r}, " for k, v in header.items()) + "}"
    try:
        return _npy_header(text) + payload
    except UnicodeEncodeError:
        assume(False)


@st.composite
def npy_files(draw, array_strategy, image: bool = False):
    """(bytes of a file given as .npy (an image's when ``image``), the array it holds when intact, else None)."""
    arr = draw(array_strategy)
    raw = _npy_bytes(arr)
    header_end = raw.index(b"\n") + 1
    kind = draw(st.sampled_from(["intact"] * 6 + _allowed(
        ("truncated", None), ("data-byte", None), ("claimed-header", None), ("random-bytes", None), ("text", None),
        ("npz-named-npy", None), ("object", None), ("empty", None), ("header-byte", "npy-header-bytes"),
        ("magic-garbage", "npy-header-bytes"), ("zip-magic", "image-npy-zip" if image else None))))
    note(f"npy file: {kind}")
    if kind == "intact" or (kind == "data-byte" and len(raw) == header_end):
        return raw, arr
    if kind == "truncated":
        return raw[:draw(st.integers(1, len(raw) - 1))], None
    if kind in ("data-byte", "header-byte"):
        start, stop = (header_end, len(raw) - 1) if kind == "data-byte" else (8, header_end - 1)
        pos = draw(st.integers(start, stop))
        raw = raw[:pos] + bytes([draw(st.integers(0, 255))]) + raw[pos + 1:]
        assume("float-cast-warning" not in EXCLUDED or _casts_quietly(raw))
        return raw, None
    if kind == "claimed-header":
        raw = draw(claimed_headers(raw[header_end:]))
        assume("float-cast-warning" not in EXCLUDED or _casts_quietly(raw))
        return raw, None
    if kind == "random-bytes":
        return _no_zip_magic(draw(st.binary(max_size=300)), image), None
    if kind == "text":
        return _no_zip_magic(draw(st.text(max_size=100)).encode(), image), None
    if kind == "npz-named-npy":
        buf = io.BytesIO()
        np.savez(buf, a=arr)
        return buf.getvalue(), None
    if kind == "object":
        return _object_npy(), None
    if kind == "empty":
        return b"", None
    if kind == "magic-garbage":
        return b"\x93NUMPY\x01\x00" + draw(st.binary(min_size=2, max_size=200)), None
    return b"PK\x03\x04" + draw(st.binary(max_size=100)), None  # zip-magic


def _npz_bytes(members: dict, compressed: bool) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **members)
    return buf.getvalue()


@st.composite
def npz_files(draw, member_strategy, npy_named_npz: bool = True):
    """(bytes of a file given as .npz, its members when intact, else None)."""
    members = draw(member_strategy)
    raw = _npz_bytes(members, draw(st.booleans()))
    kind = draw(st.sampled_from(["intact"] * 6 + _allowed(
        ("npy-named-npz", None if npy_named_npz else "runs-npy"), ("random-bytes", None), ("text", None),
        ("empty", None), ("truncated", None), ("byte", "npz-zip-headers"), ("object-member", None),
        ("raw-member", "npz-member-unreadable"))))
    note(f"npz file: {kind}")
    if kind == "intact":
        return raw, members
    if kind == "npy-named-npz":
        return _npy_bytes(next(iter(members.values()), np.zeros(3))), None
    if kind == "random-bytes":
        return draw(st.binary(max_size=300)), None
    if kind == "text":
        return draw(st.text(max_size=100)).encode(), None
    if kind == "empty":
        return b"", None
    if kind == "truncated":
        return raw[:draw(st.integers(1, len(raw) - 1))], None
    if kind == "byte":
        pos = draw(st.integers(0, len(raw) - 1))
        return raw[:pos] + bytes([draw(st.integers(0, 255))]) + raw[pos + 1:], None
    key = draw(st.sampled_from(sorted(members) or ["x_train"]))
    if kind == "object-member":
        buf = io.BytesIO()
        np.savez(buf, **{**members, key: np.array([1, "a", None], dtype=object)})
        return buf.getvalue(), None
    buf = io.BytesIO()  # raw-member: a member that is not a readable .npy
    with zipfile.ZipFile(buf, "w") as archive:
        for name, value in members.items():
            if name != key:
                archive.writestr(name + ".npy", _npy_bytes(value))
        content = draw(st.one_of(st.binary(max_size=50), st.just(_npy_bytes(np.zeros(4))[:70])))
        archive.writestr(key + draw(st.sampled_from([".npy", ""])), content)
    return buf.getvalue(), None


DATA_KEYS = ("x_train", "y_train", "x_test", "y_test")
EXTRA_KEYS = ("x", "y", "ntk", "steps", "X_train", "f_train")


@st.composite
def data_members(draw):
    """The members of a data set archive: the four arrays with consistent lengths (often), then perturbed: a key
    dropped or added, a member replaced by an array of another shape, length or dtype."""
    n, m, d = draw(st.integers(0, 5)), draw(st.integers(0, 5)), draw(st.integers(1, 3))
    k = draw(st.sampled_from([None, 1, 2]))
    flat_x = d == 1 and draw(st.booleans())
    shapes = {"x_train": (n,) if flat_x else (n, d), "x_test": (m,) if flat_x else (m, d),
              "y_train": (n,) if k is None else (n, k), "y_test": (m,) if k is None else (m, k)}
    clean = draw(st.integers(0, 2)) == 0
    members = {key: draw(arrays(st.just(shape), clean=clean)) for key, shape in shapes.items()}
    for _ in range(0 if clean else draw(st.integers(0, 2))):
        operation = draw(st.sampled_from(["drop", "extra", "replace"]))
        key = draw(st.sampled_from(DATA_KEYS))
        if operation == "drop":
            members.pop(key, None)
        elif operation == "extra":
            members[draw(st.sampled_from(EXTRA_KEYS))] = draw(arrays(POINT_SHAPES))
        else:
            members[key] = draw(arrays(POINT_SHAPES))
    return members


def _expect_data(members: dict) -> bool:
    """Whether these members make a valid data set (files.load_data's docstring, written out independently)."""
    if not all(k in members and _finite_real(members[k]) for k in DATA_KEYS):
        return False
    dims = []
    for part in ("train", "test"):
        x, y = members[f"x_{part}"], members[f"y_{part}"]
        if x.ndim == 1:
            dims.append(1)
        elif x.ndim == 2 and 1 <= x.shape[1] <= 3:
            dims.append(x.shape[1])
        else:
            return False
        if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
            return False
    return dims[0] == dims[1] and members["y_train"].shape[1:] == members["y_test"].shape[1:]


# ---------------------------------------------------------------------------------------------------------------------
# 1. Loader properties

@_settings(800)
@given(case=npy_files(arrays(POINT_SHAPES)))
def test_load_array_and_points(work, case):
    """.npy point files: finite float64 of the array's shape (any non-empty finite real array is accepted); then
    `points`: (n, d) with d in 1..3 (exactly the arrays of shape (n,) or (n, d) are accepted)."""
    raw, intact = case
    with _scratch(work) as folder:
        path = folder / "x.npy"
        path.write_bytes(raw)
        kind, value = _outcome(files.load_array, path, "--x")
    if intact is not None:
        assert (kind == "ok") == _finite_real(intact), f"{kind}: {value}"
    if kind == "refused":
        return
    assert isinstance(value, np.ndarray) and value.dtype == np.float64 and value.size > 0
    assert np.all(np.isfinite(value))
    if intact is not None:
        np.testing.assert_array_equal(value, _float64(intact))
    kind, pts = _outcome(files.points, value, "--x")
    fits = value.ndim == 1 or (value.ndim == 2 and 1 <= value.shape[1] <= 3)
    assert (kind == "ok") == fits, f"{kind} for shape {value.shape}"
    if kind == "ok":
        assert pts.dtype == np.float64 and pts.ndim == 2 and 1 <= pts.shape[1] <= 3 and pts.shape[0] >= 1
        np.testing.assert_array_equal(pts, value.reshape(len(value), -1))


@_settings(400)
@given(case=npz_files(st.dictionaries(st.sampled_from(DATA_KEYS + EXTRA_KEYS), arrays(POINT_SHAPES), max_size=4)),
       keys=st.lists(st.sampled_from(DATA_KEYS + ("ntk", "steps")), min_size=1, max_size=3, unique=True))
def test_load_npz(work, case, keys):
    """.npz archives: the asked-for arrays as finite, non-empty float64, or a one-line refusal (a missing key, an
    array that is not finite real numbers, a file that is not an archive)."""
    raw, intact = case
    with _scratch(work) as folder:
        path = folder / "a.npz"
        path.write_bytes(raw)
        kind, value = _outcome(files.load_npz, path, tuple(keys), "--kernel")
    if intact is not None:
        assert (kind == "ok") == all(k in intact and _finite_real(intact[k]) for k in keys), f"{kind}: {value}"
    if kind == "ok":
        assert sorted(value) == sorted(keys)
        for k in keys:
            assert value[k].dtype == np.float64 and value[k].size > 0 and np.all(np.isfinite(value[k]))
            if intact is not None:
                np.testing.assert_array_equal(value[k], _float64(intact[k]))


@_settings(600)
@given(case=npz_files(data_members()))
def test_load_data(work, case):
    """Data sets: x_* (n, d) with d in 1..3, y_* (n,) or (n, outputs) matching x_*, the same d and outputs in train
    and test, all finite float64; an intact archive is accepted exactly when it is such a data set."""
    raw, intact = case
    with _scratch(work) as folder:
        path = folder / "d.npz"
        path.write_bytes(raw)
        kind, data = _outcome(files.load_data, path)
    if intact is not None:
        assert (kind == "ok") == _expect_data(intact), f"{kind}: {data}"
    if kind == "refused":
        return
    assert set(DATA_KEYS) <= set(data)
    for key in DATA_KEYS:
        assert data[key].dtype == np.float64 and np.all(np.isfinite(data[key])) and data[key].size > 0
    d = data["x_train"].shape[1]
    assert data["x_train"].ndim == 2 and 1 <= d <= 3 and data["x_test"].shape[1:] == (d,)
    for part in ("train", "test"):
        y = data[f"y_{part}"]
        assert y.ndim in (1, 2) and y.shape[0] == data[f"x_{part}"].shape[0]
    assert data["y_train"].shape[1:] == data["y_test"].shape[1:]
    if intact is not None:
        for key in DATA_KEYS:
            np.testing.assert_array_equal(data[key], _float64(intact[key]).reshape(data[key].shape))


def _f0_data(outputs: int | None) -> dict:
    from ntk_fourier.datasets import one_over_f
    data = {k: v for k, v in one_over_f(32, 4).items() if k in DATA_KEYS}  # 8 training, 24 test points
    if outputs is not None:
        data["y_train"] = np.repeat(data["y_train"][:, None], outputs, 1)
        data["y_test"] = np.repeat(data["y_test"][:, None], outputs, 1)
    return data


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                           lambda inner: st.lists(inner, min_size=1, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, min_size=1, max_size=3), max_leaves=6)
if "f0-sidecar-width" in EXCLUDED:
    WIDTHS = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**30), st.floats(-3, 1e300),
                       st.from_regex(r"-?[0-9]{1,3}", fullmatch=True))
else:
    WIDTHS = JSON_VALUES


@st.composite
def f0_files(draw, n_train: int, n_test: int, outputs: int | None):
    """(members, sidecar text or None): outputs for the data's points, or a training result (steps, seeds, points
    [, outputs]), perturbed: lengths, ranks, dtypes, steps, missing keys; with a sidecar that may be malformed."""
    tail = () if outputs is None else (outputs,)
    if draw(st.booleans()):  # one set of outputs
        members = {"f_train": draw(arrays(st.sampled_from([(n_train,) + tail, (n_train * (outputs or 1),),
                                                           (1, n_train * (outputs or 1)), (n_train - 1,)]))),
                   "f_test": draw(arrays(st.sampled_from([(n_test,) + tail, (n_test * (outputs or 1),),
                                                          (n_test + 1,)])))}
    else:  # a training result
        steps, seeds = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        members = {"f_train": draw(arrays(st.sampled_from([(steps, seeds, n_train) + tail, (steps, n_train),
                                                           (steps + 1, seeds, n_train) + tail]))),
                   "f_test": draw(arrays(st.sampled_from([(steps, seeds, n_test) + tail, (steps, seeds + 1, n_test),
                                                          (steps, seeds, n_test, 2)]))),
                   "steps": draw(st.one_of(st.just(np.arange(steps, dtype=np.float64)),
                                           st.just(np.arange(1, steps + 1, dtype=np.float64)),
                                           arrays(st.sampled_from([(steps,), (steps + 1,)]))))}
        if "f0-steps-rank" not in EXCLUDED and draw(st.integers(0, 4)) == 0:
            members["steps"] = draw(arrays(st.sampled_from([(), (steps, 2)])))
        if draw(st.integers(0, 4)) == 0:
            del members["steps"]
    if draw(st.integers(0, 5)) == 0:
        del members[draw(st.sampled_from(["f_train", "f_test"]))]
    sidecar = draw(st.one_of(
        st.none(), st.text(max_size=20), JSON_VALUES.map(json.dumps),
        st.fixed_dictionaries({}, optional={"model": st.one_of(st.fixed_dictionaries({"width": WIDTHS}),
                                                              st.sampled_from([None, 3, "x", [1]])),
                                            "data_sha256": st.one_of(st.text(max_size=8), st.integers(), st.none())}
                              ).map(json.dumps)))
    return members, sidecar


@_settings(400)
@given(st.data())
def test_load_f0(work, data):
    """Initial outputs (--f0): f_train, f_test as finite float64 with as many values as y_train, y_test, or a
    one-line refusal; --f0-seed with a plain set of outputs is refused."""
    from ntk_fourier import Model
    outputs = data.draw(st.sampled_from([None, 2]), label="outputs")
    dataset = _f0_data(outputs)
    members, sidecar = data.draw(f0_files(8, 24, outputs), label="f0")
    index = data.draw(st.one_of(st.none(), st.integers(-2, 4)), label="index")
    model = data.draw(st.sampled_from([None, Model(), Model(width=8)]), label="model")
    with _scratch(work) as folder:
        path = folder / "f0.npz"
        path.write_bytes(_npz_bytes(members, False))
        if sidecar is not None:
            path.with_suffix(".json").write_text(sidecar)
        kind, f0 = _outcome(files.load_f0, path, dataset, index, model)
    f_train, f_test = members.get("f_train"), members.get("f_test")
    plain = f_train is not None and f_test is not None and _finite_real(f_train) and _finite_real(f_test) and \
        f_train.size == dataset["y_train"].size and f_test.size == dataset["y_test"].size and f_train.ndim <= 2
    if plain:  # one set of outputs: taken as is, but --f0-seed (a network of a training result) makes no sense
        assert kind == ("ok" if index is None else "refused"), f"{kind}: {f0}"
    if kind == "ok":
        assert sorted(f0) == ["f_test", "f_train"]
        for part in ("train", "test"):
            f = f0[f"f_{part}"]
            assert f.dtype == np.float64 and np.all(np.isfinite(f)) and f.size == dataset[f"y_{part}"].size


@st.composite
def image_arrays(draw):
    lo, hi = draw(st.sampled_from([(0.0, 1.0), (0.0, 1.0), (-0.5, 1.5), (0.0, 255.0)]))
    return draw(arrays(IMAGE_SHAPES, clean=draw(st.booleans()), lo=lo, hi=hi))


def _expect_image(a: np.ndarray) -> bool:
    """Whether `image_array` must accept ``a`` (its docstring, written out independently)."""
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (1, 3, 4))) or min(a.shape[:2]) < 2:
        return False
    if a.dtype.kind == "b":
        return True
    if a.dtype.kind in "iu":
        return bool(a.min() >= 0)
    if a.dtype.kind == "f":
        b = _float64(a)
        return bool(np.all(np.isfinite(b)) and b.min() >= 0 and b.max() <= 1)
    return False


@_settings(600)
@given(arr=image_arrays())
def test_image_array(arr):
    """Arrays as images: (h, w, 1 or 3) float64 in [0, 1], the same h, w; accepted exactly as documented."""
    kind, image = _outcome(image_data.image_array, arr, "image")
    assert (kind == "ok") == _expect_image(arr), f"{kind}: {image}"
    if kind == "ok":
        assert image.dtype == np.float64 and image.ndim == 3 and image.shape[:2] == arr.shape[:2]
        assert image.shape[2] in (1, 3) and np.all(np.isfinite(image)) and image.min() >= 0 and image.max() <= 1
        if arr.dtype.kind == "f":
            np.testing.assert_array_equal(image, _float64(arr).reshape(image.shape[:2] + (-1,))[..., :3])


SIZES = st.one_of(st.sampled_from([4, 6, 8]), st.integers(-3, 12))


def _check_loaded_image(kind, image, size, intact_ok):
    if intact_ok is not None:
        valid_size = size >= 4 and size % 2 == 0
        assert (kind == "ok") == (intact_ok and valid_size), f"{kind}: {image}"
    if kind == "ok":
        assert image.dtype == np.float64 and image.shape[:2] == (size, size) and image.shape[2] in (1, 3)
        assert np.all(np.isfinite(image)) and image.min() >= 0 and image.max() <= 1


@_settings(500)
@given(case=npy_files(image_arrays(), image=True), size=SIZES)
def test_image_load_npy(work, case, size):
    """.npy images at ``size``: (size, size, 1 or 3) in [0, 1], or a one-line refusal (odd or small sizes too)."""
    raw, intact = case
    with _scratch(work) as folder:
        path = folder / "i.npy"
        path.write_bytes(raw)
        kind, image = _outcome(image_data.load, path, size)
    _check_loaded_image(kind, image, size, None if intact is None else _expect_image(intact))


@st.composite
def picture_files(draw):
    """(bytes, suffix, intact?) of a tiny PNG or JPEG in one of Pillow's modes, maybe damaged or mislabelled."""
    from PIL import Image
    fmt = draw(st.sampled_from(["PNG", "JPEG"]))
    mode = draw(st.sampled_from(["L", "RGB", "RGBA", "P", "1", "LA", "I;16"] if fmt == "PNG" else ["L", "RGB", "CMYK"]))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    pixels = draw(npst.arrays(np.uint8, (h, w, 3)))
    image = Image.fromarray(pixels[..., 0].astype(np.uint16) * 200) if mode == "I;16" else \
        Image.fromarray(pixels).convert(mode)
    buf = io.BytesIO()
    image.save(buf, fmt)
    raw = buf.getvalue()
    suffix = ".png" if fmt == "PNG" else ".jpg"
    kind = draw(st.sampled_from(["intact"] * 3 + ["truncated", "random-bytes", "npy-named-png"] + _allowed(
        ("byte", None if fmt == "JPEG" else "png-bytes"), ("empty", None))))
    note(f"picture: {fmt} {mode} {h}x{w} {kind}")
    if kind == "intact":
        return raw, suffix, min(h, w) >= 2  # the images' minimum size, as for .npy arrays
    if kind == "truncated":
        return raw[:draw(st.integers(0, len(raw) - 1))], suffix, None
    if kind == "byte":
        pos = draw(st.integers(0, len(raw) - 1))
        return raw[:pos] + bytes([draw(st.integers(0, 255))]) + raw[pos + 1:], suffix, None
    if kind == "random-bytes":
        return draw(st.binary(max_size=200)), suffix, None
    if kind == "empty":
        return b"", suffix, None
    return _npy_bytes(pixels / 255.0), suffix, None


@_settings(250)
@given(case=picture_files(), size=SIZES)
def test_image_load_picture(work, case, size):
    """PNG / JPEG files at ``size``: (size, size, 1 or 3) in [0, 1], or a one-line refusal."""
    raw, suffix, intact = case
    with _scratch(work) as folder:
        path = folder / f"p{suffix}"
        path.write_bytes(raw)
        kind, image = _outcome(image_data.load, path, size)
    _check_loaded_image(kind, image, size, intact)


# ---------------------------------------------------------------------------------------------------------------------
# TOML model configs

class _Literal(str):
    """A TOML value written as is (dates, times)."""


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml(v) -> str:
    if isinstance(v, _Literal):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(map(_toml, v)) + "]"
    return "{" + ", ".join(f"{_toml_str(k)} = {_toml(x)}" for k, x in v.items()) + "}"


CONFIG_NAMES = sorted(set(cli.MODEL_KEYS) | {k.replace("-", "_") for k in cli.MODEL_KEYS})
INTS = st.integers(-2**63, 2**63 - 1) if "toml-huge-int" in EXCLUDED else st.integers()
TOML_VALUES = st.one_of(
    st.text(max_size=8), INTS, st.integers(-3, 300), st.floats(), st.floats(-3, 300), st.booleans(),
    st.lists(st.integers(-5, 5), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=2),
    st.sampled_from(["1979-05-27T07:32:00Z", "1979-05-27", "07:32:00"]).map(_Literal))


def _expect_config(pairs) -> dict | None:
    """What `cli._read_config` must return for these TOML key/value pairs; None where it must refuse."""
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):  # a duplicated key: invalid TOML
        return None
    config = {}
    for key, value in pairs:
        name = key.replace("_", "-")
        if name not in cli.MODEL_KEYS:
            return None
        kind = cli.MODEL_KEYS[name][0]
        if kind is str:
            ok = isinstance(value, str) and not isinstance(value, _Literal)
        else:
            b = bounds.OPTIONS[f"--{name}"]  # the option's documented range (docs/cli.md)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and (
                kind is float or (math.isfinite(value) and float(value).is_integer())) and (
                value > b.low if b.open_low else value >= b.low) and value <= b.high
        if not ok:
            return None
        config[name.replace("-", "_")] = kind(value)
    return config


@st.composite
def toml_files(draw):
    """(bytes, expected dict or None where it must be refused, or "any" where either is fine)."""
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(CONFIG_NAMES), st.text(max_size=6)), TOML_VALUES),
                          max_size=4))
    text = "".join(f"{_toml_str(k)} = {_toml(v)}\n" for k, v in pairs)
    expected = _expect_config(pairs)
    kind = draw(st.sampled_from(["intact"] * 4 + _allowed(
        ("table", None), ("garbled", None), ("truncated", None), ("random-text", None),
        ("random-bytes", "toml-not-utf8"))))
    note(f"toml: {kind}")
    if kind == "intact":
        return text.encode(), expected
    if kind == "table":
        return (text + f"[{_toml_str(draw(st.sampled_from(CONFIG_NAMES)))}]\nx = 1\n").encode(), None
    if kind == "garbled":
        pos = draw(st.integers(0, len(text)))
        junk = draw(st.sampled_from(["=", "[", "]", '"', "'", "{", "\n=", "\x00", "= =", "\\"]))
        return (text[:pos] + junk + text[pos:]).encode(), "any"
    if kind == "truncated":
        return text[:draw(st.integers(0, len(text)))].encode(), "any"
    if kind == "random-text":
        return draw(st.text(max_size=40)).encode(), "any"
    return draw(st.binary(max_size=40)), "any"


@_settings(600)
@given(case=toml_files())
def test_read_config(work, case):
    """TOML configs: known keys (w-std or w_std) with values of the option's type, as the option's type; anything
    else (syntax errors, unknown keys, wrong types, tables, dates) is refused in one line."""
    raw, expected = case
    with _scratch(work) as folder:
        path = folder / "c.toml"
        path.write_bytes(raw)
        kind, config = _outcome(cli._read_config, path)
    if expected != "any":
        assert (kind == "ok") == (expected is not None), f"{kind}: {config}"
    if kind == "ok":
        for key, value in config.items():
            name = key.replace("_", "-")
            assert name in cli.MODEL_KEYS and type(value) is cli.MODEL_KEYS[name][0], (key, value)
        if expected not in (None, "any"):
            assert config.keys() == expected.keys()
            for key, value in expected.items():
                assert value == config[key] or (value != value and config[key] != config[key])


def test_read_config_missing_or_folder(work):
    with _scratch(work) as folder:
        for path in (folder / "none.toml", folder):
            with pytest.raises(InputError) as err:
                cli._read_config(path)
            _assert_one_line(str(err.value))


# ---------------------------------------------------------------------------------------------------------------------
# 2. CLI properties

@pytest.fixture(scope="module")
def cli_root(tmp_path_factory):
    """shared/: a valid data set (from `data`), points, a training result; cases/: one fresh folder per example."""
    root = tmp_path_factory.mktemp("cli-properties")
    shared = root / "shared"
    shared.mkdir()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["data", "--grid", "32", "--stride", "4", "--out", str(shared / "d.npz")]) == 0
    np.save(shared / "x.npy", np.arange(8) / 8)
    np.save(shared / "x2d.npy", np.random.default_rng(0).uniform(size=(5, 2)))
    np.savez(shared / "tr.npz", steps=np.array([0.0, 1.0]), f_train=np.zeros((2, 2, 8)), f_test=np.zeros((2, 2, 24)))
    (root / "cases").mkdir()
    return root


def _listing(root: Path) -> dict:
    found = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder) / name
            stat = path.lstat()  # a folder's mtime changes with check_output's probe file: not compared
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns) if path.is_file() else "folder"
    return found


def _assert_refused(root: Path, argv: list[str], out: Path) -> None:
    """``main(argv)``: exit 2, one line on stderr starting 'ntk-fourier: error:', no traceback, nothing on stdout,
    no visible warning, nothing written under ``root`` (and ``out`` absent if it was)."""
    argv = [str(a) for a in argv]
    out_existed = out.exists()
    before = _listing(root)
    err, std = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ), warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        os.environ.pop("NTK_FOURIER_DEBUG", None)
        warnings.simplefilter("always")
        code = cli.main(argv)
    stderr, stdout = err.getvalue(), std.getvalue()
    shown = [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, HIDDEN)]
    note(f"argv={argv!r}\nexit {code}\nstderr={stderr!r}\nstdout={stdout!r}\nwarnings={shown}")
    assert "Traceback" not in stderr + stdout
    assert code == 2, f"exit {code}: {stderr!r}"
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ntk-fourier: error:"), f"stderr: {stderr!r}"
    assert not shown, f"warnings a user would see: {shown}"
    assert stdout == "", f"stdout: {stdout!r}"
    assert out.exists() == out_existed, f"{out} was written"
    after = _listing(root)
    assert after == before, f"written or changed: {sorted(set(after.items()) ^ set(before.items()))}"


TINY = ["--mapping", "basic", "--depth", "1", "--quiet"]


def _base(command: str, shared: Path) -> list[str]:
    """A valid, tiny command line (without --out)."""
    d, x = shared / "d.npz", shared / "x.npy"
    return {
        "kernel": ["kernel", "--x", x, *TINY],
        "spectrum": ["spectrum", "--grid", "8", *TINY],
        "harmonic": ["spectrum", "--harmonic", "2", "--mapping", "none", "--depth", "1", "--quiet"],
        "predict": ["predict", "--data", d, "--lr", "0.1", "--steps", "0,1", *TINY],
        "regress": ["regress", "--data", d, *TINY],
        "train": ["train", "--data", d, "--lr", "0.1", "--steps", "0,1", "--width", "4", *TINY],
        "compare": ["compare", "--data", d, "--widths", "4", "--lr", "0.1", "--steps", "0,1", "--seeds", "1",
                    "--no-decompose", *TINY],
        "data": ["data", "--grid", "32", "--stride", "4"],
        "image": ["image", "--builtin", "mri", "--size", "4", "--steps", "1", "--mappings", "none", "--quiet"],
    }[command]


FOLDER_COMMANDS = ("compare", "image")


@st.composite
def out_paths(draw, case: Path, command: str) -> Path:
    """A fresh --out inside ``case`` (maybe in a folder that does not exist yet)."""
    name = "o" if command in FOLDER_COMMANDS else "r.npz"
    return case / "sub" / name if draw(st.booleans()) else case / name


def _with_option(draw, argv: list, option: str, value: str) -> list:
    """``argv`` with ``option value`` (or ``option=value``) appended: the last occurrence wins."""
    if draw(st.booleans()) and not (value == "--" and "option-equals-dashdash" in EXCLUDED):
        return [*argv, f"{option}={value}"]
    return [*argv, option, value]


def _text_with(bad: str = "?"):
    """Random text that no parser here accepts: it contains ``bad``."""
    return st.tuples(st.text(max_size=5), st.text(max_size=5)).map(lambda ab: ab[0] + bad + ab[1])


def _unknown(choices):
    near = [c.upper() for c in choices] + [c + " " for c in choices] + [c[:-1] for c in choices]
    return st.one_of(st.text(max_size=8), st.sampled_from(near)).filter(lambda s: s not in choices)


def _fmt(values):
    return st.tuples(values, st.sampled_from([repr, "{:e}".format, "{:g}".format, " {!r} ".format])).map(
        lambda vf: vf[1](vf[0]))


NOT_A_NUMBER = st.one_of(st.sampled_from(["", "abc", "1,2", "0x10", "1..2", "1e", "e3", "½", "1 2", "auto", "--"]),
                         _text_with())
NOT_AN_INT = st.one_of(st.sampled_from(["", "2.5", "1e3", "0x10", "one", "1,2", "4.0", "--"]),
                       st.floats().map(repr), _text_with())
BAD_POSITIVE = st.one_of(_fmt(st.floats(max_value=0.0)), _fmt(st.sampled_from([math.nan, math.inf])),
                         st.sampled_from(["1e400", "-1e400", "nan", "-inf", "Infinity"]), NOT_A_NUMBER)
BAD_NON_NEGATIVE = st.one_of(_fmt(st.floats(max_value=0.0, exclude_max=True)),
                             _fmt(st.sampled_from([math.nan, math.inf, -math.inf])), NOT_A_NUMBER)
BAD_P = st.one_of(_fmt(st.floats(max_value=0.0, exclude_max=True)), st.just("nan"), NOT_A_NUMBER)
BAD_COUNT = st.one_of(st.integers(max_value=0).map(str), NOT_AN_INT)
BAD_SEED = st.one_of(st.integers(max_value=-1).map(str), NOT_AN_INT)
_STEPS_LISTS = st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=5)
BAD_STEPS = st.one_of(
    st.sampled_from(["", ",", "a,b", "-1", "0,-1", "1,0", "0.5", "0,1.5", "nan", "0,inf", "1e400", "log:",
                     "log:5:1:3", "log:0:10:3", "log:-1:10:3", "log:1:10", "log:1:10:2.5", "log:1:10:0",
                     "log:1:10:-2", "log:1:2:3:4", "log:1:10:nan", "log:a:b:c", "0;1", "0 1"]
                    + ([] if "steps-log-nonfinite" in EXCLUDED else ["log:1:5:inf", "log:1:1e400:3"])),
    _STEPS_LISTS.filter(lambda v: min(v) < 0 or v != sorted(v)).map(lambda v: ",".join(map(str, v))),
    _text_with())
BAD_WIDTHS = st.one_of(
    st.sampled_from(["0", "1,1", "-4", "", ",", "8,,16", "8.5", "4,-4", "a", "4;8", "4 8"]),
    st.lists(st.integers(-5, 64), min_size=1, max_size=4).filter(lambda v: min(v) < 1 or len(set(v)) < len(v)).map(
        lambda v: ",".join(map(str, v))),
    _text_with())
BAD_GRID = st.one_of(
    st.sampled_from(["0x3", "1x1x1x1", "1", "x", "8x", "-8", "2.5", "0", "8x8x8x8", "99999x99999", "8y8", ""]),
    st.lists(st.integers(-3, 1), min_size=1, max_size=3).map(lambda v: "x".join(map(str, v))),
    st.lists(st.integers(2, 4), min_size=4, max_size=6).map(lambda v: "x".join(map(str, v))),
    _text_with())
BAD_MAPPINGS = st.one_of(
    st.sampled_from(["", ",", " , "]),
    st.tuples(st.lists(st.sampled_from(["none", "basic", "positional", "gaussian", "siren"]), max_size=2),
              _text_with().map(lambda s: s.replace(",", ""))).map(lambda lu: ",".join([*lu[0], lu[1]])))
if "newline-in-names" in EXCLUDED:  # unknown --mappings names are echoed as they are
    BAD_MAPPINGS = BAD_MAPPINGS.filter(lambda s: len((s + "x").splitlines()) == 1)
BAD_BUILTIN = st.one_of(st.sampled_from(["", "Hopper", "text-1", "textx", "mri2", "text 1"]), _text_with())


def _ints_outside(lo: int, hi: int):
    return st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1)).map(str)


def _bad_options():
    from ntk_fourier.kernel.engine import ENGINES
    from ntk_fourier.model import ACTIVATIONS, INITS, MAPPING_KINDS, PARAMETERIZATIONS
    model = ("kernel", "spectrum", "predict", "regress", "train", "compare")
    table = [
        (model, "--mapping", _unknown(MAPPING_KINDS)),
        (model, "--activation", _unknown(ACTIVATIONS)),
        (model, "--parameterization", _unknown(PARAMETERIZATIONS)),
        (model, "--init", st.one_of(_unknown(INITS), st.just("siren"))),  # siren needs mapping none, activation sin
        (model, "--preset", _unknown(("default", "siren"))),
        (model, "--sigma", BAD_POSITIVE), (model, "--omega0", BAD_POSITIVE), (model, "--w-std", BAD_POSITIVE),
        (model, "--b-std", BAD_NON_NEGATIVE), (model, "--p", BAD_P),
        (model, "--features", BAD_COUNT), (model, "--depth", BAD_COUNT), (model, "--width", BAD_COUNT),
        (model, "--seed", BAD_SEED),
        (model, "--levels", st.one_of(BAD_COUNT, st.integers(65, 10**6).map(str))), (model, "--base", BAD_COUNT),
        (model, "--finest", BAD_COUNT), (model, "--table-size", BAD_COUNT),
        (model, "--finest", st.just("2"), "--mapping", "hash"),  # below the base resolution, 4
        (("kernel", "spectrum", "predict", "regress", "compare", "image"), "--engine", _unknown(ENGINES)),
        (("predict", "train"), "--lr", BAD_POSITIVE),
        (("compare",), "--lr", BAD_POSITIVE.filter(lambda s: s != "auto")),
        (("predict", "train", "compare"), "--steps", BAD_STEPS),
        (("compare",), "--widths", BAD_WIDTHS),
        (("train", "compare", "image"), "--seeds", BAD_COUNT),
        (("compare", "train"), "--dtype", _unknown(("float32", "float64"))),
        (("train",), "--optimizer", _unknown(("gd", "adam"))),
        (("spectrum",), "--grid", BAD_GRID),
        (("spectrum",), "--top", st.one_of(_ints_outside(1, 7), NOT_AN_INT)),
        (("spectrum", "regress"), "--kernel", _unknown(("ntk", "nngp"))),
        (("harmonic",), "--harmonic", st.one_of(st.integers().filter(lambda h: h not in (2, 3)).map(str),
                                                NOT_AN_INT)),
        (("harmonic",), "--max-degree", st.one_of(
            st.integers(max_value=-1).map(str), NOT_AN_INT,
            st.integers(2049, 10**5 if "harmonic-max-degree-huge" in EXCLUDED else None).map(str))),
        (("regress",), "--ridge", BAD_NON_NEGATIVE),
        (("regress",), "--tol", BAD_POSITIVE),
        (("regress",), "--max-iter", BAD_COUNT),
        (("regress",), "--precondition", st.one_of(st.integers(max_value=-1).map(str),
                                                   st.integers(min_value=8).map(str), NOT_AN_INT)),
        (("predict",), "--f0-seed", st.integers().map(str)),  # without --f0
        (model, "--devices", st.one_of(BAD_COUNT, st.integers(2, 10**6).map(str))),  # this process has 1 device
        (model, "--coordinator", st.text(min_size=1).filter(lambda t: not t.startswith("-"))),  # without the others
        (model, "--process-id", st.one_of(st.integers().map(str), NOT_AN_INT)),  # without --coordinator
        (("spectrum", "regress"), "--tile", BAD_COUNT),
        (("data",), "--grid", st.one_of(st.integers(max_value=3), st.integers(4, 10**4).filter(lambda n: n % 4),
                                        st.integers(2**22 + 1, 2**40).map(lambda n: 4 * n)).map(str)),
        (("data",), "--stride", st.one_of(st.integers(max_value=1), st.integers(2, 10**6).filter(lambda s: 32 % s)
                                          ).map(str)),
        (("data",), "--alpha", NOT_A_NUMBER),
        (("data",), "--data-seed", NOT_AN_INT if "data-seed-negative" in EXCLUDED else BAD_SEED),
        (("image",), "--size", st.one_of(st.integers(max_value=3), st.integers(5, 10**6).filter(lambda s: s % 2)
                                         ).map(str)),
        (("image",), "--steps", BAD_COUNT),
        (("image",), "--mappings", BAD_MAPPINGS),
        (("image",), "--builtin", BAD_BUILTIN),
        (("image",), "--image-seed", NOT_AN_INT),
    ]
    if "data-alpha-nonfinite" not in EXCLUDED:
        table.append((("data",), "--alpha", st.sampled_from(["nan", "-inf", "-1000"])))
    if "siren-omega0-zero" not in EXCLUDED:
        table.append((model, "--omega0", st.just("0"), "--preset", "siren"))
    return [(command, option, values, tuple(extra)) for commands, option, values, *extra in table
            for command in commands]


BAD_OPTIONS = _bad_options()


@_settings(1000)
@given(data=st.data())
def test_cli_refuses_bad_values(cli_root, data):
    """An out-of-range or malformed number, name or list in an otherwise valid command line."""
    command, option, values, extra = data.draw(st.sampled_from(BAD_OPTIONS), label="option")
    value = data.draw(values, label="value")
    with _scratch(cli_root / "cases") as case:
        out = data.draw(out_paths(case, command), label="out")
        argv = _with_option(data.draw, _base(command, cli_root / "shared"), option, value)
        _assert_refused(cli_root, [*argv, *extra, "--out", out], out)


def _refuses(fn, *args) -> bool:
    """Whether ``fn`` refuses (InputError); an oracle to keep the CLI examples to malformed inputs (a valid one would
    start a computation). Any other exception propagates: a failure of the loader's own property."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the CLI call, not the oracle, is checked for warnings
            fn(*args)
    except InputError:
        return True
    return False


def _ntk_of_x_train(path: Path):
    ntk = files.load_npz(path, ("ntk",), "--kernel")["ntk"]
    if ntk.shape != (8, 8):
        raise InputError("not the NTK of the 8 training points")


def _model_of(argv: list) -> object:
    return cli.model_from_args(cli.build_parser().parse_args([str(a) for a in argv]))


@_settings(400)
@given(data=st.data())
def test_cli_refuses_malformed_files(cli_root, data):
    """A malformed input file (points, data set, --f0, --kernel, image) in an otherwise valid command line."""
    shared = cli_root / "shared"
    slot = data.draw(st.sampled_from(["kernel --x", "kernel --x2", "spectrum --x", "predict --data", "regress --data",
                                      "train --data", "compare --data", "predict --f0", "train --kernel",
                                      "image --image"]), label="slot")
    command, option = slot.split()
    with _scratch(cli_root / "cases") as case:
        if option in ("--x", "--x2", "--image"):
            image = option == "--image"
            raw, _ = data.draw(npy_files(image_arrays() if image else arrays(POINT_SHAPES), image=image), label="npy")
            path = case / "bad.npy"
        elif option == "--f0":
            members, sidecar = data.draw(f0_files(8, 24, None), label="f0")
            raw, path = _npz_bytes(members, False), case / "f0.npz"
            if sidecar is not None:
                path.with_suffix(".json").write_text(sidecar)
        elif option == "--kernel":
            raw, _ = data.draw(npz_files(st.dictionaries(st.sampled_from(("ntk", "x", "f_train")),
                                                         arrays(st.one_of(st.just((8, 8)), POINT_SHAPES)),
                                                         max_size=2)), label="npz")
            path = case / "k.npz"
        else:
            raw, _ = data.draw(npz_files(data_members()), label="npz")
            path = case / "bad.npz"
        path.write_bytes(raw)
        base = _base(command, shared)
        if slot == "spectrum --x":
            base = ["spectrum", "--x", path, *TINY]
        elif slot == "image --image":
            base = ["image", "--image", path, "--size", "4", "--steps", "1", "--mappings", "none", "--quiet"]
        else:
            base = [*base, option, path]
        dataset = files.load_data(shared / "d.npz")
        oracle = {
            "--x": lambda: files.points(files.load_array(path, "--x"), "--x"),
            "--x2": lambda: files.points(files.load_array(path, "--x2"), "--x2"),
            "--data": lambda: files.load_data(path),
            "--f0": lambda: files.load_f0(path, dataset, None, _model_of(base + ["--out", "r.npz"])),
            "--kernel": lambda: _ntk_of_x_train(path),
            "--image": lambda: image_data.load(path, 4),
        }[option]
        assume(_refuses(oracle))
        out = data.draw(out_paths(case, command), label="out")
        _assert_refused(cli_root, [*base, "--out", out], out)


@_settings(150)
@given(data=st.data())
def test_cli_refuses_unusable_files(cli_root, data):
    """A file option naming a missing file, a folder, or a file of another kind (.npz for .npy and the reverse, JSON
    for TOML, a file or an empty folder for --runs)."""
    shared = cli_root / "shared"
    slot = data.draw(st.sampled_from(["kernel --x", "kernel --x2", "predict --data", "predict --f0", "train --kernel",
                                      "image --image", "kernel --config", "compare --runs"]), label="slot")
    command, option = slot.split()
    what = data.draw(st.sampled_from(["missing", "folder", "other-kind"]), label="what")
    names = st.text(max_size=8).filter(lambda s: "/" not in s and "\x00" not in s and s not in (".", ".."))
    if "newline-in-names" in EXCLUDED:
        names = names.filter(lambda s: len((s + "x").splitlines()) == 1)
    suffix = {"--x": ".npy", "--x2": ".npy", "--image": ".npy", "--config": ".toml", "--runs": ""}.get(option, ".npz")
    with _scratch(cli_root / "cases") as case:
        path = case / (data.draw(names, label="name") + suffix)
        assume(path.parent == case)
        if what == "folder" or (what == "other-kind" and option == "--runs"):
            path.mkdir(exist_ok=True)  # an empty --runs folder lacks width_4.npz
        elif what == "other-kind":
            if option == "--config":
                path.write_text('{"depth": 1}')
            else:
                shutil.copy(shared / ("d.npz" if suffix == ".npy" else "x.npy"), path)
        base = ["image", "--image", path, "--size", "4", "--steps", "1", "--mappings", "none", "--quiet"] \
            if option == "--image" else [*_base(command, shared), option, path]
        out = data.draw(out_paths(case, command), label="out")
        _assert_refused(cli_root, [*base, "--out", out], out)


@_settings(200)
@given(toml=toml_files(), command=st.sampled_from(["kernel", "spectrum", "predict", "regress", "train", "compare"]),
       data=st.data())
def test_cli_refuses_malformed_config(cli_root, toml, command, data):
    """A malformed TOML --config: syntax errors, unknown keys, wrong types, out-of-range values."""
    raw, _ = toml
    with _scratch(cli_root / "cases") as case:
        path = case / "c.toml"
        path.write_bytes(raw)
        argv = [*_base(command, cli_root / "shared"), "--config", path]
        if data.draw(st.booleans(), label="drop explicit options"):  # let the file's mapping / depth count
            for option in ("--mapping", "--depth"):
                i = argv.index(option)
                argv = argv[:i] + argv[i + 2:]
        out = data.draw(out_paths(case, command), label="out")
        argv = [*argv, "--out", out]
        if "siren-omega0-zero" in EXCLUDED:
            try:
                config = cli._read_config(path)
            except InputError:
                config = {}
            assume(not (config.get("omega0") == 0 and config.get("preset") == "siren"))
        assume(_refuses(_model_of, argv))
        _assert_refused(cli_root, argv, out)


@st.composite
def run_folders(draw):
    """Files for compare --runs DIR: width_4.npz (a training result, perturbed) and width_4.json (a sidecar, maybe
    malformed), maybe width_4_linear.npz."""
    steps = draw(st.sampled_from([np.array([0.0, 1.0]), np.array([0.0, 2.0]), np.array([0.0])]))
    s = len(steps)
    members = {"steps": steps, "f_train": draw(arrays(st.sampled_from([(s, 1, 8), (s, 1, 8, 1), (s, 8)]))),
               "f_test": draw(arrays(st.sampled_from([(s, 1, 24), (s, 1, 24, 1)]))),
               "mse_train": draw(arrays(st.sampled_from([(s, 1), (s,)]))),
               "mse_test": draw(arrays(st.sampled_from([(s, 1), (s,)])))}
    for key in draw(st.lists(st.sampled_from(sorted(members)), max_size=1)):
        del members[key]
    raw, _ = draw(npz_files(st.just(members), npy_named_npz=False))
    fields = {"lr": st.one_of(st.floats(), st.integers(), st.none()),
              "model": st.one_of(st.none(), st.fixed_dictionaries({"width": st.integers(-1, 8)})),
              "data_sha256": st.one_of(st.none(), st.text(max_size=4)), "seeds": st.integers(0, 3),
              "timings_train": st.fixed_dictionaries({}, optional={"train_s": st.floats()})}
    if "runs-sidecar-types" not in EXCLUDED:
        fields.update(lr=JSON_VALUES, model=JSON_VALUES, timings_train=JSON_VALUES)
    sidecars = [st.fixed_dictionaries({}, optional=fields).map(json.dumps), st.text(max_size=10),
                st.just("{")]
    if "runs-sidecar-types" not in EXCLUDED:
        sidecars.append(JSON_VALUES.map(json.dumps))
    sidecar = draw(st.one_of(st.none(), *sidecars))
    linear = draw(st.booleans())
    return raw, sidecar, linear


@_settings(200)
@given(folder=run_folders(), data=st.data())
def test_cli_refuses_malformed_runs(cli_root, folder, data):
    """compare --runs DIR whose width_4.npz / .json is malformed, truncated or does not match the command."""
    raw, sidecar, linear = folder
    shared = cli_root / "shared"
    with _scratch(cli_root / "cases") as case:
        runs = case / "runs"
        runs.mkdir()
        (runs / "width_4.npz").write_bytes(raw)
        if linear:
            (runs / "width_4_linear.npz").write_bytes(raw)
        if sidecar is not None:
            (runs / "width_4.json").write_text(sidecar)
            if linear:
                (runs / "width_4_linear.json").write_text(sidecar)
        argv = [*_base("compare", shared), "--runs", runs]
        if data.draw(st.booleans(), label="resume too"):
            argv.append("--resume")  # --resume with --runs: refused whatever the files hold
        else:
            model = _model_of([*argv, "--out", "o"])
            assume(_refuses(files.load_runs, runs, [4], np.array([0.0, 1.0]), model, 0.1,
                            files.load_data(shared / "d.npz")))
        out = data.draw(out_paths(case, "compare"), label="out")
        _assert_refused(cli_root, [*argv, "--out", out], out)


@_settings(200)
@given(data=st.data())
def test_cli_refuses_bad_command_lines(cli_root, data):
    """Unknown commands and options, missing required options, conflicting sources, and unusable --out paths."""
    shared = cli_root / "shared"
    commands = ["kernel", "spectrum", "predict", "regress", "train", "compare", "data", "image"]
    kind = data.draw(st.sampled_from(["unknown-command", "unknown-option", "extra-argument", "missing-required",
                                      "conflict", "out-suffix", "out-folder-for-file", "out-file-for-folder",
                                      "out-under-a-file"]), label="kind")
    command = data.draw(st.sampled_from(commands), label="command")
    lines_ok = st.text(max_size=8)
    if "newline-in-names" in EXCLUDED:
        lines_ok = lines_ok.filter(lambda s: len((s + "x").splitlines()) == 1)
    with _scratch(cli_root / "cases") as case:
        out = data.draw(out_paths(case, command), label="out")
        argv = [*_base(command, shared), "--out", out]
        if kind == "unknown-command":
            name = data.draw(st.text(max_size=8).filter(
                lambda s: not s.startswith("-") and not any(c.startswith(s) for c in commands)), label="name")
            argv = [name, *argv[1:]]
        elif kind == "unknown-option":
            argv.append("--bogus-" + data.draw(lines_ok, label="option"))
        elif kind == "extra-argument":
            argv.append(data.draw(lines_ok.filter(lambda s: not s.startswith("-")), label="argument"))
        elif kind == "missing-required":
            required = {"kernel": "--x", "predict": "--lr", "regress": "--data", "train": "--steps",
                        "compare": "--widths", "spectrum": "--out", "data": "--out", "image": "--out"}[command]
            i = argv.index(required)
            argv = argv[:i] + argv[i + 2:]
        elif kind == "conflict":
            argv = {"spectrum": [*argv, "--x", shared / "x.npy"], "image": [*argv, "--image", shared / "x.npy"],
                    "compare": [*argv, "--resume", "--runs", case],
                    "kernel": [*argv, "--x2", shared / "x2d.npy"]}.get(command, [*argv, "--init", "siren"])
            if command in ("data",):
                argv = [*_base(command, shared), "--grid", "30", "--out", out]
        elif kind == "out-suffix":
            out = case / (data.draw(lines_ok, label="name").replace("/", "") + ".txt")
            argv = [*argv[:-1], out] if command not in FOLDER_COMMANDS else [*argv[:-1], shared / "d.npz"]
        elif kind == "out-folder-for-file":
            out = case / "exists.npz"
            out.mkdir()
            argv = [*argv[:-1], out] if command not in FOLDER_COMMANDS else [*argv[:-1], shared / "x.npy"]
        elif kind == "out-file-for-folder":
            out = case / "exists"
            out.write_bytes(b"keep")
            argv = [*argv[:-1], out if command in FOLDER_COMMANDS else out.with_suffix(".txt")]
        else:  # out-under-a-file
            blocker = case / "blocker"
            blocker.write_bytes(b"keep")
            out = blocker / ("o" if command in FOLDER_COMMANDS else "r.npz")
            argv = [*argv[:-1], out]
        _assert_refused(cli_root, argv, Path(str(argv[-1])) if kind.startswith("out") else out)
