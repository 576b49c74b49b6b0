"""Test environment, set before anything imports ``chalicelib`` (PynamoDB reads table names at import)."""

import os

os.environ.pop("AWS_ENDPOINT_URL", None)  # with it set, moto's in-process mock would not intercept
os.environ.update({
    "STAGE": "test",
    "AWS_DEFAULT_REGION": "eu-west-2",
    "AWS_REGION": "eu-west-2",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "SES_SENDER": "partnerships@cafcass.test",
    "POWERTOOLS_METRICS_NAMESPACE": "Partnerships",
    "LOG_LEVEL": "INFO",
    "SES_CONFIGURATION_SET": "partnerships-test",
    "LINK_SIGNING_KEY": "test-only-link-signing-key-0123456789abcdef",
    "PUBLIC_BASE_URL": "https://partnerships.test/api",
})
