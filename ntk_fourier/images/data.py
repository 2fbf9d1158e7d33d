"""Images for coordinate-network regression: loading, built-in images (no downloads), the paper's split, and PSNR.

Built-in natural images ship inside matplotlib (a dependency): ``hopper`` (Grace Hopper, RGB photograph), ``present``
(a photograph of a gift box, RGB), ``mri`` (a 256 x 256 MRI slice, grey), ``terrain`` (a digital elevation model shown
as grey). Text images (``text``, ``text1``, ...) are rendered here with Pillow's built-in font, seeded: coloured words
on black; ``text-large`` is three words of large, heavy black letters on white (grey, not seeded). Any image file
Pillow reads works too (`load`: at its stored depth and type), and ``.npy`` arrays. Images are float arrays in [0, 1]
of shape (size, size, channels), centre-cropped to a square and resized.

Protocol of Tancik et al. (2020): train on the pixels [::2, ::2], test on [1::2, 1::2] of the size x size image;
coordinates on [0, 1)^2 (pixel i at i / size).
"""
from __future__ import annotations

import gzip
import threading
import warnings
from pathlib import Path

import numpy as np

from ntk_fourier import memory
from ntk_fourier.errors import InputError

# Limits on images (`load`): width x height, checked from an image file's header before decoding (decompression
# bombs), below Pillow's own limit (89.5 million pixels) so that Pillow never warns about an image that passes; the
# file's size in bytes, checked before reading it.
MAX_SIDE = 8192
MAX_PIXELS = MAX_SIDE * MAX_SIDE
MAX_BYTES = 2 ** 30
NATURAL = ("hopper", "present", "mri", "terrain")
TEXT_WORDS = ("spectral", "bias", "kernel", "Fourier", "tangent", "SIREN", "network", "coordinate", "sigma",
              "frequency", "NTK", "width", "eigen", "gradient", "pixel", "render")


def _sample_data(name: str) -> Path:
    import matplotlib
    return Path(matplotlib.get_data_path()) / "sample_data" / name


def _to_square(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = image[top:top + side, left:left + side]
    if side == size:  # no resampling needed (and no Pillow: e.g. a GPU machine given an .npy image)
        return np.clip(crop, 0.0, 1.0).astype(np.float64)
    from PIL import Image
    channels = [np.asarray(Image.fromarray(crop[..., c].astype(np.float32), mode="F").resize(
        (size, size), Image.Resampling.LANCZOS)) for c in range(crop.shape[2])]
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0).astype(np.float64)


def _normalise(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, np.float64)
    if array.ndim == 2:
        array = array[..., None]
    lo, hi = array.min(), array.max()
    return (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)


def _check_size(size: int) -> int:
    if int(size) != size or size < 4 or size % 2:
        raise InputError(f"image size must be an even number of at least 4 pixels, got {size}")
    return int(size)


def require_size(size: int, factors=(), channels: int = 3) -> None:
    """Refuse (one line) an image side whose grids cannot fit in memory: the image and its versions at ``factors``
    times the side (float64, ``channels``), each made twice (resampling) -- before anything is loaded."""
    pixels = _check_size(size) ** 2 * (1 + sum(f * f for f in factors))
    memory.require(2 * 8.0 * channels * pixels, f"{size} x {size} images (and {', '.join(f'{f}x' for f in factors)} "
                   "larger for super-resolution)" if factors else f"a {size} x {size} image", "use a smaller --size")


def text_image(size: int, seed: int = 0) -> np.ndarray:
    """Black background, a few random words in random bright colours (RGB, [0, 1])."""
    from PIL import Image, ImageDraw, ImageFont
    rng = np.random.default_rng(seed)
    canvas = Image.new("RGB", (512, 512), (0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    for row in range(6):
        words = " ".join(rng.choice(TEXT_WORDS, 2))
        font = ImageFont.load_default(size=int(rng.integers(36, 64)))
        colour = tuple(int(c) for c in rng.integers(80, 256, 3))
        draw.text((int(rng.integers(0, 80)), 20 + row * 80), words, fill=colour, font=font)
    return _to_square(np.asarray(canvas, np.float64) / 255.0, size)


LARGE_TEXT = ("NTK", "bias", "Fourier")


def large_text_image(size: int) -> np.ndarray:
    """Black text on white in large, heavy letters (grey, one channel, [0, 1]): three words of Pillow's built-in
    font at 128 px with an 8 px stroke on a 512-pixel canvas (strokes about 1/16 of the side), resized to ``size``."""
    from PIL import Image, ImageDraw, ImageFont
    canvas = Image.new("L", (512, 512), 255)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=128)
    for row, word in enumerate(LARGE_TEXT):
        draw.text((20, 4 + 168 * row), word, fill=0, font=font, stroke_width=8, stroke_fill=0)
    return _to_square(np.asarray(canvas, np.float64)[..., None] / 255.0, size)


def builtin(name: str, size: int) -> np.ndarray:
    """A built-in image as a float array ``(size, size, channels)`` in [0, 1]."""
    size = _check_size(size)
    if name == "text-large":
        return large_text_image(size)
    if name.startswith("text"):
        suffix = name[4:]
        if suffix and not suffix.isdigit():
            raise InputError(f"unknown built-in image {name!r}; choose {', '.join(NATURAL)}, text-large or text, "
                             "text1, text2, ...")
        return text_image(size, seed=int(suffix or 0))
    if name == "hopper":
        return load(_sample_data("grace_hopper.jpg"), size)
    if name == "present":
        return load(_sample_data("Minduka_Present_Blue_Pack.png"), size)
    if name == "mri":
        with gzip.open(_sample_data("s1045.ima.gz")) as fh:
            return _to_square(_normalise(np.frombuffer(fh.read(), np.uint16).reshape(256, 256)), size)
    if name == "terrain":
        with np.load(_sample_data("jacksboro_fault_dem.npz")) as dem:
            return _to_square(_normalise(dem["elevation"]), size)
    raise InputError(f"unknown built-in image {name!r}; choose {', '.join(NATURAL)}, text-large or text, text1, "
                     "text2, ...")


def image_array(array: np.ndarray, what: str = "image") -> np.ndarray:
    """An array as an image in [0, 1] of shape (h, w, 1 or 3), or a one-line `InputError`.

    Shapes (h, w), (h, w, 1), (h, w, 3) and (h, w, 4) (alpha dropped), h and w at least 2, h x w at most
    `MAX_PIXELS`. Floats must lie in [0, 1] (they are not rescaled: a 0-255 float image is refused, not clipped);
    unsigned and non-negative signed integers are divided by their dtype's largest value (uint8 by 255, uint16 by
    65535); booleans are 0 or 1.
    """
    array = np.asarray(array)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)) or min(array.shape[:2]) < 2:
        raise InputError(f"{what} must have shape (h, w) or (h, w, 1|3|4) with h, w >= 2, got {array.shape}")
    _check_pixels(array.shape[1], array.shape[0], what)
    if array.dtype.kind == "b":
        array = array.astype(np.float64)
    elif array.dtype.kind in "iu":
        if array.min() < 0:
            raise InputError(f"{what} holds negative integers (min {array.min()}); images are non-negative")
        array = array.astype(np.float64) / np.iinfo(array.dtype).max
    elif array.dtype.kind == "f":
        with np.errstate(all="ignore"):  # values beyond float64 become inf: refused below
            array = array.astype(np.float64)
        if not np.all(np.isfinite(array)):
            raise InputError(f"{what} holds NaN or infinite values; an image must be finite")
        if array.min() < 0 or array.max() > 1:
            raise InputError(f"{what} has values in [{array.min():g}, {array.max():g}]; float images must lie in "
                             "[0, 1] (divide 8-bit data by 255, or save it as uint8)")
    else:
        raise InputError(f"{what} must hold numbers, got dtype {array.dtype}")
    array = array[..., None] if array.ndim == 2 else array
    return array[..., :3] if array.shape[2] == 4 else array


def _check_pixels(width: int, height: int, what: str) -> None:
    if width * height > MAX_PIXELS:
        raise InputError(f"{what} is {width} x {height} pixels ({width * height:,}), more than the limit of "
                         f"{MAX_PIXELS:,} ({MAX_SIDE} x {MAX_SIDE}); give a smaller image")


_PILLOW_LIMIT = threading.Lock()


def _open(path: Path):
    """``PIL.Image.open`` (reads the header, decodes nothing) without Pillow's own decompression-bomb check, which
    raises or warns at open: the declared size is checked here instead (`_check_pixels`), with a one-line message."""
    from PIL import Image
    with _PILLOW_LIMIT:  # Pillow keeps its limit in a module global: lifted for this call only
        limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = limit


def _stored(im) -> np.ndarray:
    """The pixels of a Pillow image at their stored depth and type, for `image_array`: bool (1-bit), uint8, uint16
    (16-bit greyscale), int32 (32-bit integers), float32 (mode F); greyscale kept as one channel, alpha kept (dropped
    by `image_array`), palette and other colour spaces converted to 8-bit RGB."""
    if im.mode == "I" and im.format in ("PNG", "PPM"):  # 16-bit greyscale that Pillow widens to 32-bit ints
        return np.asarray(im).astype(np.uint16)
    if im.mode in ("1", "L", "I", "F", "RGB", "RGBA") or im.mode.startswith("I;16"):
        return np.asarray(im)
    if im.mode == "LA":
        return np.asarray(im)[..., 0]
    return np.asarray(im.convert("RGB"))


def load(path: Path | str, size: int) -> np.ndarray:
    """An image file as a float array ``(size, size, channels)`` in [0, 1] (centre-cropped to a square, resized).

    Any file Pillow reads (PNG, JPEG, TIFF, ...), read at its stored depth and type: 8-bit values divided by 255,
    16-bit by 65535 (greyscale 16-bit PNG and TIFF; Pillow reads 48-bit RGB PNGs at 8 bits per channel), 32-bit
    integers by 2^31 - 1, float TIFFs (mode F) as they are, which must lie in [0, 1]. Greyscale stays one channel,
    palette images become RGB, alpha is dropped (the colour as stored, not composited on a background). Or an
    ``.npy`` array (`image_array`'s rules). Both: at least 2 x 2 pixels, at most `MAX_PIXELS` (checked from the
    header, before decoding) and files of at most `MAX_BYTES`; otherwise a one-line `InputError`.
    """
    size = _check_size(size)
    path = Path(path)
    try:
        nbytes = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"image file {path} does not exist")
    except OSError as err:
        raise InputError(f"cannot read image file {path}: {err}")
    if nbytes > MAX_BYTES:
        raise InputError(f"image file {path} is {nbytes:,} bytes, more than the limit of {MAX_BYTES:,}; give a "
                         "smaller image")
    if path.suffix == ".npy":
        from ntk_fourier.files import load_array_raw
        return _to_square(image_array(load_array_raw(path, "image"), str(path)), size)
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # never shown: refused below
            with _open(path) as im:
                _check_pixels(*im.size, f"image {path}")
                memory.require(2 * 8.0 * len(im.getbands()) * im.size[0] * im.size[1],
                               f"decoding the {im.size[0]} x {im.size[1]} image {path}", "give a smaller image")
                array = _stored(im)
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as err:
        raise InputError(f"cannot read {path} as an image (PNG, JPEG, TIFF, ...): {err}")
    return _to_square(image_array(array, str(path)), size)


def split(image: np.ndarray) -> dict[str, np.ndarray]:
    """The paper's split: train on pixels [::2, ::2], test on [1::2, 1::2]; coordinates i / size on [0, 1)^2.

    Returns ``x_train (n, 2)``, ``y_train (n, channels)``, ``x_test``, ``y_test``, and the full grid ``x``, ``y``.
    """
    size = image.shape[0]
    coords = np.stack(np.meshgrid(np.arange(size), np.arange(size), indexing="ij"), -1) / size  # (size, size, 2)
    return {"x_train": coords[::2, ::2].reshape(-1, 2), "y_train": image[::2, ::2].reshape(-1, image.shape[2]),
            "x_test": coords[1::2, 1::2].reshape(-1, 2), "y_test": image[1::2, 1::2].reshape(-1, image.shape[2]),
            "x": coords.reshape(-1, 2), "y": image.reshape(-1, image.shape[2])}


def psnr(prediction: np.ndarray, target: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1]: -10 log10(mean squared error)."""
    mse = float(np.mean((np.asarray(prediction, np.float64) - np.asarray(target, np.float64)) ** 2))
    return float("inf") if mse == 0 else -10.0 * np.log10(mse)
