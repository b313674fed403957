"""Page-number pagination (docs/api.md, "Pagination"): ``?page=&page_size=`` (20, at most 100).

A ``page`` that is not a whole number from 1 is a 400 ``validation_error`` naming ``page``; a page
past the end is a 404 ``not_found``. The schema documents both on every paginated list
(``config/api/schema.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

_PAGE_NUMBER = re.compile(r"[1-9][0-9]*")

INVALID_PAGE_MESSAGE = _("Give a page number from 1.")


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        raw = request.query_params.get(self.page_query_param, "").strip()
        # A blank page is the first one, as in DRF.
        if raw and raw not in self.last_page_strings:
            # ASCII digits only: int() would also read "١" and "1_0".
            if not _PAGE_NUMBER.fullmatch(raw):
                raise ValidationError({self.page_query_param: [INVALID_PAGE_MESSAGE]})
            if len(raw) > 9:
                # Past any end; and int() refuses more than 4,300 digits.
                raise NotFound(self.invalid_page_message)
        return super().paginate_queryset(queryset, request, view)
