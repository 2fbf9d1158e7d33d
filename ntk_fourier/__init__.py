"""ntk_fourier: the neural tangent kernel and spectral bias of coordinate MLPs with Fourier feature mappings.

Public API, one name a line. The kernel view (`kernels`, `spectra`) imports neural-tangents lazily on first use, so
``import ntk_fourier`` works on a JAX without it.

Where neural-tangents is installed (the kernel view's CPU environment), importing ntk_fourier before JAX starts adds
``--xla_cpu_max_isa=AVX`` to ``XLA_FLAGS``: without it XLA fuses ``a*a - b*b`` into a multiply-add, and ReLU-type
kernels at correlation +-1 (identical or collinear inputs) lose half their digits (`analytic.fma_free`). Set
``NTK_FOURIER_KEEP_FMA=1`` to opt out.
"""
import importlib.util as _util
import os as _os

if not _os.environ.get("NTK_FOURIER_KEEP_FMA") and "xla_cpu_max_isa" not in _os.environ.get("XLA_FLAGS", "") \
        and _util.find_spec("neural_tangents") is not None:
    _os.environ["XLA_FLAGS"] = (_os.environ.get("XLA_FLAGS", "") + " --xla_cpu_max_isa=AVX").strip()
from ntk_fourier.analytic import Kernels, kernel_diagonal, kernels, stax_kernel_fn
from ntk_fourier.compare import Comparison, cross_check, fit_slope
from ntk_fourier.datasets import one_over_f
from ntk_fourier.dynamics import (Prediction, StabilityWarning, TopPrediction, decay, max_stable_lr, predict,
                                  predict_top)
from ntk_fourier.empirical import empirical_ntk, jacobian_ntk, relative_drift
from ntk_fourier.errors import InputError
from ntk_fourier.grid_regression import GridRegression, regress as regress_image
from ntk_fourier.image_fit import MAPPINGS as IMAGE_MAPPINGS, PAPER_PSNR, ImageFit, fit as fit_image
from ntk_fourier.image_fit import model_for as image_model, montage, tiles as image_tiles
from ntk_fourier.images import builtin as builtin_image, load as load_image, psnr, split as split_image
from ntk_fourier.lanczos import Eigenpairs, block_lanczos
from ntk_fourier.mappings import encode, frequencies, input_covariance, is_periodic
from ntk_fourier.model import Mapping, Model, siren_model
from ntk_fourier.native import block as native_kernels
from ntk_fourier.network import Network, network
from ntk_fourier.operators import KernelOperator
from ntk_fourier.points import circle, grid, grid_frequencies, parse_grid
from ntk_fourier.regression import Regression, conjugate_gradients, regress_points
from ntk_fourier.report import write as write_report
from ntk_fourier.results import load, save
from ntk_fourier.spectra import (GridSpectrum, dense_spectrum, grid_spectrum, harmonic_spectrum, is_stationary,
                                 toeplitz_operator, top_eigenpairs, top_eigenpairs_points, zonal_eigenvalues)
from ntk_fourier.train import TrainResult, load_run, save_run, train

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "Eigenpairs",
    "GridRegression",
    "GridSpectrum",
    "IMAGE_MAPPINGS",
    "ImageFit",
    "InputError",
    "KernelOperator",
    "Kernels",
    "Mapping",
    "Model",
    "Network",
    "PAPER_PSNR",
    "Prediction",
    "Regression",
    "StabilityWarning",
    "TopPrediction",
    "TrainResult",
    "block_lanczos",
    "builtin_image",
    "circle",
    "conjugate_gradients",
    "cross_check",
    "decay",
    "dense_spectrum",
    "empirical_ntk",
    "encode",
    "fit_image",
    "fit_slope",
    "frequencies",
    "grid",
    "grid_frequencies",
    "grid_spectrum",
    "harmonic_spectrum",
    "image_model",
    "image_tiles",
    "input_covariance",
    "is_periodic",
    "is_stationary",
    "jacobian_ntk",
    "kernel_diagonal",
    "kernels",
    "load",
    "load_image",
    "load_run",
    "max_stable_lr",
    "montage",
    "native_kernels",
    "network",
    "one_over_f",
    "parse_grid",
    "predict",
    "predict_top",
    "psnr",
    "regress_image",
    "regress_points",
    "relative_drift",
    "save",
    "save_run",
    "siren_model",
    "split_image",
    "stax_kernel_fn",
    "toeplitz_operator",
    "top_eigenpairs",
    "top_eigenpairs_points",
    "train",
    "write_report",
    "zonal_eigenvalues",
]
