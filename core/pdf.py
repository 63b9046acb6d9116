"""PDF documents made on the server from HTML, with WeasyPrint (which needs Pango at run time).

A missing or broken WeasyPrint, or one of its system libraries, is reported as `PdfUnavailable`
rather than raised as it is, so that a view can answer "not available" (503) and its HTML page
goes on working: the PDF degrades, the site stays up. Chinese text needs a CJK font installed
(fonts-wqy-microhei; docs/deploy.md).
"""

import logging

logger = logging.getLogger(__name__)


class PdfUnavailable(Exception):
    """WeasyPrint or its libraries could not make the PDF."""


def render_pdf(html):
    """The PDF of a whole HTML document (its styles inline: nothing is fetched), as bytes."""
    try:
        import weasyprint  # noqa: PLC0415 (imported when needed: it loads Pango)

        return weasyprint.HTML(string=html).write_pdf()
    except Exception as error:  # ImportError, OSError (a missing library), or its own errors
        logger.exception("The PDF could not be made")
        raise PdfUnavailable(str(error)) from error
