"""Thin views of the forums API: validate, call one service or selector, serialize."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community.forums import selectors, services
from community.forums.api import serializers as s
from community.forums.models import ForumCategoryPage, Post, Thread
from config.api.pagination import PageNumberPagination
from config.api.schema import error_response
from core.exceptions import NotFound, ValidationFailed

TAGS = ["forums"]
CONFLICT = error_response(
    "`thread_locked` (a moderator locked the thread), `thread_not_open` (it awaits approval), "
    "`edit_window_closed` (the post is older than the edit window) or `post_deleted`."
)
NO_CATEGORY = _("This category does not exist.")
NO_POST = _("Choose a reply of this thread.")


def member(request: Request) -> User:
    """The signed-in caller (the permission classes let only members reach the writes)."""
    return cast(User, request.user)


class ReadOnlyOrAuthenticated(permissions.IsAuthenticatedOrReadOnly):
    """Anyone reads the forums; members write."""

    anonymous_methods = permissions.SAFE_METHODS


def _categories(request: Request) -> list[ForumCategoryPage]:
    return selectors.category_list(locale=selectors.active_locale())


def _context(request: Request, categories: list[ForumCategoryPage] | None = None) -> dict:
    categories = categories if categories is not None else _categories(request)
    return {
        "request": request,
        "categories_by_key": {page.translation_key: page for page in categories},
        "is_moderator": selectors.is_moderator(request.user),
    }


def _category(category_id: int | None, field: str = "category") -> ForumCategoryPage:
    if category_id is None:
        first = (
            ForumCategoryPage.objects.live()
            .filter(locale=selectors.default_locale())
            .order_by("path")
            .first()
        )
        if first is None:
            raise ValidationFailed(fields={field: [str(NO_CATEGORY)]})
        return first
    try:
        return selectors.category_get(category_id=category_id)
    except NotFound:
        raise ValidationFailed(fields={field: [str(NO_CATEGORY)]}) from None


class ThreadFilter(filters.FilterSet):
    category = filters.NumberFilter(
        method="filter_noop", help_text="A category's id (either language): its threads only."
    )
    search = filters.CharFilter(
        method="filter_noop",
        help_text="Words in the title or body (Arabic and English normalised, like offers).",
    )
    ordering = filters.ChoiceFilter(
        method="filter_noop",
        choices=[(key, key) for key in selectors.ORDERINGS],
        help_text="Pinned threads first, then this order (default `-last_activity`).",
    )

    class Meta:
        model = Thread
        fields: list[str] = []

    def filter_noop(self, queryset: Any, name: str, value: Any) -> Any:
        # The selector applies all three (thread_list); the filter set validates and documents.
        return queryset


class ForumListCreateView(generics.GenericAPIView):
    permission_classes = [ReadOnlyOrAuthenticated]
    serializer_class = s.ForumThreadSerializer
    filterset_class = ThreadFilter
    filter_backends = [filters.DjangoFilterBackend]
    pagination_class = PageNumberPagination

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Thread.objects.none()
        return Thread.objects.all()

    @extend_schema(
        tags=TAGS,
        operation_id="forums_list",
        summary="Forum categories (thread counts, last activity) and the threads, paginated",
        description=(
            "`categories`: every category of the request's language with `thread_count` and "
            "`last_activity`. `results`: the threads the caller may see (filtered by "
            "`category`, `search`), pinned first, then `ordering`. Seeds 000 and 001."
        ),
        parameters=[
            OpenApiParameter("category", int, description="A category's id: its threads only."),
            OpenApiParameter(
                "search", str, description="Words in the title or body (Arabic/English normalised)."
            ),
            OpenApiParameter(
                "ordering",
                str,
                enum=list(selectors.ORDERINGS),
                description="After pinned threads (default `-last_activity`).",
            ),
            OpenApiParameter("page", int, description="Page number (from 1)."),
            OpenApiParameter("page_size", int, description="Threads a page (default 20, max 100)."),
        ],
        responses={200: s.ForumListSerializer, 404: error_response("`page` is past the end.")},
    )
    def get(self, request: Request) -> Response:
        filterset = ThreadFilter(request.query_params, queryset=self.get_queryset())
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        data = filterset.form.cleaned_data
        category = None
        if data.get("category") is not None:
            category = ForumCategoryPage.objects.live().filter(pk=int(data["category"])).first()
            if category is None:
                raise serializers.ValidationError({"category": [str(NO_CATEGORY)]})
        threads = selectors.thread_list(
            user=member(request),
            category=category,
            search=data.get("search") or "",
            ordering=data.get("ordering") or "-last_activity",
        )
        categories = _categories(request)
        page = self.paginate_queryset(threads)
        response = self.get_paginated_response(
            s.ForumThreadSerializer(page, many=True, context=_context(request, categories)).data
        )
        response.data["categories"] = [
            {
                "id": page_.pk,
                "title": page_.title,
                "slug": page_.slug,
                "description": page_.description,
                "url": page_.get_url(request),
                "thread_count": page_.thread_count,
                "last_activity": page_.last_activity,
            }
            for page_ in categories
        ]
        return response

    @extend_schema(
        tags=TAGS,
        operation_id="forums_create",
        summary="Open a thread (a new member's waits for approval: status `pending`)",
        request=s.ForumThreadCreateInputSerializer,
        responses={201: s.ForumThreadSerializer},
    )
    def post(self, request: Request) -> Response:
        data = s.ForumThreadCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        thread = services.thread_create(
            author=member(request),
            category=_category(values["category"]),
            title=values["title"],
            body=values["body"],
        )
        thread = selectors.thread_get(user=member(request), thread_id=thread.pk)
        return Response(
            s.ForumThreadSerializer(thread, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
        )


class ThreadDetailView(APIView):
    permission_classes = [ReadOnlyOrAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="forums_retrieve",
        summary="A thread and its replies: top-level replies paginated, each with nested replies",
        parameters=[
            OpenApiParameter("page", int, description="Page of top-level replies (from 1)."),
            OpenApiParameter("page_size", int, description="Top-level replies a page (max 100)."),
        ],
        responses={
            200: s.ForumThreadDetailSerializer,
            400: error_response("`page` or `page_size` is not a valid number."),
            404: error_response("Not found, not visible to the caller, or `page` past the end."),
        },
    )
    def get(self, request: Request, thread_id: int) -> Response:
        thread = selectors.thread_get(user=member(request), thread_id=thread_id)
        paginator = PageNumberPagination()
        roots = paginator.paginate_queryset(selectors.top_level_posts(thread=thread), request, self)
        selectors.post_tree(thread=thread, roots=list(roots or []))
        context = {**_context(request), "answer_id": thread.answer_id}
        posts = paginator.get_paginated_response(
            s.ForumPostSerializer(roots, many=True, context=context).data
        ).data
        thread.is_subscribed = selectors.is_subscribed(thread=thread, user=member(request))
        thread.posts_page = posts
        return Response(s.ForumThreadDetailSerializer(thread, context=context).data)


class ThreadRepliesView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="forums_replies_create",
        summary="Reply in a thread, or to one of its posts (`parent_id`)",
        request=s.ForumReplyInputSerializer,
        responses={201: s.ForumPostSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = selectors.thread_get(user=member(request), thread_id=thread_id)
        data = s.ForumReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        parent_id = data.validated_data.get("parent_id")
        if parent_id is not None:
            parent = Post.objects.filter(pk=parent_id, thread=thread).first()
            if parent is None:
                raise ValidationFailed(
                    fields={"parent_id": [str(_("Reply to a post of this thread."))]}
                )
        post = services.post_create(
            thread=thread, author=member(request), body=data.validated_data["body"], parent=parent
        )
        post.replies_list = []  # type: ignore[attr-defined]
        return Response(
            s.ForumPostSerializer(post, context=_post_context(request, thread)).data,
            status=status.HTTP_201_CREATED,
        )


def _post_context(request: Request, thread: Thread) -> dict:
    return {
        "request": request,
        "is_moderator": selectors.is_moderator(request.user),
        "answer_id": thread.answer_id,
    }


class PostDetailView(APIView):
    def _post(self, request: Request, post_id: int) -> Post:
        return selectors.post_get(user=member(request), post_id=post_id)

    def _render(self, request: Request, post: Post) -> Response:
        post.replies_list = []  # type: ignore[attr-defined]
        thread = Thread.objects.only("id", "answer_id").get(pk=post.thread_id)
        return Response(s.ForumPostSerializer(post, context=_post_context(request, thread)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="forums_posts_update",
        summary="Edit one's own post within the edit window (FORUM_EDIT_WINDOW_MINUTES)",
        request=s.ForumPostUpdateInputSerializer,
        responses={200: s.ForumPostSerializer, 409: CONFLICT},
    )
    def patch(self, request: Request, post_id: int) -> Response:
        post = self._post(request, post_id)
        # The caller's right first: another member's empty body is a 403, not a 400.
        services.require_post_author(post, member(request))
        data = s.ForumPostUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_update(
            post=post, actor=member(request), body=data.validated_data["body"]
        )
        return self._render(request, post)

    @extend_schema(
        tags=TAGS,
        operation_id="forums_posts_destroy",
        summary="Delete one's own post within the edit window: a tombstone stays in its place",
        request=None,
        responses={200: s.ForumPostSerializer, 409: CONFLICT},
    )
    def delete(self, request: Request, post_id: int) -> Response:
        post = services.post_delete(post=self._post(request, post_id), actor=member(request))
        return self._render(request, post)


class _ThreadActionView(APIView):
    def thread(self, request: Request, thread_id: int) -> Thread:
        return selectors.thread_get(user=member(request), thread_id=thread_id)

    def render(self, request: Request, thread: Thread) -> Response:
        fresh = selectors.thread_get(user=member(request), thread_id=thread.pk)
        return Response(s.ForumThreadSerializer(fresh, context=_context(request)).data)


def _moderator_action(name: str, summary: str, request: Any = None) -> Any:
    return extend_schema(
        tags=TAGS,
        operation_id=f"forums_{name}",
        summary=summary,
        request=request,
        responses={200: s.ForumThreadSerializer},
    )


class ThreadPinView(_ThreadActionView):
    @_moderator_action("pin", "Pin the thread at the top of its category (moderators)")
    def post(self, request: Request, thread_id: int) -> Response:
        thread = services.thread_pin(thread=self.thread(request, thread_id), actor=member(request))
        return self.render(request, thread)


class ThreadUnpinView(_ThreadActionView):
    @_moderator_action("unpin", "Unpin the thread (moderators)")
    def post(self, request: Request, thread_id: int) -> Response:
        thread = services.thread_pin(
            thread=self.thread(request, thread_id), actor=member(request), pinned=False
        )
        return self.render(request, thread)


class ThreadLockView(_ThreadActionView):
    @_moderator_action("lock", "Lock the thread: no more replies (moderators)")
    def post(self, request: Request, thread_id: int) -> Response:
        thread = services.thread_lock(thread=self.thread(request, thread_id), actor=member(request))
        return self.render(request, thread)


class ThreadUnlockView(_ThreadActionView):
    @_moderator_action("unlock", "Unlock the thread (moderators)")
    def post(self, request: Request, thread_id: int) -> Response:
        thread = services.thread_lock(
            thread=self.thread(request, thread_id), actor=member(request), locked=False
        )
        return self.render(request, thread)


class ThreadMoveView(_ThreadActionView):
    @_moderator_action(
        "move", "Move the thread to another category (moderators)", s.ForumMoveInputSerializer
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = self.thread(request, thread_id)
        # The caller's right first: a member's empty body is a 403, not a 400.
        services.require_moderator(member(request))
        data = s.ForumMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = _category(data.validated_data["category"])
        thread = services.thread_move(thread=thread, actor=member(request), category=category)
        return self.render(request, thread)


class ThreadAnswerView(_ThreadActionView):
    @extend_schema(
        tags=TAGS,
        operation_id="forums_answer",
        summary="Mark one reply as the thread's answer (the thread's author; null clears)",
        request=s.ForumAnswerInputSerializer,
        responses={200: s.ForumThreadSerializer},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = self.thread(request, thread_id)
        services.require_thread_author(thread, member(request))
        data = s.ForumAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = None
        post_id = data.validated_data["post_id"]
        if post_id is not None:
            post = Post.objects.filter(pk=post_id, thread=thread).first()
            if post is None:
                raise ValidationFailed(fields={"post_id": [str(NO_POST)]})
        thread = services.thread_mark_answer(thread=thread, actor=member(request), post=post)
        return self.render(request, thread)


class ForumSubscriptionSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField()
    is_subscribed = serializers.BooleanField()


class ThreadSubscribeView(_ThreadActionView):
    @extend_schema(
        tags=TAGS,
        operation_id="forums_subscribe",
        summary="Get `forum_reply` notifications for the thread",
        request=None,
        responses={200: ForumSubscriptionSerializer},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = self.thread(request, thread_id)
        services.thread_subscribe(thread=thread, user=member(request))
        return Response({"thread_id": thread.pk, "is_subscribed": True})


class ThreadUnsubscribeView(_ThreadActionView):
    @extend_schema(
        tags=TAGS,
        operation_id="forums_unsubscribe",
        summary="Stop the thread's notifications",
        request=None,
        responses={200: ForumSubscriptionSerializer},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = self.thread(request, thread_id)
        services.thread_unsubscribe(thread=thread, user=member(request))
        return Response({"thread_id": thread.pk, "is_subscribed": False})
