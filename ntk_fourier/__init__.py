"""ntk_fourier: the neural tangent kernel and spectral bias of coordinate MLPs with Fourier feature mappings.

Public API, one name a line. Subpackages mirror the architecture and are namespaces of their own:
``nf.model`` (the model value, mappings, points), ``nf.kernel`` (infinite width: engine, spectra, dynamics, scale),
``nf.network`` (finite width: MLP, empirical NTK, training), ``nf.images``, ``nf.compare`` (the cross-check),
``nf.report`` (its report), ``nf.devices`` (the mesh of ``nf.Execution(mesh=...)``: several devices, several hosts),
``nf.animate`` (animations of training) and ``nf.drawing`` (the figures' house style). How a computation runs
(engine, mesh, tile, cache, progress) is one value, ``execution=nf.Execution(...)``, taken by every routine that
computes kernels or trains networks (``nf.QUIET``: no progress bars). Importing ntk_fourier changes no global state: no XLA
flags, no ``jax_enable_x64``; kernels are float64 inside a scoped switch (`precision.float64`).
"""
from ntk_fourier import compare, core, devices, images, kernel, model, network  # noqa: F401  (sub-namespaces)
from ntk_fourier import animate, drawing  # noqa: F401  (the animations of training; the figures' house style)
from ntk_fourier.compare import Comparison, auto_lr, cross_check, fit_slope, mode_residuals, report
from ntk_fourier.core import kernel_fn
from ntk_fourier.datasets import one_over_f
from ntk_fourier.errors import InputError
from ntk_fourier.execution import ENGINES, QUIET, Execution
from ntk_fourier.kernel.dynamics import (Prediction, StabilityWarning, TopPrediction, decay, max_stable_lr, predict,
                                         predict_top)
from ntk_fourier.kernel.engine import Kernels, kernel_diagonal, kernels
from ntk_fourier.kernel.lanczos import Eigenpairs, block_lanczos
from ntk_fourier.kernel.operators import KernelOperator
from ntk_fourier.kernel.regression import Regression, conjugate_gradients, regress_points
from ntk_fourier.kernel.spectra import (GridSpectrum, dense_spectrum, grid_spectrum, harmonic_spectrum,
                                        is_stationary, toeplitz_operator, top_eigenpairs, top_eigenpairs_points,
                                        zonal_eigenvalues)
from ntk_fourier.model import Mapping, Model, siren_model
from ntk_fourier.model.mappings import encode, frequencies, input_covariance, is_periodic
from ntk_fourier.model.points import circle, grid, grid_frequencies, parse_grid
from ntk_fourier.network import Network, TrainResult, empirical_ntk, jacobian_ntk, load_run, relative_drift, save_run
from ntk_fourier.network import train
from ntk_fourier.precision import float64
from ntk_fourier.results import load, save
from ntk_fourier.steps import parse_steps

__version__ = "0.2.0"

__all__ = [
    "Comparison",
    "ENGINES",
    "Eigenpairs",
    "Execution",
    "GridSpectrum",
    "InputError",
    "KernelOperator",
    "Kernels",
    "Mapping",
    "Model",
    "Network",
    "Prediction",
    "QUIET",
    "Regression",
    "StabilityWarning",
    "TopPrediction",
    "TrainResult",
    "animate",
    "auto_lr",
    "block_lanczos",
    "circle",
    "compare",
    "conjugate_gradients",
    "core",
    "cross_check",
    "decay",
    "dense_spectrum",
    "devices",
    "drawing",
    "empirical_ntk",
    "encode",
    "fit_slope",
    "float64",
    "frequencies",
    "grid",
    "grid_frequencies",
    "grid_spectrum",
    "harmonic_spectrum",
    "images",
    "input_covariance",
    "is_periodic",
    "is_stationary",
    "jacobian_ntk",
    "kernel",
    "kernel_diagonal",
    "kernel_fn",
    "kernels",
    "load",
    "load_run",
    "max_stable_lr",
    "mode_residuals",
    "model",
    "network",
    "one_over_f",
    "parse_grid",
    "parse_steps",
    "predict",
    "predict_top",
    "regress_points",
    "relative_drift",
    "report",
    "save",
    "save_run",
    "siren_model",
    "toeplitz_operator",
    "top_eigenpairs",
    "top_eigenpairs_points",
    "train",
    "zonal_eigenvalues",
]
