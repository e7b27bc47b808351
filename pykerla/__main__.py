"""`python -m pykerla`: the command line."""

import sys

from pykerla.cli import main

sys.exit(main())
