"""Accounts and sign-in: passwords, TOTP, server-side sessions and the deny-by-default access check."""
