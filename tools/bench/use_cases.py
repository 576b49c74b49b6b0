"""The API use cases figures 2 and 3 serve (health, the organisation directory, OpenAPI), with their budgets."""

from __future__ import annotations

from tools.bench.common import ADMIN, READER, Context, UseCase

NEW_ORG = {"code": "E06000099", "name": "Bench Unitary Council", "type": "local_authority",
           "region": "south-west", "nation": "england", "cafcass_service_area": "ons-region-south-west"}


def _next_page(ctx: Context) -> str:
    cursor = ctx.json("list type=local_authority, limit 20")["next_cursor"]
    return f"/organisations?type=local_authority&limit=20&cursor={cursor}"


USE_CASES: list[UseCase] = [
    UseCase("GET /health", path="/health", min_calls=1, max_calls=1),
    UseCase("list, first page (limit 50)", path="/organisations?limit=50", role=READER, min_calls=1),
    UseCase("list region=london", path="/organisations?region=london", role=READER, min_calls=1),
    UseCase("list type=local_authority, limit 20", path="/organisations?type=local_authority&limit=20",
            role=READER, min_calls=1),
    UseCase("  next page via cursor", path=_next_page, role=READER, min_calls=1),
    UseCase("GET /organisations/{code}", path="/organisations/E09000033", role=READER, min_calls=1),
    UseCase("GET /organisations/{code} (404)", path="/organisations/E09999999", role=READER, status=404,
            min_calls=1),
    UseCase("POST /organisations (admin)", method="POST", path="/organisations", role=ADMIN, body=NEW_ORG,
            status=201, min_calls=1, max_calls=1),
    UseCase("PATCH /organisations/{code} (admin)", method="PATCH", path=f"/organisations/{NEW_ORG['code']}",
            role=ADMIN, body={"name": "Bench Unitary Council (renamed)"}, min_calls=2, max_calls=2,
            note="read + conditional write"),
    UseCase("GET /openapi.json", path="/openapi.json", max_calls=0),
    UseCase("GET /openapi.json (cached)", path="/openapi.json", max_calls=0),
]
