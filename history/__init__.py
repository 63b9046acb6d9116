"""The revision history in the admin (django-reversion): history, compare, revert, recover."""
