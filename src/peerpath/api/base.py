"""
What every API operation shares.

An endpoint is one class per operation (``ProgramListApi``, ``ProgramCreateApi``),
each with explicit input and output serializers; it reads through a domain
selector or writes through a domain service, and does nothing else.
:func:`endpoint` serves the operations that share a URL (list and create,
retrieve and update) from one route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import Model, QuerySet
from django.http import Http404
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import generics, serializers
from rest_framework.response import Response

from peerpath.core.models import User

_M = TypeVar("_M", bound=Model)
_HANDLERS = ("get", "post", "put", "patch", "delete")


class Api(generics.GenericAPIView):
    """
    One API operation: authenticated (see ``REST_FRAMEWORK``), JSON in and out.

    A write operation names its ``input_serializer``; :meth:`input` validates
    the request body with it, and the browsable API builds its form from it.
    """

    input_serializer: type[serializers.Serializer] = serializers.Serializer

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return self.input_serializer

    def actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def get_in(self, queryset: QuerySet[_M], pk: int) -> _M:
        """Return the row ``pk`` of a selector's ``queryset``; outside it, 404."""
        found = queryset.filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    def input(self, **kwargs: Any) -> Any:
        """Validate the request body with ``input_serializer`` and return its data (400 if bad)."""
        serializer = self.input_serializer(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ListApi(Api):
    """
    A paginated list, narrowed by query parameters.

    ``filterset_class`` declares the parameters (and documents them in the
    schema). Plain field filters are applied to the selector's queryset with
    :meth:`filter_queryset`; filters that a selector owns (``participant_list``'s
    search, role and status) are read with :meth:`filters` and handed to it.
    """

    filter_backends = [DjangoFilterBackend]
    filterset_class: type[FilterSet] | None = None

    def filters(self) -> Mapping[str, Any]:
        """Return the validated query parameters of ``filterset_class`` (400 if invalid)."""
        assert self.filterset_class is not None
        filterset = self.filterset_class(self.request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset.form.cleaned_data

    def paginated(
        self, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer]
    ) -> Response:
        page = self.paginate_queryset(queryset)
        assert page is not None, "every list is paginated"
        return self.get_paginated_response(serializer_class(page, many=True).data)


def endpoint(*operations: type[Api]) -> Any:
    """
    Return one view serving ``operations``, each a class with one handler method.

    ``path("programs/", endpoint(ProgramListApi, ProgramCreateApi))`` answers
    GET with the first class and POST with the second.
    """
    seen: dict[str, type[Api]] = {}
    for operation in operations:
        handlers = [m for m in _HANDLERS if m in operation.__dict__]
        assert len(handlers) == 1, f"{operation.__name__} must handle exactly one method"
        assert handlers[0] not in seen, f"two operations handle {handlers[0].upper()}"
        seen[handlers[0]] = operation
    if len(operations) == 1:
        return operations[0].as_view()
    writes = [op for method, op in seen.items() if method != "get"]
    assert len(writes) <= 1, "one write operation per URL, so that its input is unambiguous"
    name = "".join(op.__name__.removesuffix("Api") for op in operations) + "Api"
    attributes: dict[str, Any] = {"__doc__": operations[0].__doc__}
    if writes:
        attributes["input_serializer"] = writes[0].input_serializer
    combined: type[Api] = type(name, operations, attributes)
    return combined.as_view()


class IdFilter(django_filters.NumberFilter):
    """
    A row id: a whole number from 1 to the largest 64-bit key.

    ``NumberFilter`` takes decimals such as ``3.4e38``, which the database
    cannot compare with a bigint (found by Schemathesis); this answers 400.
    """

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
