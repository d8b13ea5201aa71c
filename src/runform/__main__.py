"""``python -m runform``: the command line."""

import sys

from runform.cli import main

sys.exit(main())
