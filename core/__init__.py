"""Shared helpers that know no app: dates, translations, Markdown, pictures, charts, the page
cache and its Redis backend, control characters, edit conflicts, template tags."""
