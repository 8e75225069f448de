"""Case photos: checked, stored under the runtime directory by content hash, recorded."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from api.cases.access import case_rows, get_visible
from api.cases.images import check_photo
from api.cases.schemas import PhotoPublic
from api.context import AppContext
from api.exceptions import Forbidden, NotFound
from api.models import IncidentPhoto, utcnow
from api.workflow import Actor, Permission, may

__all__ = ["PHOTO_TYPES", "attach_photo", "case_photos", "photo_file"]

PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def _require(actor: Actor, permission: Permission, what: str) -> None:
    if not may(actor.role, permission):
        raise Forbidden(f"role {actor.role.value!r} may not {what}", role=actor.role.value)


def attach_photo(
    context: AppContext,
    actor: Actor,
    incident_id: int,
    content: bytes,
    *,
    declared_type: str | None,
    now: datetime | None = None,
) -> PhotoPublic:
    """Decode and re-encode a photo (:mod:`api.cases.images`), store it, record it."""
    _require(actor, Permission.attach_photos, "attach photos")
    checked = check_photo(
        content,
        max_bytes=context.settings.photo_max_bytes,
        max_pixels=context.settings.photo_max_pixels,
        declared_type=declared_type,
    )
    kind, content = checked.content_type, checked.data
    with context.db.write_session() as session:
        get_visible(session, actor, incident_id)
        digest = hashlib.sha256(content).hexdigest()
        path = _store_file(context, incident_id, f"{digest}{PHOTO_TYPES[kind]}", content)
        photo = IncidentPhoto(
            incident_id=incident_id,
            filename=path.name,
            content_type=kind,
            size_bytes=len(content),
            sha256=digest,
            uploaded_by=actor.username,
            uploaded_at=now or utcnow(),
        )
        session.add(photo)
        session.flush()
        return _public(photo)


def _public(photo: IncidentPhoto) -> PhotoPublic:
    public = PhotoPublic.model_validate(photo, from_attributes=True)
    url = f"/api/incidents/{photo.incident_id}/photos/{photo.id}"
    return public.model_copy(update={"url": url})


def case_photos(session: Session, actor: Actor, incident_id: int) -> list[PhotoPublic]:
    """The photos of a case, oldest first, for a caller allowed to see it and its photos."""
    _require(actor, Permission.view_photos, "open case photos")
    rows = case_rows(session, actor, incident_id, IncidentPhoto, IncidentPhoto.id)
    return [_public(photo) for photo in rows]


def _store_file(context: AppContext, incident_id: int, name: str, content: bytes) -> Path:
    folder = photo_dir(context) / str(incident_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)
    return path


def photo_dir(context: AppContext) -> Path:
    """Where photos live."""
    return context.settings.work_dir / "photos"


def photo_file(
    session: Session, context: AppContext, actor: Actor, incident_id: int, photo_id: int
) -> tuple[Path, str]:
    """A stored photo's file and type, for a caller allowed to see the case and its photos."""
    _require(actor, Permission.view_photos, "open case photos")
    get_visible(session, actor, incident_id)
    photo = session.get(IncidentPhoto, photo_id)
    if photo is None or photo.incident_id != incident_id:
        raise NotFound(f"case {incident_id} has no photo {photo_id}", field="photo_id")
    path = photo_dir(context) / str(incident_id) / photo.filename
    if not path.exists():
        raise NotFound(f"photo {photo_id} is recorded but its file is missing", field="photo_id")
    return path, photo.content_type
