"""The static files' storage: whitenoise's compressed, hashed files, each address looked up once.

Every page asks for the same few addresses (the style sheets and icons in base.html), and
ManifestStaticFilesStorage works each one out again on every call: parse the name, look up its
hashed name, join it to STATIC_URL, parse and unquote the result (10 µs a call). The address is
a pure function of the name and the manifest read when the storage was made, so it is kept per
storage: forgotten when collectstatic writes a new manifest or a setting changes (the test
suite's override_settings; STATIC_URL changes the address).
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        self._urls = {}
        super().__init__(*args, **kwargs)

    def url(self, name, force=False):
        # DEBUG decides between the plain and the hashed address (ManifestFilesMixin._url).
        key = (name, force, settings.DEBUG)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = super().url(name, force)
        return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        try:
            yield from super().post_process(*args, **kwargs)
        finally:
            self._urls.clear()  # the new manifest's names

    def _clear_cached_properties(self, setting, **kwargs):
        # Connected by FileSystemStorage to setting_changed: STATIC_URL and friends.
        super()._clear_cached_properties(setting, **kwargs)
        self._urls.clear()
