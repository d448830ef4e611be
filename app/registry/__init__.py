"""The registry's command line: import, export and demo data."""
