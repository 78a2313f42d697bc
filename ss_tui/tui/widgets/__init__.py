"""Reusable widgets and renderers of the dashboard."""
