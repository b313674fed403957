from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    """Swaps and their state machine, scheduling, calendar sync and video calls."""

    name = "exchanges"
    verbose_name = _("Exchanges")

    def ready(self) -> None:
        from accounts import extensions as accounts_extensions
        from exchanges.selectors import swaps_export
        from exchanges.services import swaps_on_user_deleted
        from rewards.extensions import set_swap_counterparty_resolver

        set_swap_counterparty_resolver(swap_counterparty)
        accounts_extensions.on_user_deleted(swaps_on_user_deleted)
        accounts_extensions.register_export_section("swaps", swaps_export)


def swap_counterparty(swap_id: int, user):
    """rewards: the other party of ``swap_id`` for ``user``, or None when not a party."""
    from django.db.models import Q

    from exchanges.models import Swap

    swap = (
        Swap.objects.filter(Q(requester=user) | Q(responder=user), pk=swap_id)
        .select_related("requester", "responder")
        .first()
    )
    return None if swap is None else swap.other_party(user)
