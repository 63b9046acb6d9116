"""Staff accounts (issue 20): invitations, sign-in reasons, two-factor sign-in."""
