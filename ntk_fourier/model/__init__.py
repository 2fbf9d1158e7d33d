"""The model: one immutable value (input mapping + MLP) from which the kernel view and the network view are derived,
the Fourier feature mappings gamma(x), SIREN's first layer in closed form, and the point sets (grids, circle)."""
from ntk_fourier.model.value import (ACTIVATIONS, INITS, MAPPING_KINDS, PARAMETERIZATIONS, Mapping, Model,
                                     plain, siren_model, stack)
from ntk_fourier.model import mappings, points, siren  # noqa: E402  (mappings needs Mapping first)

__all__ = ["ACTIVATIONS", "INITS", "MAPPING_KINDS", "PARAMETERIZATIONS", "Mapping", "Model", "mappings", "points",
           "plain", "siren", "siren_model", "stack"]
