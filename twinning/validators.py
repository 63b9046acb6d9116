from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat


def validate_image_size(upload):
    """Refuse image files above MAX_IMAGE_UPLOAD_BYTES, naming both sizes."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            "The image is %(size)s; images may be at most %(limit)s.",
            code="image_too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
