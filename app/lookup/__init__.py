"""Plate and card-number lookups for officers and dispatchers."""
