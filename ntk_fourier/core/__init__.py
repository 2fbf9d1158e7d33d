"""The traceable core: pure JAX functions of points and models (the model a pytree of its numeric hyperparameters),
under jit, vmap and grad, in the dtype of their inputs. The NumPy conveniences of `ntk_fourier.kernel` (tiles,
memory checks, progress, meshes, input checks) are built on it, and the CLI on those."""
from ntk_fourier.core import covariance, dynamics, layers, learnability, spectrum  # noqa: F401  (pure functions)
from ntk_fourier.core.kernel import Kernels, kernel_fn

__all__ = ["Kernels", "covariance", "dynamics", "kernel_fn", "layers", "learnability", "spectrum"]
