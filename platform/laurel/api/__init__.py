"""The JSON API at /api/v1: flask-smorest views, marshmallow schemas, token auth.

Each resource is a module with one blueprint made by ``make_blueprint``
(learners.py, groups.py, ...); ``RESOURCE_MODULES`` lists them. Their views
authenticate by bearer token only, return errors as JSON and are exempt
from CSRF, because no cookie authenticates them. The OpenAPI document is
served at /api/v1/openapi.json and rendered by our own page at /api/v1/docs.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from flask import Flask, Request
from flask_smorest import Api, Blueprint, abort
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from laurel.api.schemas import ErrorSchema, LaurelMarshmallowPlugin

API_PREFIX = "/api/v1"
RESOURCE_MODULES = (
    "laurel.api.learners",
    "laurel.api.groups",
    "laurel.api.roster_imports",
    "laurel.api.credentials",
    "laurel.api.credits",
    "laurel.api.print_jobs",
    "laurel.api.assignments",
    "laurel.api.reassignments",
    "laurel.api.progress",
)
EXTENSION_KEY = "laurel.api"

SPEC_OPTIONS = {
    "info": {
        "description": (
            "Laurel's JSON API. Every operation needs an API token, created by an "
            "organisation admin on the API tokens page and sent as "
            "'Authorization: Bearer <token>'. A token acts for one organisation "
            "with one role; objects of other organisations get 404."
        )
    },
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    },
    "security": [{"bearerAuth": []}],
}


class LaurelApi(Api):
    """flask-smorest's Api, leaving the app-wide error pages alone.

    flask-smorest would turn every error of the whole app into JSON; here
    only the API blueprints do (see ``make_blueprint``).
    """

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


class StrictParser(FlaskParser):
    """webargs' parser, rejecting unknown query parameters and files like body fields.

    A misspelt filter (``?inactive=1`` for ``include_inactive``) gets a 422
    naming it, instead of being ignored.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
        "files": None,
    }

    def _raw_load_json(self, req: Request) -> Any:
        """Read a JSON body: 415 for a body of another type, 400 for bad JSON.

        webargs would ignore a body sent as text/plain and report its
        fields as missing. It would also let two decoder errors through as
        server errors: ValueError for an integer over Python's 4,300-digit
        limit, and RecursionError for arrays nested past the recursion limit.
        """
        if not is_json_request(req) and req.get_data(cache=True):
            abort(
                415,
                message=f"The body is sent as {req.mimetype or 'no type'!r}; send "
                "it as JSON, with 'Content-Type: application/json'.",
            )
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs' own handling, which treats an empty body as missing
        except (ValueError, RecursionError) as error:
            abort(400, exc=error, messages={"json": ["Invalid JSON body."]})


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()


def make_blueprint(name: str, path: str, description: str) -> Blueprint:
    """Create a resource blueprint under /api/v1 with token auth and JSON errors."""
    from laurel.api.auth import authenticate
    from laurel.api.errors import handle_api_error

    blueprint = ApiBlueprint(
        f"api_{name}",
        __name__,
        url_prefix=f"{API_PREFIX}{path}",
        description=description,
    )
    blueprint.before_request(authenticate)
    blueprint.register_error_handler(HTTPException, handle_api_error)
    return blueprint


def init_app(app: Flask) -> None:
    from laurel import ops
    from laurel.api.views import bp as pages_bp
    from laurel.extensions import csrf

    app.config.update(
        API_TITLE="Laurel API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS=SPEC_OPTIONS,
    )
    api = LaurelApi(app, spec_kwargs={"marshmallow_plugin": LaurelMarshmallowPlugin()})
    for module_name in RESOURCE_MODULES:
        blueprint = importlib.import_module(module_name).blp
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(pages_bp)
    ops.add_token_path(app, "/api/")
    app.extensions[EXTENSION_KEY] = api
