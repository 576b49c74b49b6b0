"""Lambda entry point: the Chalice app, built from the core HTTP layer and each capability's blueprints."""

from chalice import Chalice

from chalicelib.core.http import authorizer, health, middleware, openapi
from chalicelib.core.settings import SERVICE_NAME
from chalicelib.directory import routes as directory_routes
from chalicelib.mail import events as mail_events
from chalicelib.mail import routes as mail_routes
from chalicelib.workshops import events as workshop_events
from chalicelib.workshops.routes import outcomes as workshop_outcomes
from chalicelib.workshops.routes import registrations as workshop_routes

app = Chalice(app_name=SERVICE_NAME)
app.api.binary_types = []  # JSON only: never base64-transform bodies, whatever their content type
for blueprint in (authorizer.bp, health.bp, openapi.bp, directory_routes.bp, mail_routes.bp, workshop_routes.bp,
                  workshop_outcomes.bp, mail_events.bp, workshop_events.bp):
    app.register_blueprint(blueprint)
middleware.register(app)
