"""Kernel spectra: dense eigendecomposition, FFT on periodic grids, harmonic degrees on the circle / sphere, and
matrix-free top eigenpairs (Toeplitz products on grids, tiled kernel products on arbitrary points).

Eigenvalues here are those of the Gram matrix K (not divided by n), descending, except `harmonic_spectrum`, which
returns the eigenvalues of the integral operator for the uniform probability measure on the circle / sphere (a Gram
matrix of N uniform points has eigenvalues ~ N times those).

Every routine takes ``execution`` (`Execution`: engine, mesh, tile, progress). ``execution.mesh`` (`devices.mesh`):
the kernel evaluations (dense kernels, the kernel row of a grid, the tiles of the matrix-free operator) are spread
over its devices; the eigensolvers and FFTs run on the host, as with one device.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from scipy import special

from ntk_fourier.kernel import lanczos, operators
from ntk_fourier.model import mappings, points
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.kernel.lanczos import Eigenpairs
from ntk_fourier.kernel.engine import kernels, require_dense
from ntk_fourier.model import Model
from ntk_fourier.progress import status
from ntk_fourier.traced import numpy_only

DENSE_LIMIT = 8192  # largest point set for a dense eigendecomposition on a 24 GB machine
CHECK_LIMIT = 4096  # largest grid on which the circulant approximation is compared with the dense spectrum


def _pick(model: Model, x1, x2, which: str, execution: Execution) -> np.ndarray:
    if which not in ("ntk", "nngp"):
        raise InputError(f"unknown kernel {which!r}; choose ntk or nngp")
    return getattr(kernels(model, x1, x2, execution=execution), which)


def dense_spectrum(K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues ``(n,)`` descending and eigenvectors ``(n, n)`` (columns) of a symmetric matrix.

    Equivalent to ``numpy.linalg.eigh`` reversed; each eigenvector's sign is fixed so its largest entry is positive.
    """
    lam, V = np.linalg.eigh(np.asarray(K, dtype=np.float64))
    lam, V = lam[::-1], V[:, ::-1]
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])])
    return lam, V * np.where(signs == 0, 1.0, signs)


@numpy_only("nf.kernel_fn and jax.numpy.linalg.eigh")
def points_spectrum(model: Model, x: np.ndarray, which: str = "ntk", *,
                    execution: Execution = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues ``(n,)`` descending and eigenvectors ``(n, n)`` of the kernel's Gram matrix on points ``x``
    ``(n, d)``, dense (`dense_spectrum`); at most ``DENSE_LIMIT`` points (use `top_eigenpairs_points` beyond)."""
    x = mappings._check_points(x)
    if len(x) > DENSE_LIMIT:
        raise InputError(f"{len(x)} points: dense spectra are limited to {DENSE_LIMIT}; ask for the top K "
                         "eigenpairs instead (--top K), computed matrix-free")
    require_dense(len(x), len(x), 4, "a dense eigendecomposition")  # K, eigh's copy, eigenvectors, workspace
    K = _pick(model, x, None, which, execution)
    status(f"dense eigendecomposition of {len(x)} x {len(x)}", execution.progress and len(x) > 2048)
    return dense_spectrum(K)


def is_stationary(model: Model) -> bool:
    """True when the model's kernels depend on x - x' only (Fourier-feature mappings; not raw or SIREN inputs, not
    grid encodings)."""
    return mappings.is_fourier(model.mapping) and model.init != "siren"


class GridSpectrum(NamedTuple):
    """Spectrum on a regular grid. ``eigenvalues (N,)`` descending; ``frequencies (N, d)`` integer vectors.

    ``method``: ``"fft"`` (exact: periodic stationary kernel, Gram matrix block-circulant), ``"fft-circulant"``
    (stationary but not periodic: eigenvalues of the circulant with the kernel at wrapped offsets, an approximation),
    or ``"dense"`` (non-stationary kernel: dense ``eigh``, each eigenvector labelled by its dominant frequency).
    ``approx_error``: for ``"fft-circulant"``, max |lambda_circ - lambda_exact| / lambda_max against the dense spectrum
    (NaN when the grid is too large to check).
    """

    eigenvalues: np.ndarray
    frequencies: np.ndarray
    method: str
    approx_error: float

    @property
    def exact(self) -> bool:
        return self.method != "fft-circulant"

    def describe(self) -> str:
        if self.method == "fft":
            return "exact FFT spectrum (kernel periodic and stationary on the grid)"
        if self.method == "dense":
            return "dense eigendecomposition (kernel not stationary); frequencies are each eigenvector's dominant one"
        err = "not checked (grid too large)" if np.isnan(self.approx_error) else f"{self.approx_error:.3g}"
        return ("circulant approximation (kernel stationary but not periodic on the grid); "
                f"max |error| / lambda_max vs dense eigvalsh: {err}")


def _sorted(lam: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-lam, kind="stable")
    return lam[order], freqs[order]


@numpy_only("nf.core.spectrum.grid_spectrum")
def grid_spectrum(model: Model, shape, which: str = "ntk", *, execution: Execution = DEFAULT) -> GridSpectrum:
    """Spectrum of the kernel's Gram matrix on the grid ``shape`` (e.g. ``(256,)``, ``(64, 64)``) on [0, 1)^d.

    For a stationary kernel only the row k(0, x) is computed and the spectrum is ``fftn`` of it (lambda_f for the
    Fourier mode exp(2 pi i f.x)); this is exact when the kernel is periodic (integer frequencies) and is otherwise
    the circulant approximation, whose error is measured against dense ``eigvalsh`` up to 4096 points.
    """
    shape = points.parse_grid(shape)
    n = int(np.prod(shape))
    freqs = points.grid_frequencies(shape)
    if not is_stationary(model):
        if n > DENSE_LIMIT:
            raise InputError(f"this kernel is not stationary, so a grid spectrum needs a dense eigendecomposition, "
                             f"which is limited to {DENSE_LIMIT} points (grid has {n}); use a smaller grid")
        require_dense(n, n, 4, "a dense eigendecomposition")
        K = _pick(model, points.grid(shape), None, which, execution)
        status(f"dense eigendecomposition of {n} x {n}", execution.progress and n > 2048)
        lam, V = dense_spectrum(K)
        spectra = np.abs(np.fft.fftn(V.T.reshape((n,) + shape), axes=tuple(range(1, len(shape) + 1))))
        dominant = np.argmax(spectra.reshape(n, n), axis=1)
        return GridSpectrum(lam, freqs[dominant], "dense", float("nan"))
    offsets = points.wrapped_offsets(shape)
    row = _pick(model, np.zeros((1, len(shape))), offsets, which, execution)[0]  # k(0, offset)
    lam = np.real(np.fft.fftn(row.reshape(shape))).ravel()
    lam, freqs = _sorted(lam, freqs)
    if mappings.is_periodic(model.mapping, len(shape)):
        return GridSpectrum(lam, freqs, "fft", 0.0)
    error = float("nan")
    if n <= CHECK_LIMIT:
        exact = np.linalg.eigvalsh(_pick(model, points.grid(shape), None, which, execution))[::-1]
        error = float(np.max(np.abs(lam - exact)) / exact[0])
    return GridSpectrum(lam, freqs, "fft-circulant", error)


def zonal_eigenvalues(kappa: Callable[[np.ndarray], np.ndarray], dim: int, max_degree: int,
                      n_quad: int = 4096) -> np.ndarray:
    """Eigenvalues mu_k, k = 0..max_degree, of a zonal kernel k(x, x') = kappa(x.x') on the unit circle or sphere.

    Funk-Hecke, for the uniform probability measure: on the circle (dim 2) mu_k = 1/(2 pi) int kappa(cos t) cos(k t) dt
    (multiplicity 2 for k > 0), by the trapezoid rule on ``n_quad`` angles, i.e. an FFT; on the sphere (dim 3)
    mu_k = 1/2 int_0^pi kappa(cos t) P_k(cos t) sin t dt (multiplicity 2k + 1), by Gauss-Legendre in t.
    """
    if max_degree < 0 or (dim == 2 and max_degree > n_quad // 2):
        raise InputError(f"max degree must be between 0 and {n_quad // 2}, got {max_degree}")
    if dim == 2:
        theta = 2.0 * np.pi * np.arange(n_quad) / n_quad
        return np.real(np.fft.rfft(kappa(np.cos(theta))))[: max_degree + 1] / n_quad
    if dim == 3:
        nodes, weights = special.roots_legendre(n_quad)
        theta, weights = 0.5 * np.pi * (nodes + 1.0), 0.5 * np.pi * weights
        values = kappa(np.cos(theta)) * np.sin(theta) * weights
        return np.array([0.5 * np.sum(values * special.eval_legendre(k, np.cos(theta)))
                         for k in range(max_degree + 1)])
    raise InputError(f"harmonic spectra are for the circle (dim 2) or the sphere (dim 3), got dim {dim}")


@numpy_only("nf.kernel_fn")
def harmonic_spectrum(model: Model, dim: int, max_degree: int, which: str = "ntk", n_quad: int = 4096, *,
                      execution: Execution = DEFAULT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(degrees, eigenvalues per degree, multiplicities) of the model's kernel on the unit circle / sphere.

    The kernel is evaluated between the pole and points at inner product t: for raw inputs on the sphere any
    dot-product kernel is zonal (rotation invariant), so this is its full spectrum.
    """
    if model.mapping.kind != "none" or model.init == "siren":
        raise InputError("harmonic spectra need a rotation-invariant kernel: use mapping 'none' and init 'gaussian'")
    if not 0 <= max_degree <= n_quad // 2:
        raise InputError(f"max degree must be between 0 and {n_quad // 2}, got {max_degree}")

    def kappa(t):
        pole = np.eye(dim)[-1:]
        pts = np.zeros((len(t), dim))
        pts[:, 0], pts[:, -1] = np.sqrt(np.clip(1.0 - t**2, 0.0, None)), t
        return _pick(model, pole, pts, which, execution.replace(progress=False))[0]

    degrees = np.arange(max_degree + 1)
    mult = np.where(degrees == 0, 1, 2) if dim == 2 else 2 * degrees + 1
    return degrees, zonal_eigenvalues(kappa, dim, max_degree, n_quad), mult


def toeplitz_operator(model: Model, shape, which: str = "ntk", *, execution: Execution = DEFAULT):
    """The Gram matrix of a stationary kernel on the grid ``shape`` as a matrix-free operator (exact).

    On a regular grid a stationary kernel's Gram matrix is (block-)Toeplitz: it is determined by k(offset) for the
    offsets -(N-1)/N .. (N-1)/N on each axis, and its product with a vector is a linear convolution, done by FFT after
    embedding in a circulant of size 2N per axis. Returns a ``scipy.sparse.linalg.LinearOperator`` of size
    prod(shape), C order. Cost: one kernel row on (2N)^d offsets, then O(N^d log N) per product.
    """
    from scipy.sparse.linalg import LinearOperator
    shape = points.parse_grid(shape)
    if not is_stationary(model):
        raise InputError("a matrix-free grid operator needs a stationary kernel (a Fourier-feature mapping); "
                         "use a dense spectrum for raw inputs or SIREN")
    axes = [np.concatenate([np.arange(n), [0], -np.arange(n - 1, 0, -1)]) / n for n in shape]  # (2n,) offsets
    offsets = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
    column = _pick(model, np.zeros((1, len(shape))), offsets, which, execution)[0]
    column = column.reshape([2 * n for n in shape])
    for axis, n in enumerate(shape):  # the embedding's unused middle entry: any value works; zero it
        index = [slice(None)] * len(shape)
        index[axis] = n
        column[tuple(index)] = 0.0
    spectrum = np.fft.rfftn(column)
    size = int(np.prod(shape))
    big = tuple(2 * n for n in shape)

    def matvec(v):
        v = np.asarray(v, dtype=np.float64).reshape(shape)
        all_axes = tuple(range(len(shape)))
        out = np.fft.irfftn(spectrum * np.fft.rfftn(v, s=big, axes=all_axes), s=big, axes=all_axes)
        return out[tuple(slice(0, n) for n in shape)].ravel()

    return LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=np.float64)


@numpy_only("nf.core.spectrum.grid_spectrum")
def top_eigenpairs(model: Model, shape, k: int, which: str = "ntk", *, execution: Execution = DEFAULT):
    """Exact top-``k`` eigenvalues (descending) and eigenvectors ``(N, k)`` of the kernel's Gram matrix on a grid,
    matrix-free (Lanczos, ``scipy.sparse.linalg.eigsh``, on `toeplitz_operator`); frequencies ``(k, d)`` label each
    eigenvector by its dominant Fourier mode."""
    from scipy.sparse.linalg import eigsh
    shape = points.parse_grid(shape)
    n = int(np.prod(shape))
    if not 1 <= k < n:
        raise InputError(f"--top must be between 1 and {n - 1} for a grid of {n} points, got {k}")
    operator = toeplitz_operator(model, shape, which, execution=execution)
    status(f"Lanczos for the top {k} of {n} eigenpairs", execution.progress)
    lam, V = eigsh(operator, k=k, which="LA", tol=1e-12)
    order = np.argsort(-lam)
    lam, V = lam[order], V[:, order]
    spectra = np.abs(np.fft.fftn(V.T.reshape((k,) + shape), axes=tuple(range(1, len(shape) + 1))))
    frequencies = points.grid_frequencies(shape)[np.argmax(spectra.reshape(k, n), axis=1)]
    return lam, V, frequencies


@numpy_only("nf.kernel_fn and jax.numpy.linalg.eigh")
def top_eigenpairs_points(model: Model, x: np.ndarray, k: int, which: str = "ntk", *, tol: float = 1e-6,
                          block: int | None = None, max_passes: int = 60, seed: int = 0,
                          execution: Execution = DEFAULT) -> Eigenpairs:
    """Top-``k`` eigenpairs of the kernel's Gram matrix on arbitrary points ``x`` ``(n, d)``, matrix-free.

    For kernels without grid structure (raw inputs, SIREN, any points): block Lanczos (`lanczos.block_lanczos`) on
    `operators.KernelOperator`, which computes the kernel tile by tile with the pure JAX core (`ntk_fourier.core`) and
    keeps the tiles that fit in ``execution.cache`` for the next passes (the rest are computed again). Memory ~ n (k +
    block) x passes x 8 bytes for the Krylov basis plus the kept tiles: 65,536 points, k = 100 need under 1 GB
    besides them. Stops when each residual ``||K v - lambda v||`` is at most ``tol`` times
    its eigenvalue (eigenvalues are then accurate to about residual^2 / gap, far below ``tol``). ``block``: vectors
    per product (the Krylov block size, default ``k + 8``); ``execution.tile``: the kernel's tile side (default 4096).
    """
    x = mappings._check_points(x)
    operator = operators.KernelOperator(model, x, which, execution=execution)
    return lanczos.block_lanczos(operator.__matmul__, len(x), k, block=block, tol=tol, max_passes=max_passes,
                                 seed=seed, execution=execution)
