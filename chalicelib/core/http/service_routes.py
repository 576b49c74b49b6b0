"""Routes of the service itself: health and the API description.

The route table: where each route is, who may call it, and its handler (``module:function`` here).
Handler modules are imported on the first request for one of their routes (``core.http.routing``).
"""

from chalicelib.core.auth.caller import PUBLIC
from chalicelib.core.http.routing import RouteTable

routes = RouteTable("chalicelib.core.http")
routes.add("GET", "/health",       PUBLIC, "health:get_health")
routes.add("GET", "/openapi.json", PUBLIC, "openapi:get_openapi")
