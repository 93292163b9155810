"""The example Django host: its own users (django.contrib.auth), login page and layout."""
