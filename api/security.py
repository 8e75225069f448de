"""Passwords (argon2), sign-in throttling and signed bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.exceptions import TooManyRequests, Unauthorized
from api.settings import Settings

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password matches, so that an unknown user costs one verification too."""
    return hash_password(secrets.token_hex(16))


@dataclass
class SigninGuard:
    """Throttles failed sign-ins and bounds the password checks running at once.

    Failures count per username and per client address over a moving minute; past either
    limit, sign-in answers 429 with ``Retry-After`` until old failures age out.  Counters
    live in this process: with several workers each keeps its own.
    """

    per_user: RateLimitItem
    per_address: RateLimitItem
    slots: threading.BoundedSemaphore
    limiter: MovingWindowRateLimiter
    wait_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SigninGuard:
        """A guard with the configured limits and a fresh in-memory counter store."""
        return cls(
            per_user=RateLimitItemPerMinute(settings.signin_failures_per_user),
            per_address=RateLimitItemPerMinute(settings.signin_failures_per_address),
            slots=threading.BoundedSemaphore(settings.signin_concurrency),
            limiter=MovingWindowRateLimiter(MemoryStorage()),
        )

    def check_allowed(self, username: str, address: str) -> None:
        """Raise :class:`TooManyRequests` if the user or the address failed too often."""
        for item, key, field, what in (
            (self.per_user, username.casefold(), "username", "this user"),
            (self.per_address, address, "client", "this address"),
        ):
            if not self.limiter.test(item, field, key):
                reset = self.limiter.get_window_stats(item, field, key).reset_time
                retry_after = max(1, math.ceil(reset - time.time()))
                raise TooManyRequests(
                    f"too many failed sign-ins for {what}; try again in {retry_after} s",
                    retry_after=retry_after,
                    field=field,
                )

    def record_failure(self, username: str, address: str) -> None:
        """Count one failed sign-in against the user and the address."""
        self.limiter.hit(self.per_user, "username", username.casefold())
        self.limiter.hit(self.per_address, "client", address)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password in one of the bounded slots; ``None`` (no such user) is false.

        An unknown user is checked against a dummy hash so that both take the same time.
        Call it from a thread (a sync route), never on the event loop.
        """
        if not self.slots.acquire(timeout=self.wait_seconds):
            raise TooManyRequests("sign-in is busy; try again shortly", retry_after=1)
        try:
            matches = verify_password(password_hash or _dummy_hash(), password)
        finally:
            self.slots.release()
        return matches and password_hash is not None


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The token signing key: the configured one, else a per-install key file."""
    if configured:
        return configured.encode()
    path = data_dir / ".secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: of several workers starting at once, exactly one writes the key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key.encode()
        time.sleep(0.01)  # another worker is between creating and writing the file
    raise RuntimeError(f"the token key file {path} is empty; delete it and start again")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(username: str, *, secret: bytes, ttl: timedelta) -> tuple[str, datetime]:
    """A signed token for ``username`` and when it expires."""
    expires = datetime.now(UTC) + ttl
    payload = _b64(json.dumps({"sub": username, "exp": int(expires.timestamp())}).encode())
    signature = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}", expires


def read_token(token: str, *, secret: bytes) -> str:
    """The username a valid token was issued to; :class:`Unauthorized` otherwise."""
    try:
        if not token.isascii():
            raise ValueError("not ASCII")
        payload, signature = token.split(".")
        expected = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            raise ValueError("bad signature")
        claims = json.loads(_unb64(payload))
    except ValueError:
        raise Unauthorized("the bearer token is not valid; sign in again") from None
    if claims.get("exp", 0) < datetime.now(UTC).timestamp():
        raise Unauthorized("the bearer token has expired; sign in again")
    return str(claims["sub"])
