"""Example host applications that embed labelcore (Flask and Django)."""
