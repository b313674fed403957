"""Input and output serializers of the rewards API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from core.exceptions import NotFound
from rewards.extensions import swap_counterparty_resolver
from rewards.models import AccountKind, Entry, reason_label, reference_ids
from rewards.selectors import entry_counterparty


class BalanceSerializer(serializers.Serializer):
    """Seed 003's credit balance, plus the points the member has in escrow."""

    id = serializers.IntegerField(allow_null=True, help_text=_("The wallet's id."))
    user = serializers.IntegerField()
    balance = serializers.IntegerField(help_text=_("Points the member can spend now."))
    held_in_escrow = serializers.IntegerField(
        help_text=_("Points the member put in escrow for swaps not yet settled.")
    )
    updated_at = serializers.DateTimeField(allow_null=True)


# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: "kind" and "type" are common field names.
COUNTERPARTY_KINDS = ["user", *AccountKind.values, "unknown"]
TRANSACTION_TYPES = ["credit", "debit"]


class CounterpartySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=COUNTERPARTY_KINDS,
        help_text=_("user, or the system account on the other side (escrow, …)."),
    )
    user_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class TransactionSerializer(serializers.ModelSerializer):
    """One line of the member's points history: one entry on their wallet."""

    transfer_id = serializers.IntegerField(read_only=True)
    type = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    reason = serializers.CharField(source="transfer.reason", read_only=True)
    reason_display = serializers.SerializerMethodField()
    description = serializers.CharField(source="transfer.description", read_only=True)
    reference = serializers.CharField(source="transfer.reference", read_only=True)
    counterparty = serializers.SerializerMethodField()
    related_swap_id = serializers.SerializerMethodField()
    related_payment_id = serializers.SerializerMethodField()
    related_event_id = serializers.SerializerMethodField()
    balance_after = serializers.IntegerField(
        read_only=True, help_text=_("The wallet's balance right after this movement.")
    )

    class Meta:
        model = Entry
        fields = [
            "id",
            "transfer_id",
            "type",
            "amount",
            "reason",
            "reason_display",
            "description",
            "counterparty",
            "reference",
            "related_swap_id",
            "related_payment_id",
            "related_event_id",
            "balance_after",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=TRANSACTION_TYPES))
    def get_type(self, entry: Entry) -> str:
        return "credit" if entry.amount > 0 else "debit"

    @extend_schema_field(serializers.IntegerField(min_value=1))
    def get_amount(self, entry: Entry) -> int:
        return abs(entry.amount)

    @extend_schema_field(serializers.CharField())
    def get_reason_display(self, entry: Entry) -> str:
        return reason_label(entry.transfer.reason)

    @extend_schema_field(CounterpartySerializer)
    def get_counterparty(self, entry: Entry) -> dict[str, Any]:
        return entry_counterparty(entry)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_related_swap_id(self, entry: Entry) -> int | None:
        return reference_ids(entry.transfer.reference)["swap"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_related_payment_id(self, entry: Entry) -> int | None:
        return reference_ids(entry.transfer.reference)["payment"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_related_event_id(self, entry: Entry) -> int | None:
        return reference_ids(entry.transfer.reference)["event"]


class TransferInputSerializer(serializers.Serializer):
    """To a member (``to_user_id``, alias ``receiver_id``) and/or for a swap (seed 003's
    ``meeting_id``, alias ``swap_id``).

    For a swap the transfer is recorded with the reference ``swap:<id>`` as a tip; the swap's
    own payment goes through the exchanges app (escrow on accept, release on completion). When
    only the swap is given, the recipient is the other party of the swap as the exchanges app
    reports it; until exchanges registers that resolver, ``to_user_id`` is required.
    """

    to_user_id = serializers.IntegerField(required=False, min_value=1)
    receiver_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Alias of to_user_id.")
    )
    meeting_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("The swap (meeting) the points are for.")
    )
    swap_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Alias of meeting_id.")
    )
    amount = serializers.IntegerField(min_value=1, max_value=settings.POINTS_MAX_AMOUNT)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        payer: User = self.context["request"].user
        to_id = self._one_of(attrs, "to_user_id", "receiver_id")
        swap_id = self._one_of(attrs, "meeting_id", "swap_id")
        target: User | None = None
        if to_id is not None:
            target = User.objects.filter(
                pk=to_id, is_active=True, suspended_at__isnull=True
            ).first()
            if target is None:
                raise serializers.ValidationError(
                    {"to_user_id": [_("There is no active member with this id.")]}
                )
        if swap_id is not None:
            resolver = swap_counterparty_resolver()
            if resolver is not None:
                counterparty = resolver(swap_id, payer)
                if counterparty is None:
                    raise NotFound(_("No such swap."))
                if target is not None and target.pk != counterparty.pk:
                    raise serializers.ValidationError(
                        {"to_user_id": [_("This member is not the other party of the swap.")]}
                    )
                target = counterparty
        if target is None:
            raise serializers.ValidationError(
                {"to_user_id": [_("Say which member receives the points.")]}
            )
        if target.pk == payer.pk:
            raise serializers.ValidationError(
                {"to_user_id": [_("You cannot transfer points to yourself.")]}
            )
        return {
            "target": target,
            "reference": f"swap:{swap_id}" if swap_id is not None else "",
            "amount": attrs["amount"],
            "note": attrs.get("note", ""),
        }

    @staticmethod
    def _one_of(attrs: dict[str, Any], name: str, alias: str) -> int | None:
        value, other = attrs.get(name), attrs.get(alias)
        if value is not None and other is not None and value != other:
            raise serializers.ValidationError(
                {
                    alias: [
                        _("Give %(name)s or %(alias)s, not both.") % {"name": name, "alias": alias}
                    ]
                }
            )
        return value if value is not None else other


class TransferOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    reason = serializers.CharField()
    reference = serializers.CharField()
    to_user_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class TransferResultSerializer(serializers.Serializer):
    """Seed 003's transfer answer, plus the transfer itself."""

    success = serializers.BooleanField()
    message = serializers.CharField()
    new_balance = serializers.IntegerField()
    transfer = TransferOutSerializer()
