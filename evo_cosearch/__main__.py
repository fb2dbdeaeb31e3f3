"""``python -m evo_cosearch`` runs the command line."""

import sys

from evo_cosearch.cli import main

sys.exit(main())
