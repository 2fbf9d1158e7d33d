"""The traceable core: pure JAX functions of points and models (the model a pytree of its numeric hyperparameters),
under jit, vmap and grad, in the dtype of their inputs. The NumPy conveniences of `ntk_fourier.kernel` (tiles,
memory checks, progress, meshes, input checks) are built on it, and the CLI on those."""
from ntk_fourier.core import (activations, covariance, dynamics, layers, learnability,  # noqa: F401
                              quadrature, spectrum, tables)
from ntk_fourier.core.kernel import Kernels, kernel_fn

__all__ = ["Kernels", "activations", "covariance", "dynamics", "kernel_fn", "layers", "learnability", "quadrature",
           "spectrum", "tables"]
