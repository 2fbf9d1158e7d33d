"""Main suite (the main environment, current JAX, no neural-tangents). No global JAX flags here: tests run with JAX's
defaults, as a user's process does (float32 unless a function asks for float64 itself, as every kernel does); tests
that build float64 JAX arrays themselves say so with ``ntk_fourier.float64()``. The reference suite (tests/reference,
neural-tangents) runs in .venv-ref/ (./dev test runs both)."""
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
collect_ignore = ["reference"]


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the heavy tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="heavy run: use --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def x64():
    """JAX in 64-bit for the test's own arrays (ntk_fourier.float64(), scoped: nothing global)."""
    import ntk_fourier as nf
    with nf.float64():
        yield


@pytest.fixture(autouse=True, scope="module")
def _free_compiled_programs():
    """After each test module, drop JAX's compiled programs: hundreds of models' programs (the gradient grid compiles
    several per model) would otherwise stay in one process's memory for the whole suite."""
    yield
    import sys
    if "jax" in sys.modules:
        sys.modules["jax"].clear_caches()
