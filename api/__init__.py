"""The read-only JSON API under /api/v1/ (docs/open-data.md, "The API")."""
