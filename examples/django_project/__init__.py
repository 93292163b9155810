"""A Django product that embeds labelcore at /label (see demo_site/settings.py)."""
