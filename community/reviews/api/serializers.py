"""Input and output serializers of the reviews API.

One review, three vocabularies: ``ReviewSerializer`` (canonical, ``reviews/``), seed 003's
``meeting_id``/``review_text`` (``Seed003ReviewSerializer``, answered when the body used them) and
seed 004's feedback (``session_id``, ``comment``, ``categories``). docs/api.md, "Seed aliases".
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.reviews import services
from community.reviews.models import Review, Tag
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer

ID_MAX = 2**31 - 1
TAGS_MAX = len(Tag.values)


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    """A review: who rated whom for which swap, the reviewee's reply, and its state."""

    swap_id = serializers.IntegerField(read_only=True)
    reviewer_id = serializers.IntegerField(read_only=True)
    reviewer_name = serializers.CharField(source="reviewer.public_name", read_only=True)
    reviewee_id = serializers.IntegerField(read_only=True)
    reviewee_name = serializers.CharField(source="reviewee.public_name", read_only=True)
    tags = serializers.ListField(child=serializers.ChoiceField(choices=Tag.choices), read_only=True)
    replied_at = serializers.DateTimeField(read_only=True, allow_null=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    editable_until = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "swap_id",
            "reviewer_id",
            "reviewer_name",
            "reviewee_id",
            "reviewee_name",
            "rating",
            "comment",
            "tags",
            "reply",
            "replied_at",
            "status",
            "created_at",
            "edited_at",
            "editable_until",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField())
    def get_editable_until(self, review: Review) -> Any:
        return serializers.DateTimeField().to_representation(services.review_editable_until(review))


class Seed003ReviewSerializer(serializers.Serializer):
    """Seed 003's review: ``meeting_id`` is the swap, ``review_text`` the comment."""

    id = serializers.IntegerField()
    meeting_id = serializers.IntegerField(source="swap_id")
    reviewer_id = serializers.IntegerField()
    reviewer_name = serializers.CharField(source="reviewer.public_name")
    reviewee_id = serializers.IntegerField()
    reviewee_name = serializers.CharField(source="reviewee.public_name")
    rating = serializers.IntegerField()
    review_text = serializers.CharField(source="comment")
    created_at = serializers.DateTimeField()


class FeedbackSerializer(serializers.Serializer):
    """Seed 004's feedback: ``session_id`` is the swap, ``categories`` the tags."""

    id = serializers.IntegerField()
    session_id = serializers.IntegerField(source="swap_id")
    reviewer_id = serializers.IntegerField()
    reviewer_name = serializers.CharField(source="reviewer.public_name")
    reviewee_id = serializers.IntegerField()
    reviewee_name = serializers.CharField(source="reviewee.public_name")
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    categories = serializers.ListField(
        source="tags", child=serializers.ChoiceField(choices=Tag.choices)
    )
    status = serializers.ChoiceField(choices=Review.Status.choices)
    created_at = serializers.DateTimeField()


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


def _rating_field() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=5, help_text=_("From 1 to 5."))


def _text_field(help_text: Any) -> CleanCharField:
    return CleanCharField(
        required=False, allow_blank=True, max_length=services.COMMENT_MAX, help_text=help_text
    )


def _tags_field(help_text: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=Tag.choices),
        required=False,
        max_length=TAGS_MAX,
        help_text=help_text,
    )


class ReviewCreateInputSerializer(InputSerializer):
    # Canonical: swap_id, rating, comment, tags. Seed 003: meeting_id, reviewee_id, rating,
    # review_text (answered in seed 003's shape).
    swap_id = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=_("The completed swap.")
    )
    meeting_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text=_("Seed 003's name for swap_id (the answer is in seed 003's shape)."),
    )
    reviewee_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text=_("Optional (seed 003): must be the other party of the swap."),
    )
    rating = _rating_field()
    comment = _text_field(_("What went well, what could be better."))
    review_text = _text_field(_("Seed 003's name for comment."))
    tags = _tags_field(_("Words from the fixed vocabulary."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("swap_id" in attrs) == ("meeting_id" in attrs):
            key = "meeting_id" if "meeting_id" in attrs else "swap_id"
            raise serializers.ValidationError(
                {key: [_("Give the swap as swap_id (or seed 003's meeting_id), once.")]}
            )
        if "comment" in attrs and "review_text" in attrs:
            raise serializers.ValidationError(
                {"review_text": [_("Give the text as comment or review_text, not both.")]}
            )
        return attrs

    @property
    def seed003(self) -> bool:
        data = self.validated_data
        return "meeting_id" in data or "review_text" in data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        names = {"swap_id": "meeting_id", "comment": "review_text"} if "meeting_id" in data else {}
        return {
            "swap_id": data.get("swap_id", data.get("meeting_id")),
            "rating": data["rating"],
            "comment": data.get("comment", data.get("review_text", "")),
            "tags": data.get("tags", []),
            "reviewee_id": data.get("reviewee_id"),
            "field_names": names,
        }


class ReviewUpdateInputSerializer(InputSerializer):
    rating = _rating_field()
    comment = _text_field(_("The new text."))
    review_text = _text_field(_("Seed 003's name for comment."))
    tags = _tags_field(_("The new tags (replace the old ones)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "comment" in attrs and "review_text" in attrs:
            raise serializers.ValidationError(
                {"review_text": [_("Give the text as comment or review_text, not both.")]}
            )
        return attrs

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        comment = data.get("comment", data.get("review_text"))
        return {"rating": data.get("rating"), "comment": comment, "tags": data.get("tags")}


class ReviewReplyInputSerializer(InputSerializer):
    reply = CleanCharField(max_length=services.COMMENT_MAX, help_text=_("Your answer, once."))


class FeedbackCreateInputSerializer(InputSerializer):
    # Seed 004's body: session_id, rating, comment, categories.
    session_id = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text=_("The completed session (swap).")
    )
    rating = _rating_field()
    comment = _text_field(_("What went well, what could be better."))
    categories = _tags_field(_("Seed 004's name for tags."))

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "swap_id": data["session_id"],
            "rating": data["rating"],
            "comment": data.get("comment", ""),
            "tags": data.get("categories", []),
            "field_names": {"swap_id": "session_id", "tags": "categories"},
        }
