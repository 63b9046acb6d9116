"""Importing known twinnings from CSV files: the importer (reading, matching, writing, the report)
and the country names it understands. `manage.py import_twinnings` runs it."""
