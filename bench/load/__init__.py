"""The load test of ``make load``: settings, URLconf, Locust users and the report."""
