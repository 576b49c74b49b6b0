"""``chalice local`` with our Gateway Responses applied (see ``tools/local_gateway.py``).

Takes the same arguments as the ``chalice`` command: ``python -m tools.chalice_local local --stage local``.
"""

from __future__ import annotations

import sys

from tools.local_gateway import install

if __name__ == "__main__":
    install()
    from chalice.cli import main

    sys.exit(main())
