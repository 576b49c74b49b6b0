"""Builds the Chalice application from one blueprint per capability."""

from __future__ import annotations

from chalice import Chalice

from chalicelib.api import (
    authorizer,
    email,
    health,
    middleware,
    openapi,
    organisations,
    scheduled,
    workshop_outcomes,
    workshops,
)
from chalicelib.settings import SERVICE_NAME


def create_app() -> Chalice:
    """The whole API: authorizer, middleware and every capability's routes."""
    app = Chalice(app_name=SERVICE_NAME)
    app.api.binary_types = []  # JSON only: never base64-transform bodies, whatever their content type
    app.register_blueprint(authorizer.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(organisations.bp)
    app.register_blueprint(email.bp)
    app.register_blueprint(workshops.bp)
    app.register_blueprint(workshop_outcomes.bp)
    app.register_blueprint(scheduled.bp)
    middleware.register(app)
    return app
