"""Protection of reporters' personal data (姓名, 电话) by role."""

from __future__ import annotations

FULL_ACCESS_ROLES = frozenset({"dispatcher", "admin"})
NO_ACCESS_ROLES = frozenset({"screen", "analyst"})


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳娜娜 → 欧***: keep the first character only."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; short numbers keep only their last two digits."""
    if not phone:
        return phone
    digits = phone.replace(" ", "").replace("-", "")
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


def reporter_for(role: str, name: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """What a role may see of the reporter: all, masked, or nothing."""
    if role in FULL_ACCESS_ROLES:
        return name, phone
    if role in NO_ACCESS_ROLES:
        return None, None
    return mask_name(name), mask_phone(phone)
