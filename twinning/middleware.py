from django.conf import settings


class AdminNoIndexMiddleware:
    """Ask search engines not to index anything under the admin (``X-Robots-Tag: noindex``).

    It goes by the path, so the sign-in page, the lockout page and the admin's own 404s are
    covered as well as the pages behind the sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response
