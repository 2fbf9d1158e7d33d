"""The ``ntk-fourier`` console script: quiets XLA's C++ logging before JAX loads, then runs `ntk_fourier.cli.main`.

XLA reads ``TF_CPP_MIN_LOG_LEVEL`` once, when JAX is first imported; on an accelerator an out-of-memory error would
otherwise come with a page of allocator and autotuner log lines before the command's one-line message. A level the
user has set is kept; ``NTK_FOURIER_DEBUG=1`` keeps XLA's logging too. This is a top-level module because importing
anything inside the package imports JAX first.
"""
import os
import sys


def main() -> int:
    if not os.environ.get("NTK_FOURIER_DEBUG"):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ntk_fourier.cli import main as run
    return run()


if __name__ == "__main__":
    sys.exit(main())
