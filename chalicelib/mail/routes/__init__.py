"""Routes of the mail capability: test message, message status, suppressions, one-click unsubscribe.

The route table: where each route is, who may call it, and its handler (``module:function`` here).
Handler modules are imported on the first request for one of their routes (``core.http.routing``).
"""

from chalicelib.core.auth.caller import Access, Role
from chalicelib.core.http.routing import RouteTable

PUBLIC = Access.public()
SIGNED_IN = Access.any_signed_in()
ADMINS = Access.only(Role.CAFCASS_ADMIN)

routes = RouteTable(__name__)
EMAIL_ADMINS = Access.only(Role.CAFCASS_ADMIN, Role.ADCS_ADMIN)
routes.add("POST", "/email/test",                 EMAIL_ADMINS, "email:send_test_email")
routes.add("GET", "/email/messages/{message_id}", ADMINS, "email:get_message")
routes.add("GET", "/email/suppressions",          ADMINS, "email:list_suppressions")
routes.add("DELETE", "/email/suppressions/{id}",  ADMINS, "email:remove_suppression")
routes.add("POST", "/email/unsubscribe",          PUBLIC, "email:unsubscribe")
routes.add("GET", "/email/unsubscribe",           PUBLIC, "email:describe_unsubscribe")
