"""``python -m trailtui`` is the ``trailtui`` command."""

import sys

from .cli import main

sys.exit(main())
