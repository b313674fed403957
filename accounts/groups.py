"""Channel-layer group names of the accounts app (accounts cannot use messaging's module).

Every authenticated socket joins its account's group on connect (``accounts.consumers``), so a
service can reach all of one member's sockets at once, idle ones included.
"""

from __future__ import annotations

# The event ``user_suspend`` sends after commit: each socket of the account closes with 4403.
ACCOUNT_REVOKED = "account.revoked"


def account_group(user_id: int) -> str:
    return f"account.{user_id}"
