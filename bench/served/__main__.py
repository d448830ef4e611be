"""`python -m bench.served`: see bench/served/__init__.py and bench/README.md."""

import sys

from bench.served.cli import main

sys.exit(main())
