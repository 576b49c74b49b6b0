"""Lambda entry point: the Chalice app, from the core HTTP layer and each capability's route table.

Kept thin and cheap: route tables and event blueprints only. A capability's handlers, schemas,
services and stores are imported by the first request (or event) that needs them.
"""

from chalice import Chalice

from chalicelib.core.http import authorizer, middleware, routing
from chalicelib.core.http.service_routes import routes as service_routes
from chalicelib.core.settings import SERVICE_NAME
from chalicelib.core.startup import check_at_cold_start
from chalicelib.directory.routes import routes as directory_routes
from chalicelib.mail import events as mail_events
from chalicelib.mail.routes import routes as mail_routes
from chalicelib.workshops import events as workshop_events
from chalicelib.workshops.routes import routes as workshop_routes

check_at_cold_start()
app = Chalice(app_name=SERVICE_NAME)
app.api.binary_types = []  # JSON only: never base64-transform bodies, whatever their content type
app.register_blueprint(authorizer.bp)
routing.register(app, [service_routes, directory_routes, mail_routes, workshop_routes])
for events in (mail_events, workshop_events):
    app.register_blueprint(events.bp)
middleware.register(app)
