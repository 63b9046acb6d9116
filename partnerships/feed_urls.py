"""Atom/RSS feeds and iCalendar feeds."""

urlpatterns = []
