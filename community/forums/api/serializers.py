"""Input and output serializers of the forums API (docs/api.md, "Forums").

Seed 000 and 001 clients post a thread as a title and its "initial post": ``content`` and
``initial_post`` are accepted as aliases of ``body`` (and ``category_id`` of ``category``,
``parent`` of ``parent_id``). Sending two names of one field is a 400.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from community.forums.models import BODY_MAX, TITLE_MAX, Post, Thread
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer

BODY_ALIASES = ("content", "initial_post")
TWO_NAMES = _("Send only one of these fields: %(names)s.")
REQUIRED = _("This field is required.")


def _one_of(attrs: dict[str, Any], canonical: str, aliases: tuple[str, ...]) -> Any:
    """The value given under ``canonical`` or one alias; a 400 if given under two names."""
    given = [name for name in (canonical, *aliases) if name in attrs]
    if len(given) > 1:
        message = str(TWO_NAMES) % {"names": ", ".join(given)}
        raise serializers.ValidationError({name: [message] for name in given})
    return attrs.pop(given[0]) if given else None


def _body_field(help_text: str) -> CleanCharField:
    return CleanCharField(required=False, max_length=BODY_MAX, help_text=help_text)


# --- input ----------------------------------------------------------------------------------------


class ForumThreadCreateInputSerializer(InputSerializer):
    category = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="A category's id (the page of either language). Default: the first category.",
    )
    category_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Alias of `category`."
    )
    title = CleanCharField(max_length=TITLE_MAX)
    body = _body_field("The opening post, in Markdown.")
    content = _body_field("Alias of `body` (seed 000/001 clients).")
    initial_post = _body_field("Alias of `body` (seed 001: the thread's initial post).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        body = _one_of(attrs, "body", BODY_ALIASES)
        if not body:
            raise serializers.ValidationError({"body": [str(REQUIRED)]})
        attrs["body"] = body
        attrs["category"] = _one_of(attrs, "category", ("category_id",))
        return attrs


class ForumReplyInputSerializer(InputSerializer):
    body = _body_field("The reply, in Markdown.")
    content = _body_field("Alias of `body`.")
    parent_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="The post this one answers."
    )
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False, allow_null=True, min_value=1, help_text="Alias of `parent_id`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        body = _one_of(attrs, "body", ("content",))
        if not body:
            raise serializers.ValidationError({"body": [str(REQUIRED)]})
        attrs["body"] = body
        attrs["parent_id"] = _one_of(attrs, "parent_id", ("parent",))
        return attrs


class ForumPostUpdateInputSerializer(InputSerializer):
    body = _body_field("The post's new text, in Markdown.")
    content = _body_field("Alias of `body`.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        body = _one_of(attrs, "body", ("content",))
        if not body:
            raise serializers.ValidationError({"body": [str(REQUIRED)]})
        attrs["body"] = body
        return attrs


class ForumMoveInputSerializer(InputSerializer):
    category = serializers.IntegerField(min_value=1, help_text="The target category's id.")


class ForumAnswerInputSerializer(InputSerializer):
    post_id = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="The reply that answers the thread; null clears."
    )


# --- output ---------------------------------------------------------------------------------------


class ForumCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="The category page's id.")
    title = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The category's page on the site.")
    thread_count = serializers.IntegerField(read_only=True)
    last_activity = serializers.DateTimeField(read_only=True, allow_null=True)


class ForumCategoryBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class ForumThreadSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField()
    author = UserBriefSerializer(read_only=True)
    status = serializers.CharField(
        source="moderation_status",
        read_only=True,
        help_text="`published`, `pending` (awaiting a moderator) or `rejected`.",
    )
    answer_id = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "id",
            "category",
            "author",
            "title",
            "body",
            "body_html",
            "status",
            "reply_count",
            "last_activity_at",
            "created_at",
            "pinned",
            "locked",
            "hidden",
            "answer_id",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(ForumCategoryBriefSerializer)
    def get_category(self, thread: Thread) -> dict[str, Any]:
        localized = self.context.get("categories_by_key", {}).get(
            thread.category.translation_key, thread.category
        )
        return {"id": localized.pk, "title": localized.title, "slug": localized.slug}

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, thread: Thread) -> str:
        from django.urls import reverse

        return reverse("forums:thread", kwargs={"thread_id": thread.pk})


class ForumPostSerializer(serializers.ModelSerializer):
    thread_id = serializers.IntegerField(read_only=True)
    parent_id = serializers.IntegerField(read_only=True, allow_null=True)
    author = UserBriefSerializer(read_only=True)
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    is_answer = serializers.SerializerMethodField()
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "thread_id",
            "parent_id",
            "author",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "deleted",
            "hidden",
            "is_answer",
            "replies",
        ]
        read_only_fields = fields

    def _shown(self, post: Post) -> bool:
        return not post.deleted and (not post.hidden or self.context.get("is_moderator", False))

    @extend_schema_field(OpenApiTypes.STR)
    def get_body(self, post: Post) -> str:
        return post.body if self._shown(post) else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_body_html(self, post: Post) -> str:
        return post.body_html if self._shown(post) else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_answer(self, post: Post) -> bool:
        return post.pk == self.context.get("answer_id")


# Replies nest to any depth: the same serializer, as a list (drf-spectacular names the component
# once and refers to it recursively).
ForumPostSerializer._declared_fields["replies"] = ForumPostSerializer(
    many=True, read_only=True, source="replies_list"
)


class ForumPostPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ForumPostSerializer(many=True)


class ForumThreadDetailSerializer(ForumThreadSerializer):
    is_subscribed = serializers.BooleanField(read_only=True)
    posts = serializers.SerializerMethodField(help_text="Top-level replies, paginated, nested.")

    class Meta(ForumThreadSerializer.Meta):
        fields = [*ForumThreadSerializer.Meta.fields, "is_subscribed", "posts"]
        read_only_fields = fields

    @extend_schema_field(ForumPostPageSerializer)
    def get_posts(self, thread: Thread) -> dict[str, Any]:
        # Already serialized by the view: a page of ForumPostSerializer.
        return thread.posts_page  # type: ignore[attr-defined]


class ForumListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ForumThreadSerializer(many=True)
    categories = ForumCategorySerializer(many=True)
