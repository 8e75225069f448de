"""Typed request dependencies, exposed as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from api.context import AppContext
from api.exceptions import Forbidden, Unauthorized
from api.models import User
from api.security import read_token
from api.workflow import Actor, Permission, may


def get_context(request: Request) -> AppContext:
    """The application context built by the app factory."""
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """A read session for one request."""
    with context.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/token")


def get_principal(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user behind the bearer token; 401 without a valid one."""
    if credentials is None:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    return principal_of_token(context, credentials.credentials)


def principal_of_token(context: AppContext, token: str) -> Actor:
    """The user behind ``token``; 401 when it is invalid or the user is gone."""
    username = read_token(token, secret=context.secret)
    with context.db.session() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise Unauthorized(f"user {username!r} no longer exists or is disabled")
    return principal_of(user)


def principal_of(user: User) -> Actor:
    """The :class:`Actor` a stored user acts as."""
    return Actor(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        unit=user.unit_code,
        grid_codes=frozenset(user.grid_codes or ()),
    )


PrincipalDep = Annotated[Actor, Depends(get_principal)]


class Allowed:
    """A route guard: the signed-in user, if the access policy grants ``permission``.

    Every case route declares exactly one (``Annotated[Actor, Allowed(...)]``); the access
    test walks the OpenAPI route list and fails on a route without a decision.
    """

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, principal: PrincipalDep) -> Actor:
        """Let the user through, or refuse with 403 naming the role and the permission."""
        if not may(principal.role, self.permission):
            raise Forbidden(
                f"role {principal.role.value!r} may not {self.permission.value.replace('_', ' ')}",
                role=principal.role.value,
            )
        return principal


class AllowedByQueryToken(Allowed):
    """A route guard that also takes the token as ``access_token`` in the query (RFC 6750 §2.3).

    For clients that cannot send headers: a browser's ``EventSource`` on the live feed.
    """

    def __call__(  # type: ignore[override]
        self,
        context: ContextDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        access_token: Annotated[
            str | None,
            Query(max_length=2048, description="The bearer token, for clients without headers"),
        ] = None,
    ) -> Actor:
        """As :class:`Allowed`, with the header's token or else the query's."""
        if credentials is not None:
            token = credentials.credentials
        elif access_token:
            token = access_token
        else:
            raise Unauthorized(
                "sign in first: send 'Authorization: Bearer <token>' or '?access_token=<token>'"
            )
        return super().__call__(principal_of_token(context, token))


def allowed(permission: Permission) -> Any:
    """``Depends`` on the guard for ``permission`` (for ``Annotated[Actor, allowed(...)]``)."""
    return Depends(Allowed(permission))


Reader = Annotated[Actor, allowed(Permission.read_cases)]
"""The caller of a route that reads cases (only those its scope holds)."""
QueryTokenReader = Annotated[Actor, Depends(AllowedByQueryToken(Permission.read_cases))]
"""A :data:`Reader` that may bring its token as ``access_token`` in the query (clients without
headers: the browser's ``EventSource`` on the live feed, a map's tile requests)."""


class Public:
    """The access decision of a route anyone may call, signed in or not."""

    permission = Permission.public

    def __call__(self) -> None:
        """Let everyone through."""


PUBLIC = [Depends(Public())]
"""``dependencies=`` of a public router or route: its access decision, stated."""
