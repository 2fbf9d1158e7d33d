"""The kernel view (infinite width), NumPy conveniences over the pure JAX core (`ntk_fourier.core`): the engine
(``"native"``: the core; `reference`: neural-tangents), spectra,
predicted dynamics, the large-scale tools (tiled operators, block Lanczos, conjugate gradients, `sharded`), and the
research tools (`design`: mappings designed through the NTK; `learnability`: generalisation from the spectrum);
`sweep`: many models' kernels at once (vmap).
Never imports the network view."""
from ntk_fourier.kernel import design, dynamics, learnability  # noqa: F401
from ntk_fourier.kernel.engine import ENGINES, Kernels, kernel_diagonal, kernels
from ntk_fourier.kernel.sweep import sweep

__all__ = ["ENGINES", "Kernels", "design", "dynamics", "kernel_diagonal", "kernels", "learnability", "sweep"]
