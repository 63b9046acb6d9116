"""sitemap.xml and robots.txt."""

urlpatterns = []
