"""A partnership's documents, served only as downloads (issue 20).

A PDF may hold JavaScript or forms; the site never shows one in a page of its own origin:
`Content-Disposition: attachment` (saved, not opened in the tab), `X-Content-Type-Options:
nosniff` (no browser guesses another type), and a `sandbox` Content-Security-Policy for a
browser that opens it anyway. Documents of unpublished partnerships answer 404, except to
staff whose cities they concern (the admin's preview links to them).
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from .. import permissions
from ..models import Document


@require_safe
def download(request, pk):
    document = get_object_or_404(Document.objects.select_related("partnership"), pk=pk)
    if not document.partnership.is_published and not (
        request.user.is_authenticated
        and request.user.is_staff
        and permissions.in_scope(
            request.user, Document.objects.filter(pk=pk), "partnership__"
        ).exists()
    ):
        raise Http404
    try:
        file = document.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(
        file,
        as_attachment=True,
        filename=document.download_name,
        content_type="application/pdf",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    # Staff's downloads of unpublished documents are theirs alone.
    public = document.partnership.is_published
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
