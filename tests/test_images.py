"""Image regression: PSNR, the paper's split, built-in images, the sigmoid-output training path, the command."""
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as npst
from PIL import Image

import ntk_fourier as nf
from ntk_fourier.cli import main
from ntk_fourier.images import data as image_data
from ntk_fourier.network.mlp import build as network


def test_psnr_closed_form():
    target = np.random.default_rng(0).uniform(size=(8, 8, 3))
    assert nf.images.psnr(target + 0.1, target) == pytest.approx(20.0, abs=1e-9)  # mse 0.01 -> 20 dB
    assert nf.images.psnr(target, target) == float("inf")


def test_split_is_the_papers():
    image = np.arange(6 * 6 * 1, dtype=float).reshape(6, 6, 1) / 36
    d = nf.images.split(image)
    assert d["x_train"].shape == (9, 2) and d["x_test"].shape == (9, 2) and d["x"].shape == (36, 2)
    np.testing.assert_array_equal(d["y_train"][:, 0], image[::2, ::2].ravel())
    np.testing.assert_array_equal(d["y_test"][:, 0], image[1::2, 1::2].ravel())
    np.testing.assert_allclose(d["x_test"][0], [1 / 6, 1 / 6])  # pixel (1, 1) at coordinate i / size


@pytest.mark.parametrize("name", ["hopper", "present", "mri", "terrain", "text", "text2", "text-large"])
def test_builtin_images(name):
    a = nf.images.builtin(name, 32)
    assert a.shape[:2] == (32, 32) and a.shape[2] in (1, 3) and 0 <= a.min() and a.max() <= 1 and a.std() > 0.05
    np.testing.assert_array_equal(a, nf.images.builtin(name, 32))  # deterministic


def test_load_png_round_trip(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (16, 16, 3)).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    np.testing.assert_allclose(nf.images.load(tmp_path / "a.png", 16), pixels / 255.0, atol=1e-6)


def _png(path, width, height, bit_depth, colour_type, rows=b""):
    """A PNG written byte by byte: IHDR declaring ``width`` x ``height``, then ``rows`` (filter byte + pixels per row,
    zlib-compressed) as the one IDAT chunk; with no rows the header alone (declares a size, holds no pixels)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
                           + chunk(b"IEND", b""))


RNG = np.random.default_rng(4)
U8 = RNG.integers(0, 256, (6, 6, 4)).astype(np.uint8)
U16 = RNG.integers(0, 65536, (6, 6)).astype(np.uint16)
F32 = RNG.uniform(size=(6, 6)).astype(np.float32)
I32 = RNG.integers(0, 2 ** 31 - 1, (6, 6)).astype(np.int32)
PALETTE = RNG.integers(0, 256, (256, 3)).astype(np.uint8)
INDEX = RNG.integers(0, 256, (6, 6)).astype(np.uint8)


def _palette_image():
    im = Image.frombytes("P", (6, 6), INDEX.tobytes())
    im.putpalette(PALETTE.tobytes())
    return im


# (file name, Pillow image written, expected image: the array written, divided by its type's maximum)
KINDS = {
    "grey 8-bit png": ("a.png", lambda: Image.fromarray(U8[..., 0]), U8[..., :1] / 255),
    "grey 16-bit png": ("a.png", lambda: Image.fromarray(U16), U16[..., None] / 65535),
    "grey 16-bit tiff": ("a.tif", lambda: Image.fromarray(U16), U16[..., None] / 65535),
    "grey 16-bit pgm": ("a.pgm", lambda: Image.fromarray(U16), U16[..., None] / 65535),  # Pillow reads mode I
    "grey 32-bit integer tiff": ("a.tif", lambda: Image.fromarray(I32), I32[..., None] / (2 ** 31 - 1)),
    "float tiff": ("a.tif", lambda: Image.fromarray(F32), F32[..., None].astype(np.float64)),
    "rgb png": ("a.png", lambda: Image.fromarray(U8[..., :3]), U8[..., :3] / 255),
    "rgba png (alpha dropped)": ("a.png", lambda: Image.fromarray(U8), U8[..., :3] / 255),
    "grey+alpha png (alpha dropped)": ("a.png", lambda: Image.fromarray(U8[..., :2]), U8[..., :1] / 255),
    "palette png (as rgb)": ("a.png", _palette_image, PALETTE[INDEX] / 255),
    "1-bit png": ("a.png", lambda: Image.fromarray(U8[..., 0] > 127), (U8[..., :1] > 127).astype(float)),
}


@pytest.mark.parametrize("kind", KINDS)
def test_image_files_read_at_their_depth_and_type(tmp_path, kind):
    name, image, expected = KINDS[kind]
    image().save(tmp_path / name)
    np.testing.assert_array_equal(nf.images.load(tmp_path / name, 6), expected)


def test_48_bit_rgb_png_is_read_at_8_bits(tmp_path):
    """Pillow reads 16 bits per RGB channel as 8 (the high byte), as docs/images.md says."""
    rgb = np.random.default_rng(5).integers(0, 65536, (4, 4, 3)).astype(">u2")
    _png(tmp_path / "a.png", 4, 4, 16, 2, b"".join(b"\x00" + row.tobytes() for row in rgb))
    np.testing.assert_array_equal(nf.images.load(tmp_path / "a.png", 4), (rgb >> 8) / 255)


@pytest.mark.parametrize("values, message", [
    (np.full((4, 4), 1.5, np.float32), r"values in \[1.5, 1.5\]; float images must lie in \[0, 1\]"),
    (np.full((4, 4), -0.25, np.float32), r"values in \[-0.25, -0.25\]; float images must lie in \[0, 1\]"),
    (np.full((4, 4), np.nan, np.float32), "NaN or infinite"),
])
def test_float_tiff_outside_0_1_is_refused(tmp_path, values, message):
    Image.fromarray(values).save(tmp_path / "a.tif")
    with pytest.raises(nf.InputError, match=message) as err:
        nf.images.load(tmp_path / "a.tif", 4)
    assert len(str(err.value).splitlines()) == 1


@pytest.mark.parametrize("name", ["a.png", "a.npy"])
def test_image_files_and_arrays_share_the_minimum_size(tmp_path, name):
    pixels = np.zeros((1, 8), np.uint8)
    Image.fromarray(pixels).save(tmp_path / name) if name.endswith(".png") else np.save(tmp_path / name, pixels)
    with pytest.raises(nf.InputError, match=r"h, w >= 2, got \(1, 8\)"):
        nf.images.load(tmp_path / name, 4)


def test_pixel_limit_is_checked_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(image_data, "MAX_SIDE", 10)
    monkeypatch.setattr(image_data, "MAX_PIXELS", 100)
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "ok.png")
    assert nf.images.load(tmp_path / "ok.png", 4).shape == (4, 4, 1)  # at the limit: accepted
    _png(tmp_path / "header.png", 10, 11, 8, 0)  # no pixel data: decoding it would fail with another message
    with pytest.raises(nf.InputError, match=r"is 10 x 11 pixels \(110\), more than the limit of 100 \(10 x 10\)"):
        nf.images.load(tmp_path / "header.png", 4)
    np.save(tmp_path / "a.npy", np.zeros((11, 10)))  # the same rule for arrays (width x height)
    with pytest.raises(nf.InputError, match=r"is 10 x 11 pixels \(110\), more than the limit of 100"):
        nf.images.load(tmp_path / "a.npy", 4)


def test_file_size_limit(tmp_path, monkeypatch):
    Image.fromarray(U8[..., :3]).save(tmp_path / "a.png")
    nbytes = (tmp_path / "a.png").stat().st_size
    monkeypatch.setattr(image_data, "MAX_BYTES", nbytes)
    assert nf.images.load(tmp_path / "a.png", 6).shape == (6, 6, 3)
    monkeypatch.setattr(image_data, "MAX_BYTES", nbytes - 1)
    with pytest.raises(nf.InputError, match=f"is {nbytes:,} bytes, more than the limit of {nbytes - 1:,}"):
        nf.images.load(tmp_path / "a.png", 6)


def test_decompression_bomb_refused_by_the_command(tmp_path):
    """A PNG declaring 30000 x 30000 pixels (a few dozen bytes): refused from its header, before anything is decoded
    or written, in one line, without Pillow's DecompressionBombError or warning."""
    _png(tmp_path / "bomb.png", 30000, 30000, 8, 0, b"\x00" * 30001)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "ntk_fourier", "image", "--image", str(tmp_path / "bomb.png"),
                           "--size", "32", "--steps", "1", "--out", str(out)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ntk-fourier: error: "), proc.stderr
    assert f"30000 x 30000 pixels (900,000,000), more than the limit of {image_data.MAX_PIXELS:,}" in lines[0]
    assert not out.exists()


FORMATS = {"uint8 grey": (".png", ".tif", ".npy"), "uint8 rgb": (".png", ".tif", ".npy"),
           "uint8 rgba": (".png", ".npy"), "uint16 grey": (".png", ".tif", ".npy"), "float32 grey": (".tif", ".npy")}


@st.composite
def image_files(draw):
    """(kind, array, file suffix): a small array of a kind (dtype, channels) and a format that stores it."""
    kind = draw(st.sampled_from(sorted(FORMATS)))
    dtype, colour = kind.split()
    height = draw(st.sampled_from([4, 6, 8]))
    shape = (height, height + draw(st.integers(0, 3))) + {"grey": (), "rgb": (3,), "rgba": (4,)}[colour]
    elements = st.floats(0, 1, width=32) if dtype == "float32" else None
    return kind, draw(npst.arrays(np.dtype(dtype), shape, elements=elements)), draw(st.sampled_from(FORMATS[kind]))


@settings(max_examples=60, deadline=None, database=None)
@given(case=image_files())
def test_loaded_image_is_the_array_over_its_types_maximum(tmp_path_factory, case):
    """Any small array written as an image file of its type (or .npy), loaded at its own height (centre-cropped to a
    square): the array's centre square over its type's maximum (255, 65535; floats as they are), alpha dropped."""
    kind, array, suffix = case
    path = tmp_path_factory.mktemp("image") / f"a{suffix}"
    np.save(path, array) if suffix == ".npy" else Image.fromarray(array).save(path)
    side = array.shape[0]
    left = (array.shape[1] - side) // 2
    top = {"uint8": 255, "uint16": 65535, "float32": 1}[kind.split()[0]]
    expected = array[:, left:left + side].astype(np.float64) / top
    expected = expected[..., None] if expected.ndim == 2 else expected[..., :3]
    np.testing.assert_array_equal(nf.images.load(path, side), expected)


def test_npy_image_needs_no_resampling(tmp_path):
    array = np.random.default_rng(2).uniform(size=(12, 16))
    np.save(tmp_path / "a.npy", array)
    np.testing.assert_array_equal(nf.images.load(tmp_path / "a.npy", 12)[..., 0], array[:, 2:14])  # centre crop
    np.save(tmp_path / "bad.npy", np.full((4, 4), np.nan))
    with pytest.raises(nf.InputError, match="finite"):
        nf.images.load(tmp_path / "bad.npy", 4)


@pytest.mark.parametrize("array, message", [
    (np.full((8, 8, 3), 200.0), r"\[200, 200\]; float images must lie in \[0, 1\]"),  # 0-255 floats: refused, not clipped
    (np.zeros((4, 3, 2)), r"shape \(h, w\) or \(h, w, 1\|3\|4\)"),  # two channels
    (np.zeros((8,)), "shape"), (np.zeros((1, 8)), "h, w >= 2"),
    (-np.ones((8, 8), np.int16), "negative"), (np.array([["a", "b"], ["c", "d"]]), "numbers"),
])
def test_npy_image_rules(tmp_path, array, message):
    np.save(tmp_path / "a.npy", array)
    with pytest.raises(nf.InputError, match=message):
        nf.images.load(tmp_path / "a.npy", 8)


def test_integer_images_are_scaled_by_their_range(tmp_path):
    rng = np.random.default_rng(3)
    for dtype, top in ((np.uint8, 255), (np.uint16, 65535)):
        array = rng.integers(0, top + 1, (8, 8, 4)).astype(dtype)  # alpha channel dropped
        np.save(tmp_path / "a.npy", array)
        np.testing.assert_array_equal(nf.images.load(tmp_path / "a.npy", 8), array[..., :3] / top)


@pytest.mark.usefixtures("x64")
def test_sigmoid_output_training_equals_manual_adam():
    image = nf.images.builtin("mri", 8)
    d = nf.images.split(image)
    model, lr = nf.images.model_for("gaussian", size=8)
    model = model.replace(width=16, depth=2)
    run = nf.train(model, d["x_train"], d["y_train"], d["x_test"], d["y_test"], lr=lr, steps=[0, 5], seeds=1,
                   optimizer="adam", output="sigmoid", dtype=jnp.float64, execution=nf.QUIET)
    net = network(model, 2, 1)
    params = net.init(jax.random.split(jax.random.PRNGKey(0), 1)[0])  # drawn in float32, as train() does
    params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), params)
    x, y = jnp.asarray(d["x_train"]), jnp.asarray(d["y_train"])
    loss = lambda p: jnp.sum((jax.nn.sigmoid(net.apply(p, x)) - y) ** 2) / (2 * y.size)  # noqa: E731
    opt = optax.adam(lr)
    state = opt.init(params)
    for _ in range(5):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    np.testing.assert_allclose(run.f_train[-1, 0], jax.nn.sigmoid(net.apply(params, x)), rtol=1e-9, atol=1e-12)


def test_image_command(tmp_path, capsys):
    assert main(["image", "--builtin", "text", "--size", "16", "--steps", "20", "--mappings", "none,gaussian,siren",
                 "--out", str(tmp_path / "img"), "--ntk"]) == 0
    bars = capsys.readouterr().err  # one progress bar per mapping, named by it
    assert all(f"training {m}" in bars for m in ("none", "gaussian", "siren")) and "training width" not in bars
    results = json.loads((tmp_path / "img" / "results.json").read_text())
    assert set(results) == {"none", "gaussian", "siren"}
    assert results["gaussian"]["ntk_method"] == "fft-circulant" and results["none"]["ntk_method"] == "dense"
    assert all(np.isfinite(r["ntk_psnr_test"]) for r in results.values())
    assert all(np.isfinite(r["psnr_train"]) and np.isfinite(r["psnr_test"]) for r in results.values())
    for name in ("reconstructions.png", "superres.png", "siren_derivatives.png"):
        assert (tmp_path / "img" / name).stat().st_size > 0, name
    arrays, meta = nf.load(tmp_path / "img" / "reconstructions.npz")
    assert arrays["gaussian"].shape == (16, 16, 3) and meta["source"] == "builtin:text"
    assert arrays["gaussian_x4"].shape == (64, 64, 3) and arrays["siren_laplacian"].shape == (16, 16)
    assert np.isfinite(results["none"]["psnr_superres_x2"])
    capsys.readouterr()
    for args, needle in ((["--builtin", "nope"], "unknown built-in"), (["--image", "missing.png"], "does not exist"),
                         (["--builtin", "text", "--mappings", "fourier"], "unknown mapping"),
                         (["--builtin", "text", "--size", "15"], "even number"), ([], "exactly one")):
        assert main(["image", *args, "--out", str(tmp_path / "bad")]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1


def test_superresolution_grid_contains_the_original_pixels():
    """The 2x and 4x grids contain the original grid: their every 2nd / 4th pixel is the reconstruction."""
    image = nf.images.builtin("mri", 16)
    fit = nf.images.fit(image, "siren", steps=30)
    np.testing.assert_allclose(fit.superres[2][::2, ::2], fit.reconstruction, atol=1e-6)
    np.testing.assert_allclose(fit.superres[4][::4, ::4], fit.reconstruction, atol=1e-6)
    assert fit.derivatives["gradient"].shape == (16, 16) and np.isfinite(fit.derivatives["laplacian"]).all()


def test_siren_gradient_equals_finite_differences():
    from ntk_fourier.images.fitting import _derivatives
    model, _ = nf.images.model_for("siren", 8)
    net = network(model.replace(width=32), 2, 1)
    params = net.init(jax.random.PRNGKey(3))
    x = np.stack(np.meshgrid(np.linspace(-0.5, 0.5, 3), np.linspace(-0.5, 0.5, 3), indexing="ij"), -1).reshape(-1, 2)
    d = _derivatives(net, params, x, 3)
    h = 1e-3
    f = lambda p: np.asarray(net.apply(params, jnp.asarray(p, jnp.float32)))[:, 0].astype(np.float64)  # noqa: E731
    fd = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(2)], 1)
    # Error budget, relative to |grad f| (0.2-0.7 here). Central-difference truncation h^2 f''' / 6 = (h omega)^2 / 6
    # with omega = (|f'''| / |f'|)^(1/2) the SIREN's local frequency, 19-42 at these points (up to 77 for PRNGKeys
    # 0-5): 3e-4 here, 1e-3 at omega = 77 (float64 autodiff's f''' reproduces the float64 FD error to 1e-4 of itself);
    # float32 round-off of f over 2h (|FD in float32 - FD in float64|): 6e-5; float32 autodiff: ~1e-6. Measured:
    # 2.8e-4 (<= 5.8e-4 for PRNGKeys 0-5). A wrong chain-rule factor (e.g. the coordinate scale) is an O(1) error.
    np.testing.assert_allclose(d["gradient"].ravel(), np.linalg.norm(fd, axis=1), rtol=1e-3)


def test_text_large_is_black_text_on_white():
    a = nf.images.builtin("text-large", 64)
    assert a.shape == (64, 64, 1) and np.median(a) == 1.0 and a.min() == 0.0  # white background, black letters
    assert 0.15 < (a < 0.5).mean() < 0.4  # large, heavy strokes: a fifth to a third of the pixels are ink
    np.testing.assert_array_equal(a, nf.images.builtin("text-large", 64))


def test_mapping_order_on_text():
    """Tancik et al. (2020, Table 1), text images: test PSNR none < basic < positional < gaussian. On the built-in
    black-on-white text at 128 px (networks 128 wide, 300 Adam steps, mean of 2 seeds; about a minute on 2 CPU cores)
    the measured gaps are ~7.6, ~5.0 and ~1.1 dB (10.0 / 17.6 / 22.6 / 23.7 dB), the seeds' spread ~0.3 dB."""
    image = nf.images.builtin("text-large", 128)
    psnr = {m: float(nf.images.fit(image, m, steps=300, seeds=2, text=True, width=128).psnr_test.mean())
            for m in ("none", "basic", "positional", "gaussian")}
    assert psnr["none"] < psnr["basic"] < psnr["positional"] < psnr["gaussian"], psnr
