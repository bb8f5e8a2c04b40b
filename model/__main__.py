"""``python -m model``: the same command-line interface as the ``sharedhr`` console script."""

import sys

from model.cli import main

sys.exit(main())
