"""Attachment files: content checks (core.uploads), private storage under
generated names, and server-made thumbnails with the metadata stripped."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from core.uploads import detect_document, generated_name

THUMBNAIL_PIXELS = 480  # shown at most 240 px wide in a bubble; twice that for 2x screens


def _reencoded(upload, *, fmt: str, box: int | None) -> bytes:
    """The image upright (EXIF orientation applied) and re-encoded, which drops
    every metadata block (camera, GPS location) the original carried."""
    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original)
        if box:
            image.thumbnail((box, box), Image.Resampling.LANCZOS)
        if fmt == "JPEG":
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        buffer = io.BytesIO()
        image.save(
            buffer, fmt, **({"quality": 90, "optimize": True} if fmt == "JPEG" else {"optimize": True})
        )
    upload.seek(0)
    return buffer.getvalue()


def prepare(upload) -> dict:
    """Check `upload` (ValidationError with a message for the user) and return
    the fields of an Attachment: file, thumbnail, content_type, size, original_name."""
    detected = detect_document(upload)
    original_name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
    if detected.content_type == "application/pdf":
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        return {
            "file": ContentFile(data, name=detected.generated_name()),
            "thumbnail": None,
            "content_type": detected.content_type,
            "size": len(data),
            "original_name": original_name,
        }
    fmt = "PNG" if detected.content_type == "image/png" else "JPEG"
    full = _reencoded(upload, fmt=fmt, box=None)
    thumb = _reencoded(upload, fmt="JPEG", box=THUMBNAIL_PIXELS)
    return {
        "file": ContentFile(full, name=detected.generated_name()),
        "thumbnail": ContentFile(thumb, name=generated_name(".jpg")),
        "content_type": detected.content_type,
        "size": len(full),
        "original_name": original_name,
    }
