"""``chalice local`` with our Gateway Responses applied (see ``tools/local_gateway.py``).

Takes the same arguments as the ``chalice`` command: ``python -m tools.chalice_local local --stage local``.
"""

from __future__ import annotations

import sys

from tools.local_gateway import install

if __name__ == "__main__":
    install()
    from chalice.cli import main

    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C reaches the whole group of ``make run``: stop quietly, no traceback
        sys.exit(130)
