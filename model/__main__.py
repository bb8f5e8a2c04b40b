"""``python -m model``: the same command-line interface as the ``sharedhr`` console script."""

import sys

from model.commands.cli import main

sys.exit(main())
