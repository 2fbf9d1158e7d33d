"""The reference suite runs in the reference environment (.venv-ref/: neural-tangents 0.6.5 on jax 0.5.3), started by
./dev test with XLA_FLAGS=--xla_cpu_max_isa=AVX so that neural-tangents' own formulas are exact at correlation +-1.
It checks the engine (nf.Execution(engine="native")) against neural-tangents (nf.Execution(engine="neural-tangents"))."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ helpers and oracles

from ntk_fourier.kernel import reference  # noqa: E402

if not reference.available():
    pytest.exit("the reference suite needs neural-tangents (run it with .venv-ref/bin/python; see ./dev test)", 2)
