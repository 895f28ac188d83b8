"""
Settings for the load test: Peerpath's own settings plus two load-only changes.

The server runs in production mode (``PEERPATH_ENV=production``: DEBUG off,
manifest static files, the production middleware and checks), with:

* ``ROOT_URLCONF`` set to :mod:`load.urls`, which adds a bare view for the
  comparison run and nothing else;
* the session and CSRF cookies not marked ``Secure``, because the load test
  speaks plain HTTP on the loopback (in production a TLS proxy sits in front,
  and a client never sends a ``Secure`` cookie over plain HTTP).
"""

from __future__ import annotations

from peerpath.config.settings import *  # noqa: F403

ROOT_URLCONF = "load.urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
