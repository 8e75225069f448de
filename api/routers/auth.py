"""Sign-in: username + password → bearer token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlmodel import select

from api.deps import PUBLIC, ContextDep, allowed
from api.exceptions import Unauthorized
from api.models import User
from api.security import SigninGuard, issue_token
from api.workflow import Actor, Permission

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """A bearer token and who it is for."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    username: str
    role: str
    unit: str | None
    grid_codes: list[str]


def get_signin_guard(request: Request) -> SigninGuard:
    """The app's sign-in throttle."""
    guard: SigninGuard = request.app.state.signin_guard
    return guard


@router.post(
    "/token",
    summary="Sign in (OAuth2 password form)",
    response_model=Token,
    responses={429: {"description": "Too many failed sign-ins; see Retry-After"}},
    dependencies=PUBLIC,
)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    context: ContextDep,
    guard: Annotated[SigninGuard, Depends(get_signin_guard)],
) -> Token:
    """Exchange a username and password for a bearer token.

    A sync route, so the password check runs in the thread pool, never on the event loop;
    the lookup's session is closed before it so no connection waits on argon2.
    """
    address = request.client.host if request.client else "unknown"
    guard.check_allowed(form.username, address)
    with context.db.session() as session:
        user = session.exec(select(User).where(User.username == form.username)).first()
    password_ok = guard.verify(user.password_hash if user else None, form.password)
    if user is None or not user.active or not password_ok:
        guard.record_failure(form.username, address)
        raise Unauthorized("wrong username or password")
    access, expires = issue_token(
        user.username,
        secret=context.secret,
        ttl=timedelta(minutes=context.settings.token_ttl_minutes),
    )
    return Token(
        access_token=access,
        expires_at=expires,
        username=user.username,
        role=user.role,
        unit=user.unit_code,
        grid_codes=list(user.grid_codes or []),
    )


class Me(BaseModel):
    """The signed-in user."""

    username: str
    full_name: str
    role: str
    unit: str | None
    grid_codes: list[str]


@router.get("/me", summary="Who am I", response_model=Me)
def me(principal: Annotated[Actor, allowed(Permission.signed_in)]) -> Me:
    """The user behind the token."""
    return Me(
        username=principal.username,
        full_name=principal.full_name,
        role=principal.role,
        unit=principal.unit,
        grid_codes=sorted(principal.grid_codes),
    )
