"""What a function checks when it starts: settings that would make it unsafe stop it at cold start."""

from __future__ import annotations

import os

from chalicelib.core.observability import logger
from chalicelib.core.settings import SettingsError, get_settings


def check_at_cold_start() -> None:
    """Stop a deployed function at cold start if its settings are missing or unsafe.

    Called once when ``app`` is imported. Only a running Lambda function is checked (the runtime sets
    ``AWS_LAMBDA_FUNCTION_NAME``): ``chalice package`` imports ``app`` too, on a build machine that holds
    no secrets. In the emulator stages nothing is checked: ``make run`` and the tests provide what they
    need. The log line names variables, never their values.
    """
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    settings = get_settings()
    if not settings.deployed:
        return
    problems = settings.problems()
    if problems:
        logger.error("unsafe configuration: refusing to start", extra={"stage": settings.stage,
                                                                       "problems": problems})
        raise SettingsError("; ".join(problems))
