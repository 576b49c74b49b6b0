"""Every table the service owns, for tools, tests and infrastructure. No Lambda imports this module.

Each capability lists its own tables in its ``tables.py``; this module gathers them, so ``make run``,
the tests and the CDK app create exactly the tables the code uses.
"""

from __future__ import annotations

from typing import Any


def all_models() -> list[type[Any]]:
    """The PynamoDB model that owns each table (one per table), in a stable order."""
    from chalicelib.directory import tables as directory
    from chalicelib.mail import tables as mail
    from chalicelib.workshops import tables as workshops

    return [*directory.MODELS, *mail.MODELS, *workshops.MODELS]
