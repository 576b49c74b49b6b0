"""Every numeric goal the bench prints a verdict against, in one place.

Per-request DynamoDB budgets are part of each use case (``UseCase.min_calls``/``max_calls``/``goal``), next
to the request they bound: ``use_cases.USE_CASES`` and ``workshops.WORKSHOP_USE_CASES``.
"""

# 1. Cold start: ratios of medians (time in process) to the baseline `import boto3; boto3.client("dynamodb")`.
IMPORT_RATIO_GOAL = 1.25  # `import app`
APP_CLIENT_RATIO_GOAL = 2.0  # `import app` + creating every table's DynamoDB client

# 2. Peak memory (max RSS) of the process holding only the service, after serving every use case of 3.
PEAK_RSS_GOAL_MB = 150.0

# 4. The outbox sender.
OUTBOX_CALLS_GOAL = 4.0  # c. DynamoDB calls per message sent
RATE_DEVIATION_GOAL = 0.05  # b. achieved send rate within 5% of the limit (and never 5% above it)
