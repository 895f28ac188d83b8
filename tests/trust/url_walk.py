"""Every URL pattern of the project, with the arguments the access world gives it."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def url_names() -> Iterator[tuple[str, str]]:
    """``(namespaced name, route)`` of every named URL pattern."""

    def walk(patterns, prefix: str, ns: str) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                sub = ns + (f"{p.namespace}:" if p.namespace else "")
                yield from walk(p.url_patterns, prefix + str(p.pattern), sub)
            elif isinstance(p, URLPattern):
                yield ns + (p.name or f"<unnamed {prefix}{p.pattern}>"), prefix + str(p.pattern)

    yield from walk(get_resolver().url_patterns, "", "")
