"""The kernel view (infinite width): the engine (`native`, plain JAX; `reference`, neural-tangents), spectra,
predicted dynamics, the large-scale tools (tiled operators, block Lanczos, conjugate gradients, `sharded`), and the
research tools (`design`: mappings designed through the NTK; `learnability`: generalisation from the spectrum).
Never imports the network view."""
from ntk_fourier.kernel import covariance, design, learnability, native  # noqa: F401
from ntk_fourier.kernel.engine import ENGINES, Kernels, kernel_diagonal, kernels

__all__ = ["ENGINES", "Kernels", "covariance", "design", "kernel_diagonal", "kernels", "learnability", "native"]
