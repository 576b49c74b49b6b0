"""Routes of the organisation directory: ``/organisations``.

The route table: where each route is, who may call it, and its handler (``module:function`` here).
Handler modules are imported on the first request for one of their routes (``core.http.routing``).
"""

from chalicelib.core.auth.caller import CAFCASS_ADMINS, SIGNED_IN
from chalicelib.core.http.routing import RouteTable

routes = RouteTable(__name__)
routes.add("GET", "/organisations",          SIGNED_IN, "organisations:list_organisations")
routes.add("GET", "/organisations/{code}",   SIGNED_IN, "organisations:get_organisation")
routes.add("POST", "/organisations",         CAFCASS_ADMINS, "organisations:create_organisation")
routes.add("PATCH", "/organisations/{code}", CAFCASS_ADMINS, "organisations:update_organisation")
