"""Upload checks by content, never by the name or the browser's content type.

A document may be a PDF, a JPEG or a PNG; a photo a JPEG, PNG or WebP image.
Whatever the uploader called the file, the stored name is generated from the
detected type.
"""

import io
import re
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Far above any real photo or scan; a larger canvas is a decompression bomb.
MAX_IMAGE_PIXELS = 40_000_000

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}

# A photo is shown at 96 px at most (the doctor page); twice that stays sharp
# on 2x screens, and a 400 px one weighed four times as much for nothing.
PHOTO_PIXELS = 192

# A name this module generated: random, used once and never overwritten, so
# the bytes at that name never change and may be cached for good.
GENERATED_NAME = re.compile(r"(?:^|/)[0-9a-f]{32}\.(?:jpg|png|webp|pdf)$")


@dataclass(frozen=True)
class DetectedType:
    content_type: str
    extension: str

    def generated_name(self) -> str:
        return generated_name(self.extension)


def generated_name(extension: str) -> str:
    """A fresh file name: a new upload always gets a new name (see GENERATED_NAME)."""
    return f"{uuid.uuid4().hex}{extension}"


def is_generated_name(name: str) -> bool:
    return bool(GENERATED_NAME.search(name))


def download_name(original_name: str, content_type: str) -> str:
    """The uploader's name for display, but always with the extension of what the
    file really is: "scan.html" holding a PDF downloads as "scan.pdf"."""
    extension = {"application/pdf": ".pdf", **dict(IMAGE_TYPES.values())}.get(content_type, "")
    stem = original_name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "document"
    return f"{stem}{extension}"


def _size_mb(limit: int) -> int:
    return limit // (1024 * 1024)


def check_size(upload, limit: int) -> None:
    if upload.size > limit:
        raise ValidationError(
            f"This file is {upload.size / (1024 * 1024):.1f} MB; the limit is {_size_mb(limit)} MB.",
            code="too_large",
        )


def open_image(upload, allowed_formats, *, formats_named="JPEG or PNG"):
    """Open and fully decode an image; refuse anything Pillow cannot prove is one.

    verify() alone checks little for JPEGs (a JPEG header followed by HTML
    passes it), so the pixels are decoded too.
    """
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; treat both as refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image_format = image.format
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            "This image is far too large in pixels to be a photo or a scan.", code="bomb"
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError("This file is not a readable image.", code="bad_image") from error
    finally:
        upload.seek(0)
    # Many phone cameras write multi-picture JPEGs, which Pillow calls MPO.
    image_format = "JPEG" if image_format == "MPO" else image_format
    if image_format not in allowed_formats:
        raise ValidationError(f"Please upload a {formats_named} image.", code="bad_type")
    return image_format


def detect_document(upload) -> DetectedType:
    """A verification document or report: PDF, JPEG or PNG, at most 10 MB."""
    check_size(upload, MAX_DOCUMENT_BYTES)
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in _tail(upload):
            raise ValidationError("This PDF is incomplete or damaged.", code="bad_pdf")
        return DetectedType("application/pdf", ".pdf")
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff":
        image_format = open_image(upload, {"JPEG", "PNG"})
        content_type, extension = IMAGE_TYPES[image_format]
        return DetectedType(content_type, extension)
    raise ValidationError(
        "Please upload a PDF, JPEG or PNG file. This file is none of those, whatever its name says.",
        code="bad_type",
    )


def _tail(upload, size=2048) -> bytes:
    upload.seek(max(upload.size - size, 0))
    tail = upload.read()
    upload.seek(0)
    return tail


def square_thumbnail(upload, *, size: int = PHOTO_PIXELS) -> ContentFile:
    """A profile photo as a square JPEG of `size` pixels, centre-cropped,
    EXIF-rotated and re-encoded, which also drops any metadata (location) the
    original carried. Only this is kept: no page shows a photo larger."""
    check_size(upload, MAX_PHOTO_BYTES)
    open_image(upload, {"JPEG", "PNG", "WEBP"}, formats_named="JPEG, PNG or WebP")
    with Image.open(upload) as original:
        upright = ImageOps.exif_transpose(original)
        square = ImageOps.fit(upright.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    square.save(buffer, "JPEG", quality=85, optimize=True)
    upload.seek(0)
    return ContentFile(buffer.getvalue(), name=generated_name(".jpg"))


SIGNATURE_PIXELS = (600, 200)


def signature_image(upload) -> ContentFile:
    """A signature as a PNG at most 600 x 200 pixels, re-encoded (no metadata kept)."""
    check_size(upload, MAX_PHOTO_BYTES)
    open_image(upload, {"JPEG", "PNG"})
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original)
        image = image.convert("RGBA") if image.mode in ("P", "LA", "RGBA") else image.convert("RGB")
        image.thumbnail(SIGNATURE_PIXELS, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    upload.seek(0)
    return ContentFile(buffer.getvalue(), name=generated_name(".png"))
