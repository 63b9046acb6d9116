from core.images import check_file_size


def validate_image_size(upload):
    """Refuse image files above MAX_IMAGE_UPLOAD_BYTES, naming both sizes.

    Kept for cities' migration 0001; the checks now live in core/images.py.
    """
    check_file_size(upload.size)
