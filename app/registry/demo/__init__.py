"""Synthetic demo registry data: real countries and organisations, fictitious people (SPEC §2 scale)."""
