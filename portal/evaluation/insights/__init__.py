"""Insights and lessons ("Halleluja moments") recorded on initiatives."""
