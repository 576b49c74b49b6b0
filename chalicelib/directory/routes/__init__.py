"""Routes of the organisation directory: ``/organisations``.

The route table: where each route is, who may call it, and its handler (``module:function`` here).
Handler modules are imported on the first request for one of their routes (``core.http.routing``).
"""

from chalicelib.core.auth.caller import Access, Role
from chalicelib.core.http.routing import RouteTable

PUBLIC = Access.public()
SIGNED_IN = Access.any_signed_in()
ADMINS = Access.only(Role.CAFCASS_ADMIN)

routes = RouteTable(__name__)
routes.add("GET", "/organisations",          SIGNED_IN, "organisations:list_organisations")
routes.add("GET", "/organisations/{code}",   SIGNED_IN, "organisations:get_organisation")
routes.add("POST", "/organisations",         ADMINS, "organisations:create_organisation")
routes.add("PATCH", "/organisations/{code}", ADMINS, "organisations:update_organisation")
