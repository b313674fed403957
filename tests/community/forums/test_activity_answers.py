"""An accepted answer counts for its post's author; changing, clearing, deleting or hiding it takes
the count back."""

from __future__ import annotations

import pytest

from community.forums import selectors, services
from rewards.models import ActivityCounter
from tests.accounts.factories import UserFactory
from tests.community.forums.factories import moderator, reply, thread

pytestmark = pytest.mark.django_db


def accepted(user) -> int | None:
    return (
        ActivityCounter.objects.filter(user=user, counter="answers_accepted")
        .values_list("value", flat=True)
        .first()
    )


def test_marking_changing_and_clearing_the_answer_moves_the_authors_counts_not_a_self_answer():
    # given a thread with two replies
    started = thread()
    first, second = reply(started, author=UserFactory()), reply(started, author=UserFactory())

    # when the author marks the first, marks it again, then switches to the second
    services.thread_mark_answer(thread=started, actor=started.author, post=first)
    services.thread_mark_answer(thread=started, actor=started.author, post=first)
    assert (accepted(first.author), accepted(second.author)) == (1, None)
    services.thread_mark_answer(thread=started, actor=started.author, post=second)
    assert (accepted(first.author), accepted(second.author)) == (0, 1)

    # when the author clears it, then accepts the first again
    services.thread_mark_answer(thread=started, actor=started.author, post=None)
    services.thread_mark_answer(thread=started, actor=started.author, post=first)

    # then
    assert (accepted(first.author), accepted(second.author)) == (1, 0)
    assert selectors.activity_answers_accepted() == {first.author_id: 1}

    # and when the author answers themself, that answer counts for nobody
    own = reply(started, author=started.author)
    services.thread_mark_answer(thread=started, actor=started.author, post=own)
    assert (accepted(first.author), accepted(started.author)) == (0, None)
    assert selectors.activity_answers_accepted() == {}


def test_an_answer_deleted_by_its_author_or_hidden_by_a_moderator_is_taken_back():
    # given two threads whose answers are marked
    author = thread().author
    deleted_in, hidden_in = thread(author=author), thread(author=author, title="And then?")
    to_delete = reply(deleted_in, author=UserFactory())
    to_hide = reply(hidden_in, author=UserFactory())
    services.thread_mark_answer(thread=deleted_in, actor=deleted_in.author, post=to_delete)
    services.thread_mark_answer(thread=hidden_in, actor=hidden_in.author, post=to_hide)

    # when
    services.post_delete(post=to_delete, actor=to_delete.author)
    services.post_hide(post=to_hide, actor=moderator(), reason="Spam")

    # then
    assert (accepted(to_delete.author), accepted(to_hide.author)) == (0, 0)
    assert selectors.activity_answers_accepted() == {}
