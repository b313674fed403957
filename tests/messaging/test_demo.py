"""Demo conversations: Arabic and English threads between demo members, seeded once."""

from io import StringIO

import pytest

from accounts import demo as accounts_demo
from demo.context import DemoContext
from messaging import demo
from messaging.models import Message, Notification, Thread
from messaging.selectors import thread_list

pytestmark = pytest.mark.django_db


def test_demo_threads_in_both_languages_seeded_once():
    # given
    context = DemoContext(users=6, stdout=StringIO())
    accounts_demo.seed(context)

    # when
    demo.seed(context)
    counts = (Thread.objects.count(), Message.objects.count(), Notification.objects.count())
    demo.seed(context)

    # then
    assert counts == (4, 17, 3)
    assert (Thread.objects.count(), Message.objects.count()) == counts[:2]
    assert Message.objects.filter(content__contains="السلام عليكم").exists()
    assert Message.objects.filter(content__startswith="Hi Daniel").exists()
    youssef = context.objects["members"][1]
    unread = {t.pk: t.unread_count for t in thread_list(user=youssef)}
    assert sorted(unread.values()) == [0, 2]
    last = Thread.objects.order_by("-last_message_at").first()
    assert last.last_message == Message.objects.filter(thread=last).latest("id")
