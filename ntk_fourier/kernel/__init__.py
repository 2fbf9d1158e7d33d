"""The kernel view (infinite width), NumPy conveniences over the pure JAX core (`ntk_fourier.core`): the engine
(``"native"``: the core; `reference`: neural-tangents), spectra,
predicted dynamics, the large-scale tools (tiled operators, block Lanczos, conjugate gradients, `sharded`), and the
research tools (`design`: mappings designed through the NTK; `learnability`: generalisation from the spectrum).
Never imports the network view."""
from ntk_fourier.kernel import design, learnability  # noqa: F401
from ntk_fourier.kernel.engine import ENGINES, Kernels, kernel_diagonal, kernels

__all__ = ["ENGINES", "Kernels", "design", "kernel_diagonal", "kernels", "learnability"]
