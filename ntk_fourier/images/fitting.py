"""2D image regression with coordinate MLPs, the protocol of Tancik et al. (2020) and SIREN (Sitzmann et al. 2020).

Train on the pixels [::2, ::2] and test on [1::2, 1::2] (`images.split`); report PSNR. The models (documented choices):

- Fourier-feature models (``none``, ``basic``, ``positional``, ``gaussian``): 4 hidden layers of 256 ReLU units,
  standard parameterization (He initialisation, w_std = sqrt(2), b_std = 0.01), sigmoid output, Adam with learning
  rate 1e-3, coordinates on [0, 1)^2, as in the paper. ``positional``: log-linear axis-aligned frequencies
  1..64 (sigma = 64, 64 per axis, 256 features); ``gaussian``: 256 frequencies with sigma = 10 (natural images) or 14
  (text images), the scales the paper found best — all for 512-pixel images. For a smaller image the frequencies
  scale with it (sigma x size / 512; positional at least 2), so that they keep their ratio to the pixel grid.
- ``siren``: 4 hidden layers of 256 units, sin(30 z), SIREN's initialisation (standard parameterization), linear
  output fitted to the image rescaled to [-1, 1], coordinates on [-1, 1)^2, Adam with learning rate 1e-4, as in
  Sitzmann et al.; its predictions are mapped back to [0, 1] before PSNR.
- ``grid`` and ``hash``: Instant-NGP's recipe at CPU scale (Mueller et al. 2022): 8 levels of 2 features from 4 cells
  per axis to one cell per training pixel (size / 2), hash tables of 2^12 rows at 512 pixels, scaled with the
  number of pixels (64 rows at 64 pixels; ``hash``; ``grid``: dense tables),
  entries initialised uniform on [-1e-4, 1e-4] and trained, then 2 hidden layers of 64 ReLU units (standard
  parameterization, He initialisation), sigmoid output, Adam with learning rate 1e-2, coordinates on [0, 1)^2.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special

import jax
import jax.numpy as jnp

from ntk_fourier.images import data as images
from ntk_fourier.images.data import psnr
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.model import GRID_KINDS, Mapping, Model, grid_mapping, siren_model
from ntk_fourier.network import mlp
from ntk_fourier.network.training import train

MAPPINGS = ("none", "basic", "positional", "gaussian", "siren", "grid", "hash")
SUPERRES = (2, 4)
CHUNK = 65536  # pixels evaluated at once on the full and super-resolved grids: activations stay ~CHUNK x width  # super-resolution factors: the fitted function on a 2x and a 4x denser grid
PAPER_PSNR = {  # Tancik et al. 2020, Table 1 (2D image regression, test PSNR in dB)
    "natural": {"none": 19.32, "basic": 21.72, "positional": 24.95, "gaussian": 25.57},
    "text": {"none": 18.40, "basic": 20.48, "positional": 27.57, "gaussian": 30.47},
}


class ImageFit(NamedTuple):
    """One mapping fitted to one image: PSNR per seed, and the mean reconstruction on the full grid."""

    mapping: str
    psnr_train: np.ndarray  # (seeds,)
    psnr_test: np.ndarray  # (seeds,)
    reconstruction: np.ndarray  # (size, size, channels) in [0, 1], seed 0
    seconds: float
    superres: dict  # factor -> (factor size, factor size, channels): seed 0 on a factor-times denser grid
    derivatives: dict  # SIREN only: "gradient" |grad f| and "laplacian" (channel mean), (size, size), else {}


def model_for(mapping: str, size: int = 512, text: bool = False, width: int | None = None,
              depth: int | None = None, sigma: float | None = None, features: int | None = None, omega0: float = 30.0,
              lr: float | None = None) -> tuple[Model, float]:
    """(model, Adam learning rate) of ``mapping`` for a ``size`` x ``size`` image (see the module docstring).
    Overrides of the defaults: ``sigma`` the Gaussian scale or the positional encoding's largest frequency (in
    cycles per unit, not rescaled; grid and hash: the tables' scale), ``features`` their number (grid and hash: per
    level), ``omega0`` SIREN's frequency, ``lr`` the Adam rate; ``width`` and ``depth`` default to 64 and 2 for grid
    and hash."""
    if lr is not None and not (lr > 0 and np.isfinite(lr)):
        raise InputError(f"learning rate must be a positive number, got {lr}")
    scale = size / 512.0  # the paper's frequencies are for 512-pixel images: keep them relative to the pixel grid
    if mapping == "siren":
        return siren_model(depth=depth or 4, width=width or 256, omega0=omega0, parameterization="standard"), lr or 1e-4
    if mapping in GRID_KINDS:
        rows = max(16, round(2 ** 12 * scale ** 2))  # 2^12 rows at 512 pixels: the same share of the pixels
        encoding = grid_mapping(mapping, finest=max(size // 2, 4), features=features or 2, table_size=rows,
                                scale=sigma or 1e-4)
        return Model(mapping=encoding, depth=depth or 2, width=width or 64, w_std=math.sqrt(2.0), b_std=0.01,
                     parameterization="standard"), lr or 1e-2
    kinds = {"none": Mapping("none"), "basic": Mapping("basic"),
             "positional": Mapping("positional", sigma=sigma or max(64.0 * scale, 2.0), features=features or 64),
             "gaussian": Mapping("gaussian", sigma=sigma or (14.0 if text else 10.0) * scale,
                                 features=features or 256)}
    if mapping not in kinds:
        raise InputError(f"unknown image mapping {mapping!r}; choose from {', '.join(MAPPINGS)}")
    return Model(mapping=kinds[mapping], depth=depth or 4, width=width or 256, w_std=math.sqrt(2.0), b_std=0.01,
                 parameterization="standard"), lr or 1e-3


def superres_psnr(fit: ImageFit, references: dict) -> dict:
    """PSNR (dB) of each super-resolved fit against ``references``: factor -> the same image at factor x the size."""
    return {factor: psnr(fine, references[factor]) for factor, fine in fit.superres.items()}


def tiles(image: np.ndarray, fits: list[ImageFit]) -> list[tuple[str, np.ndarray]]:
    """Ground truth and each fit's reconstruction, labelled with its test PSNR, for `montage`."""
    return [("ground truth", image)] + [(f"{f.mapping}: {f.psnr_test.mean():.2f} dB", f.reconstruction)
                                        for f in fits]


def fit(image: np.ndarray, mapping: str, *, steps: int, seeds: int = 1, seed: int = 0, text: bool = False,
        execution: Execution = DEFAULT, **options) -> ImageFit:
    """Fit ``image`` ``(size, size, channels)`` with ``mapping``'s model; PSNR on the train and test pixels.
    ``options``: `model_for`'s overrides (width, depth, sigma, features, omega0, lr); ``execution``: progress, and
    the mesh (`devices.mesh`) whose devices the seeds' networks are split over."""
    data = images.split(image)
    model, lr = model_for(mapping, image.shape[0], text, **options)
    siren = mapping == "siren"
    to_input = (lambda x: 2.0 * x - 1.0) if siren else (lambda x: x)  # noqa: E731
    to_target = (lambda y: 2.0 * y - 1.0) if siren else (lambda y: y)  # noqa: E731
    record = np.unique(np.linspace(0, steps, 11).round().astype(int))  # ten chunks: a progress bar that moves
    run = train(model, to_input(data["x_train"]), to_target(data["y_train"]), to_input(data["x_test"]),
                to_target(data["y_test"]), lr=lr, steps=record, seeds=seeds, seed=seed, optimizer="adam",
                output="linear" if siren else "sigmoid", label=f"training {mapping}",  # the bar names its mapping
                execution=execution)
    size, channels = image.shape[0], image.shape[2]
    net = mlp.build(model, 2, channels)

    def image_fn(params, x):  # coordinates on [0, 1)^2 -> values in [0, 1], from the final parameters, in chunks
        out = np.concatenate([np.asarray(net.apply(params, jnp.asarray(to_input(x[i:i + CHUNK]), jnp.float32)))
                              for i in range(0, len(x), CHUNK)])
        return np.clip((out + 1.0) / 2.0 if siren else special.expit(out), 0.0, 1.0)

    # the whole image from each seed's final parameters, evaluated once (not at every recorded step)
    per_seed = [jax.tree_util.tree_map(lambda a, s=s: a[s], run.params) for s in range(seeds)]
    full = np.stack([image_fn(p, data["x"]).reshape(size, size, channels) for p in per_seed])
    params = per_seed[0]  # super-resolution and derivatives use seed 0

    superres = {}
    for factor in SUPERRES:
        fine = images.split(np.zeros((size * factor, size * factor, 1)))["x"]
        superres[factor] = image_fn(params, fine).reshape(size * factor, size * factor, channels)
    return ImageFit(mapping=mapping,
                    psnr_train=np.array([images.psnr(f[::2, ::2], image[::2, ::2]) for f in full]),
                    psnr_test=np.array([images.psnr(f[1::2, 1::2], image[1::2, 1::2]) for f in full]),
                    reconstruction=full[0], seconds=run.seconds, superres=superres,
                    derivatives=_derivatives(net, params, to_input(data["x"]), size) if siren else {})


def _derivatives(net, params, x, size) -> dict:
    """|grad f| and the Laplacian of the fitted SIREN (channel mean), w.r.t. its [-1, 1) coordinates, per pixel."""
    def f(point):  # (2,) -> scalar: mean over channels
        return jnp.mean(net.apply(params, point[None, :])[0])

    points = jnp.asarray(x, jnp.float32)
    grad = jax.vmap(jax.grad(f))(points)  # (N, 2)
    laplacian = jax.vmap(lambda p: jnp.trace(jax.hessian(f)(p)))(points)
    return {"gradient": np.asarray(jnp.linalg.norm(grad, axis=1)).reshape(size, size),
            "laplacian": np.asarray(laplacian).reshape(size, size)}
