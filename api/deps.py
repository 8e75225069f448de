"""Typed request dependencies, exposed as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from api.context import AppContext
from api.errors import Forbidden, Unauthorized
from api.models import User
from api.security import read_token


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the request sees them."""

    username: str
    full_name: str
    role: str
    department: str | None = None
    grid_codes: frozenset[str] = field(default_factory=frozenset)


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
) -> Principal:
    """The user behind the bearer token; 401 without a valid one."""
    if credentials is None:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    username = read_token(credentials.credentials, secret=context.secret)
    with context.db.session() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise Unauthorized(f"user {username!r} no longer exists or is disabled")
    return principal_of(user)


def principal_of(user: User) -> Principal:
    """A :class:`Principal` for a stored user."""
    return Principal(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        department=user.department_code,
        grid_codes=frozenset(user.grid_codes or ()),
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> object:
    """A dependency that lets only the given roles (and admin) through."""

    def _check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles and principal.role != "admin":
            raise Forbidden(
                f"role {principal.role!r} may not do this; allowed: {', '.join(roles)}",
                role=principal.role,
            )
        return principal

    return Depends(_check)
