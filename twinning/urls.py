from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from accounts import views as accounts
from core.page_cache import cached_page
from partnerships.admin.notifications import notification_preferences
from twinning import views
from twinning.admin import view_on_site

# Addresses without a language: for machines (health, data, search engines) and staff.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("partnerships.opendata.export_urls")),
    # The read-only JSON API, /api/v1/ (its language comes from ?lang= or Accept-Language).
    path("", include("api.urls")),
    path("", include("twinning.seo_urls")),
    # Ahead of the admin's own "view on site" redirect: this one keeps to the user's scope.
    path(
        f"{settings.ADMIN_URL}r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
    # Each staff member's own e-mail settings (ahead of the admin's catch-all).
    path(
        f"{settings.ADMIN_URL}notifications/",
        admin.site.admin_view(notification_preferences),
        name="notification_preferences",
    ),
    # Sign-in with reasons and a second factor, two-factor set-up, invitations (accounts/).
    path(f"{settings.ADMIN_URL}login/", accounts.login, name="staff_login"),
    path(f"{settings.ADMIN_URL}two-factor/", accounts.verify, name="two_factor_verify"),
    path(
        f"{settings.ADMIN_URL}two-factor/setup/",
        admin.site.admin_view(accounts.setup),
        name="two_factor_setup",
    ),
    path(
        f"{settings.ADMIN_URL}invite/",
        admin.site.admin_view(accounts.invite_staff),
        name="staff_invite",
    ),
    path(f"{settings.ADMIN_URL}welcome/<uidb64>/<token>/", accounts.welcome, name="staff_welcome"),
    path(settings.ADMIN_URL, admin.site.urls),
]

# The public pages and their feeds, in each language under its prefix: /en/, /de/, /zh-hans/.
# An address without one ("/", "/partnerships/") is redirected to the visitor's language
# (Accept-Language, else English) by LocaleMiddleware.
urlpatterns += i18n_patterns(
    path("", cached_page(views.HomeView.as_view()), name="home"),
    path("", include("partnerships.urls")),
)

if settings.SERVE_MEDIA:
    # Uploaded images for the demo and small single-server sites; a proxy serves them otherwise.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
