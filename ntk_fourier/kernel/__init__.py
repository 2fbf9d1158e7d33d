"""The kernel view (infinite width): the engine (`native`, plain JAX; `reference`, neural-tangents), spectra,
predicted dynamics, and the large-scale tools (tiled operators, block Lanczos, conjugate gradients).
Never imports the network view."""
from ntk_fourier.kernel import covariance, native  # noqa: F401
from ntk_fourier.kernel.engine import ENGINES, Kernels, kernel_diagonal, kernels

__all__ = ["ENGINES", "Kernels", "covariance", "kernel_diagonal", "kernels", "native"]
