"""Fixtures for these tests live in tests/conftest.py; add folder-specific ones here."""
