"""Routes of the workshops capability: scheduling, registration, the waiting list, attendance, feedback, reports.

The route table: where each route is, who may call it, and its handler (``module:function`` here).
Handler modules are imported on the first request for one of their routes (``core.http.routing``).
"""

from chalicelib.core.auth.caller import CAFCASS_ADMINS, PUBLIC, SIGNED_IN
from chalicelib.core.http.routing import RouteTable

routes = RouteTable(__name__)
routes.add("POST", "/workshops",                                                          CAFCASS_ADMINS, "scheduling:create_workshop")
routes.add("GET", "/workshops",                                                           SIGNED_IN, "scheduling:list_workshops")
routes.add("GET", "/workshops/{workshop_id}",                                             SIGNED_IN, "scheduling:get_workshop")
routes.add("PATCH", "/workshops/{workshop_id}",                                           CAFCASS_ADMINS, "scheduling:update_workshop")
routes.add("POST", "/workshops/{workshop_id}/status",                                     CAFCASS_ADMINS, "scheduling:set_status")
routes.add("POST", "/workshops/{workshop_id}/registrations",                              SIGNED_IN, "registrations:register")
routes.add("GET", "/workshops/{workshop_id}/registrations/{registration_id}",             SIGNED_IN, "registrations:get_registration")
routes.add("DELETE", "/workshops/{workshop_id}/registrations/{registration_id}",          SIGNED_IN, "registrations:cancel_registration")
routes.add("POST", "/workshops/{workshop_id}/registrations/{registration_id}/substitute", SIGNED_IN, "registrations:substitute")
routes.add("POST", "/workshops/{workshop_id}/registrations/{registration_id}/decline",    PUBLIC, "registrations:decline")
routes.add("GET", "/workshops/{workshop_id}/registrations",                               CAFCASS_ADMINS, "registrations:list_registrations")
routes.add("GET", "/workshops/{workshop_id}/registrations.csv",                           CAFCASS_ADMINS, "registrations:export_registrations")
routes.add("GET", "/me/registrations",                                                    SIGNED_IN, "registrations:my_registrations")
routes.add("PUT", "/workshops/{workshop_id}/registrations/{registration_id}/attendance",  CAFCASS_ADMINS, "outcomes:record_attendance")
routes.add("GET", "/feedback",                                                            PUBLIC, "outcomes:feedback_info")
routes.add("POST", "/feedback",                                                           PUBLIC, "outcomes:give_feedback")
routes.add("GET", "/reports/workshops/{workshop_id}",                                     CAFCASS_ADMINS, "outcomes:workshop_report")
routes.add("GET", "/reports/workshops",                                                   CAFCASS_ADMINS, "outcomes:region_report")
routes.add("GET", "/workshops/{workshop_id}/feedback",                                    CAFCASS_ADMINS, "outcomes:workshop_feedback")
routes.add("GET", "/links/decline/{token}",                                               PUBLIC, "links:decline_page")
routes.add("POST", "/links/decline/{token}",                                              PUBLIC, "links:decline_from_page")
routes.add("GET", "/links/feedback/{token}",                                              PUBLIC, "links:feedback_page")
routes.add("POST", "/links/feedback/{token}",                                             PUBLIC, "links:feedback_from_page")
