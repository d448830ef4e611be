"""The admin page for the JSON API's bearer tokens."""
