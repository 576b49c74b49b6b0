"""Lambda entry point: the Chalice app, built from the capability blueprints in ``chalicelib``."""

from chalicelib.api.app_factory import create_app

app = create_app()
