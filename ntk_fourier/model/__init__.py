"""The model: one immutable value (input mapping + MLP) from which the kernel view and the network view are derived,
the Fourier feature mappings gamma(x), SIREN's first layer in closed form, and the point sets (grids, circle)."""
from ntk_fourier.model.value import (ACTIVATIONS, GRID_KINDS, INITS, MAPPING_KINDS, PARAMETERIZATIONS, Mapping, Model,
                                     grid_mapping, plain, siren_model, stack)
from ntk_fourier.model import grids, mappings, points, siren  # noqa: E402  (mappings needs Mapping first)

__all__ = ["ACTIVATIONS", "GRID_KINDS", "INITS", "MAPPING_KINDS", "PARAMETERIZATIONS", "Mapping", "Model",
           "grid_mapping", "grids", "mappings", "plain", "points", "siren", "siren_model", "stack"]
