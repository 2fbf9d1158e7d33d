"""The network view (finite width): the model's MLP in plain JAX, its empirical NTK, and training. Never imports the
kernel view or neural-tangents."""
from ntk_fourier.network.empirical import empirical_ntk, jacobian_ntk, relative_drift
from ntk_fourier.network.mlp import Network, build
from ntk_fourier.network.training import TrainResult, load_run, require_memory, save_run, train

__all__ = ["Network", "TrainResult", "build", "empirical_ntk", "jacobian_ntk", "load_run", "relative_drift",
           "require_memory", "save_run", "train"]
