"""Input and output serializers of the rewards API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
