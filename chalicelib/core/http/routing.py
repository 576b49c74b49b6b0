"""Route tables: each capability's routes, with who may call them, imported on first use.

A capability's ``routes/__init__.py`` is its route table: one line per route with the method, the
path, the access rule and the handler (``module:function`` inside that ``routes`` package). The table
is cheap to import (no pydantic, no PynamoDB), so ``import app`` stays the same size however many
capabilities there are. Chalice gets one small view per route; on the first request for it, the view
imports the handler's module (its schemas, services and stores) and from then on calls it directly.
So a directory request never imports workshops, and the cold start does not grow with capabilities.

The handler is declared with :func:`chalicelib.core.http.endpoint.endpoint`, which says how to parse
the request and shape the answer; the table says where the route is and who may call it, and the two
together are the route's :class:`~chalicelib.core.http.endpoint.EndpointSpec` (also the OpenAPI entry).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.caller import Access

if TYPE_CHECKING:
    from chalice import Chalice

    from chalicelib.core.http.endpoint import EndpointSpec

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    """One route: where it is, who may call it, and which handler answers it."""

    method: str
    path: str
    access: Access
    handler: str  # "module:function", the module inside the table's package

    @property
    def name(self) -> str:
        """A unique, stable view name for Chalice (its function name in logs and packaging)."""
        return self.handler.replace(":", "_").replace(".", "_")


@dataclass
class RouteTable:
    """The routes of one capability (``package`` is its ``routes`` package)."""

    package: str
    routes: list[Route] = field(default_factory=list)

    def add(self, method: str, path: str, access: Access, handler: str) -> None:
        """Declare a route (see the module docstring)."""
        if method not in METHODS or ":" not in handler:
            raise ValueError(f"bad route declaration: {method} {path} -> {handler}")
        self.routes.append(Route(method, path, access, handler))


class LazyView:
    """What Chalice calls for one route: imports the handler on the first request, then delegates."""

    def __init__(self, app: Chalice, package: str, route: Route) -> None:
        self.app = app
        self.package = package
        self.route = route
        self.__name__ = route.name
        self.__doc__ = f"{route.method} {route.path}"
        self._view: Callable[..., Any] | None = None
        self._spec: EndpointSpec | None = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        from chalicelib.core.http.endpoint import bind

        with self._lock:
            if self._view is None:
                module_name, _, function_name = self.route.handler.partition(":")
                module = importlib.import_module(f"{self.package}.{module_name}")
                handler = getattr(module, function_name)
                self._spec, self._view = bind(handler, self.route, lambda: self.app.current_request,
                                              lambda: self.app)

    @property
    def spec(self) -> EndpointSpec:
        """The route's full description (importing its handler module if need be)."""
        if self._spec is None:
            self._load()
        assert self._spec is not None
        return self._spec

    def __call__(self, **path_params: str) -> Any:
        if self._view is None:
            self._load()
        assert self._view is not None
        return self._view(**path_params)


def register(app: Chalice, tables: Iterable[RouteTable]) -> None:
    """Give Chalice every route of ``tables`` (each as a :class:`LazyView`)."""
    from chalicelib.core.http.authorizer import cognito_authorizer

    for table in tables:
        for route in table.routes:
            view = LazyView(app, table.package, route)
            app.route(route.path, methods=[route.method], name=route.name, content_types=["*/*"],
                      authorizer=cognito_authorizer if route.access.signed_in else None)(view)
