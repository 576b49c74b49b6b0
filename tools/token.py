"""``make token ROLE=...``: sign a demo user in against the running ``make run`` stack.

The token is printed as the last line, so ``TOKEN=$(make -s token ROLE=x | tail -1)`` works.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import boto3

from tools.provision import DEMO_USERS, LOCAL_STATE, REGION, emulator_environment, sign_in

# What ``make run`` writes once it serves (var/local/stack.json); PARTNERSHIPS_LOCAL_STATE points elsewhere
# (tests do, so they leave a developer's running stack alone).
STATE_FILE = Path(os.environ.get("PARTNERSHIPS_LOCAL_STATE") or LOCAL_STATE)


def main(argv: list[str]) -> int:
    """Print a fresh ID token for the demo user of the given role."""
    role = argv[1] if len(argv) > 1 else "la-social-worker"
    if role not in DEMO_USERS:
        print(f"Unknown role {role!r}; choose one of: {', '.join(DEMO_USERS)}", file=sys.stderr)
        return 2
    if not STATE_FILE.exists():
        print("The local stack is not running: start it with 'make run' in another terminal.", file=sys.stderr)
        return 1
    state = json.loads(STATE_FILE.read_text())
    env = emulator_environment(state["aws_endpoint"])
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"],
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    email, org = DEMO_USERS[role]
    print(f"# ID token for the demo {role} ({org}); valid for one hour", file=sys.stderr)
    print(sign_in(idp, state["client_id"], email))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
