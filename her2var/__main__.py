"""``python -m her2var``: the command line."""

import sys

from .cli.start import main

sys.exit(main())
