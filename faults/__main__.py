"""`python -m faults`: see faults/run.py."""

from __future__ import annotations

import sys

from faults.run import main

sys.exit(main())
