"""Routes of the mail capability: test message, message status and re-drive, suppressions, one-click unsubscribe.

The route table: where each route is, who may call it, and its handler (``module:function`` here).
Handler modules are imported on the first request for one of their routes (``core.http.routing``).
"""

from chalicelib.core.auth.caller import CAFCASS_ADMINS, PUBLIC, Access, Role
from chalicelib.core.http.routing import RouteTable

EMAIL_ADMINS = Access.only(Role.CAFCASS_ADMIN, Role.ADCS_ADMIN)

routes = RouteTable(__name__)
routes.add("POST", "/email/test",                 EMAIL_ADMINS, "email:send_test_email")
routes.add("GET", "/email/messages/{message_id}", CAFCASS_ADMINS, "email:get_message")
routes.add("POST", "/email/messages/{message_id}/retry", CAFCASS_ADMINS, "email:retry_message")
routes.add("POST", "/email/messages/retry",       CAFCASS_ADMINS, "email:retry_failed")
routes.add("GET", "/email/suppressions",          CAFCASS_ADMINS, "email:list_suppressions")
routes.add("DELETE", "/email/suppressions/{id}",  CAFCASS_ADMINS, "email:remove_suppression")
routes.add("POST", "/email/unsubscribe",          PUBLIC, "email:unsubscribe")
routes.add("GET", "/email/unsubscribe",           PUBLIC, "email:describe_unsubscribe")
routes.add("GET", "/links/unsubscribe/{token}",   PUBLIC, "links:unsubscribe_page")
routes.add("POST", "/links/unsubscribe/{token}",  PUBLIC, "links:unsubscribe_from_page")
