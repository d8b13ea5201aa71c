"""``python -m runform``: the command line (what ``runform worker`` starts its copies with)."""

import sys

from runform.cli import main

if __name__ == "__main__":
    sys.exit(main())
