"""Incidents from the field: what an officer files after a stop, for OFM to review (SPEC §5)."""
