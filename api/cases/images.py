"""Photo checks: decode fully, refuse bombs and disguises, re-encode without metadata.

Framework-free: takes bytes and limits, returns the bytes to store or raises one of the
service's errors naming the ``file`` field.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from api.exceptions import InvalidInput, PayloadTooLarge, UnsupportedMedia

FIELD = "file"
#: Pillow format → the content type the photo is stored and served as.
PHOTO_FORMATS: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: Modes each format is written in; others are converted first.
_WRITABLE_MODES: dict[str, tuple[str, ...]] = {
    "JPEG": ("L", "RGB"),
    "PNG": ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"),
    "WEBP": ("RGB", "RGBA"),
}


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo that decoded completely, re-encoded without EXIF or other metadata."""

    content_type: str
    data: bytes
    width: int
    height: int


def check_photo(
    content: bytes, *, max_bytes: int, max_pixels: int, declared_type: str | None = None
) -> CheckedPhoto:
    """Check an uploaded photo and return it re-encoded, orientation applied.

    Parameters
    ----------
    content
        The uploaded bytes.
    max_bytes
        Largest upload accepted (:class:`PayloadTooLarge` above it).
    max_pixels
        Largest width × height, checked from the header before any decoding.
    declared_type
        The content type the client claimed, quoted in the error when it is not an image.

    Raises
    ------
    InvalidInput
        Empty, damaged or truncated.
    PayloadTooLarge
        Too many bytes or too many pixels (a decompression bomb).
    UnsupportedMedia
        Not a JPEG, PNG or WebP image, whatever its first bytes say.
    """
    if not content:
        raise InvalidInput(FIELD, "the upload is empty")
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"{FIELD}: the photo is {len(content) / 1e6:.1f} MB; "
            f"the limit is {max_bytes / 1e6:.0f} MB",
            field=FIELD,
        )
    image = _open(content, declared_type)
    width, height = image.size
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"{FIELD}: the photo is {width} × {height} pixels; "
            f"the limit is {max_pixels / 1e6:.0f} million pixels",
            field=FIELD,
        )
    fmt = str(image.format)
    try:
        image.verify()  # structure and checksums; the image object is unusable afterwards
        image = _open(content, declared_type)
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(FIELD, f"the {fmt} image is damaged or truncated ({exc})") from None
    data, size = _reencode(image, fmt)
    return CheckedPhoto(content_type=PHOTO_FORMATS[fmt], data=data, width=size[0], height=size[1])


def _open(content: bytes, declared_type: str | None) -> Image.Image:
    try:
        with warnings.catch_warnings():  # our own pixel limit is the rule, checked next
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(PHOTO_FORMATS))
    except Image.DecompressionBombError as exc:
        raise PayloadTooLarge(f"{FIELD}: {exc}", field=FIELD) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        declared = f" (sent as {declared_type})" if declared_type else ""
        raise UnsupportedMedia(
            f"{FIELD}: not a JPEG, PNG or WebP image{declared}", field=FIELD
        ) from None
    return image


def _reencode(image: Image.Image, fmt: str) -> tuple[bytes, tuple[int, int]]:
    """Apply the EXIF orientation, then write pixels only (ICC colour profile kept)."""
    icc_profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in _WRITABLE_MODES[fmt]:
        keep_alpha = "A" in upright.getbands() or "transparency" in upright.info
        upright = upright.convert("RGBA" if keep_alpha and fmt != "JPEG" else "RGB")
    options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        options.update(quality=90, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=90)
    out = io.BytesIO()
    upright.save(out, format=fmt, **options)
    return out.getvalue(), upright.size
