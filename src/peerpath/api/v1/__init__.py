"""Version 1 of the REST API: one module per domain app, routed in :mod:`.urls`."""
