"""``python -m ntk_fourier ...`` runs the command line (`ntk_fourier.cli`)."""
import sys

from ntk_fourier.cli import main

sys.exit(main())
