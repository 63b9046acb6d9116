"""JSON, CSV and GeoJSON exports."""

urlpatterns = []
