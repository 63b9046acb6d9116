"""`make bench`: the world-scale benchmark (docs/performance.md). Not part of the application."""
