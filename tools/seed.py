"""``make seed`` / ``python -m tools.seed [--overwrite]``: load the organisation reference data.

Runs against whatever account the environment points at (credentials, region,
``ORGANISATIONS_TABLE``, and ``AWS_ENDPOINT_URL`` for an emulator). Idempotent:
missing entries are created; existing ones are only changed with ``--overwrite``.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Seed and report counts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--overwrite", action="store_true", help="also reset existing entries to the file's values")
    args = parser.parse_args(argv)
    from chalicelib.directory.seed import seed

    result = seed(overwrite=args.overwrite)
    print(f"created {len(result.created)}, updated {len(result.updated)}, unchanged {result.unchanged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
