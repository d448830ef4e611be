"""The audit trail: recording events, the hash chain, the `flask audit` commands and the admin page."""
