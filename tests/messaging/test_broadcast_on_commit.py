"""A committed write stays a success when its after-commit broadcast fails (messaging/groups.py)."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from messaging import groups

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failing_broadcast_after_commit_is_logged_not_raised(monkeypatch, caplog):
    # given a channel layer that is down
    def layer_down(group, event):
        raise ConnectionError("channel layer unreachable")

    monkeypatch.setattr(groups, "broadcast_now", layer_down)

    # when a transaction that broadcasts commits
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        groups.broadcast_on_commit("thread.1", {"type": "message.receive"})

    # then the commit returns normally and the failure is logged with its callback's name
    assert any(
        "Error calling" in record.getMessage() and "broadcast_on_commit" in record.getMessage()
        for record in caplog.records
    )
