"""Passwords, tokens and the per-install signing key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from api.cases.present import mask_name, mask_phone
from api.exceptions import Unauthorized
from api.security import hash_password, issue_token, load_secret, read_token, verify_password
from api.workflow import PersonalData, personal_data


def test_password_hash_round_trip() -> None:
    stored = hash_password("minqing-demo")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "minqing-demo")
    assert not verify_password(stored, "wrong")
    assert not verify_password("not a hash", "minqing-demo")


def test_token_round_trip_tamper_and_expiry() -> None:
    secret = b"k" * 32
    token, _ = issue_token("officer_cgj", secret=secret, ttl=timedelta(minutes=5))
    assert read_token(token, secret=secret) == "officer_cgj"
    payload, signature = token.split(".")
    forged = issue_token("admin", secret=b"other", ttl=timedelta(minutes=5))[0].split(".")[0]
    for bad in (f"{forged}.{signature}", f"{payload}.x", "garbage", ""):
        with pytest.raises(Unauthorized):
            read_token(bad, secret=secret)
    expired, _ = issue_token("officer_cgj", secret=secret, ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthorized, match="expired"):
        read_token(expired, secret=secret)


def test_signing_key_is_created_once_even_by_racing_workers(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_secret("", tmp_path), range(16)))
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600
    assert load_secret("configured", tmp_path) == b"configured"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), (None, None), ("", "")],
)
def test_mask_name(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("12345", "***45"),
        (None, None),
    ],
)
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_reporter_by_role() -> None:
    assert personal_data("dispatcher") is PersonalData.full
    assert personal_data("officer") is PersonalData.masked
    assert personal_data("screen") is PersonalData.hidden
    assert personal_data("analyst") is PersonalData.hidden
