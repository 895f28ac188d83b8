"""
Internals of group formation; the public API is :mod:`peerpath.engine.groups`.

``model``
    The problem and result value objects, their validation and the JSON form.
``encode``
    Participants as arrays: ``uint64`` slot bitsets, value codes, pair lists;
    who can be placed at all, and how many groups to form.
``state``
    A grouping with incrementally maintained group statistics, and the
    vectorised evaluation of moves and swaps.
``search``
    The constructive start and the iterated local search.
``exact``
    CP-SAT: a grouping meeting every hard rule when the search found none,
    or a proof that none exists.
"""

__all__: list[str] = []
