"""Serializers whose fields are built once per thread, not once per request.

Building a ``ModelSerializer``'s fields (model introspection, deep copies, translated help texts)
cost more than serializing the row it then formats: the profile spent a quarter of its CPU there
(docs/benchmarks.md, "Reads and serving"). ``serializer_for`` keeps one instance per thread,
class and language, binds it to the request's context and returns it; call its
``to_representation(instance)`` (never ``.data``, which would cache the first answer).

One instance per thread is safe: a request is served by one thread at a time (WSGI workers,
gthread threads, and ASGI's sync-view thread), and the context is rebound on every call.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from django.utils.translation import get_language
from rest_framework.serializers import BaseSerializer

S = TypeVar("S", bound=BaseSerializer)

_local = threading.local()


def serializer_for(serializer_class: type[S], context: dict[str, Any]) -> S:
    """This thread's ``serializer_class`` instance, fields built, bound to ``context``."""
    cache: dict[tuple[type, str | None], Any] = _local.__dict__.setdefault("serializers", {})
    key = (serializer_class, get_language())
    serializer = cache.get(key)
    if serializer is None:
        serializer = serializer_class(context=context)
        _ = serializer.fields  # build them now, once
        cache[key] = serializer
    serializer._context = context
    return serializer
