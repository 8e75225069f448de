"""Passwords (argon2) and signed bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.errors import Unauthorized

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
