"""Public URLs: every link the service hands out starts from :func:`base_url`."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import URL


def base_url(request: Request) -> str:
    """Scheme, host and prefix that links start with, without a trailing slash.

    ``MINQING_PUBLIC_URL`` when set; otherwise the request's own base URL, whose host the
    edge middleware has already checked against ``MINQING_TRUSTED_HOSTS``.
    """
    public: str = request.app.state.context.settings.public_url
    return public or str(request.base_url).rstrip("/")


def request_url(request: Request) -> URL:
    """The URL of this request (path below the root path, and query) on :func:`base_url`."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return URL(base_url(request) + path).replace(query=request.url.query)
