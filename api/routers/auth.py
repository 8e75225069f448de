"""Sign-in: username + password → bearer token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlmodel import select

from api.deps import PUBLIC, ContextDep, SessionDep, allowed
from api.errors import Unauthorized
from api.models import User
from api.security import issue_token, verify_password
from api.workflow import Actor, Permission

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """A bearer token and who it is for."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    username: str
    role: str
    department: str | None
    grid_codes: list[str]


@router.post(
    "/token",
    summary="Sign in (OAuth2 password form)",
    response_model=Token,
    dependencies=PUBLIC,
)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    context: ContextDep,
) -> Token:
    """Exchange a username and password for a bearer token."""
    user = session.exec(select(User).where(User.username == form.username)).first()
    if user is None or not user.active or not verify_password(user.password_hash, form.password):
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
        department=user.department_code,
        grid_codes=list(user.grid_codes or []),
    )


class Me(BaseModel):
    """The signed-in user."""

    username: str
    full_name: str
    role: str
    department: str | None
    grid_codes: list[str]


@router.get("/me", summary="Who am I", response_model=Me)
def me(principal: Annotated[Actor, allowed(Permission.signed_in)]) -> Me:
    """The user behind the token."""
    return Me(
        username=principal.username,
        full_name=principal.full_name,
        role=principal.role,
        department=principal.department,
        grid_codes=sorted(principal.grid_codes),
    )
