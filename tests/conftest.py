import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ntk_fourier  # noqa: E402,F401  - before JAX starts, so its XLA flag applies (see ntk_fourier/__init__.py)
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)  # kernels are float64 everywhere; tolerances below assume it


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the heavy tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="heavy run: use --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
