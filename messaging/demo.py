"""Demo conversations in Arabic and English between the demo members, with a few unread."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from messaging import services
from messaging.models import Message, Notification, Thread, ThreadParticipant
from messaging.notifications import NEW_MESSAGE

# (member index a, member index b, [(sender: 0 = a / 1 = b, text)], how many trailing messages,
# all from the last sender, the other member has not read). Order follows accounts.demo members.
CONVERSATIONS: list[tuple[int, int, list[tuple[int, str]], int]] = [
    (
        0,
        2,
        [
            (0, "Hi Daniel! I saw your Python lessons offer. I could teach you guitar in return."),
            (1, "Hi Sara, that sounds great. I've wanted to learn guitar for years."),
            (0, "Perfect. Would Tuesday evenings work for you? One hour each."),
            (1, "Tuesday works. Should I bring anything to the first session?"),
            (0, "Just a notebook. I'll lend you a guitar for the first few weeks."),
        ],
        1,
    ),
    (
        1,
        3,
        [
            (0, "السلام عليكم يا مريم، رأيت عرضك لتعليم الخط العربي."),
            (1, "وعليكم السلام يا يوسف! نعم، أعلّم خط النسخ والرقعة."),
            (0, "رائع. يمكنني أن أعلّمك الطبخ الشامي مقابل ذلك."),
            (1, "فكرة جميلة! هل يناسبك يوم السبت بعد العصر؟"),
            (1, "وأرجو أن ترسل لي قائمة المكونات قبل الجلسة. شكرًا لك!"),
        ],
        2,
    ),
    (
        0,
        1,
        [
            (0, "Hello Youssef! Would you like to practise English while I practise Arabic?"),
            (1, "أهلًا سارة! بكل سرور. Let's alternate: 30 minutes each language."),
            (0, "شكرًا! That's a great plan. Video call on Sunday?"),
            (1, "Sunday at 6 pm Cairo time works for me. إلى اللقاء!"),
        ],
        1,
    ),
    (
        4,
        5,
        [
            (0, "Bonjour Fatima! Your photography offer looks amazing."),
            (1, "شكرًا لوكاس! I'd love to learn French in exchange."),
            (0, "Deal. Let's start with the basics next week."),
        ],
        0,
    ),
]


def seed(context: Any) -> None:
    members = context.objects.get("members", [])
    now = timezone.now()
    for index, (a, b, lines, unread) in enumerate(CONVERSATIONS):
        if max(a, b) >= len(members):
            continue
        pair = (members[a], members[b])
        thread = services.thread_get_or_create_for_pair(user_a=pair[0], user_b=pair[1])
        if thread.messages.exists():
            context.count("threads", False)
            continue
        context.count("threads", True)
        started = now - timedelta(days=len(CONVERSATIONS) - index, hours=2)
        messages = []
        for position, (who, text) in enumerate(lines):
            messages.append(
                Message.objects.create(
                    thread=thread,
                    sender=pair[who],
                    content=text,
                    created_at=started + timedelta(minutes=7 * position),
                )
            )
            context.count("messages", True)
        last = messages[-1]
        Thread.objects.filter(pk=thread.pk).update(
            last_message=last, last_message_at=last.created_at
        )
        # The last sender has read everything; the other member has not read the trailing
        # ``unread`` messages (all from the last sender).
        last_sender = lines[-1][0]
        positions = {last_sender: last.pk, 1 - last_sender: messages[-1 - unread].pk}
        for who, position in positions.items():
            ThreadParticipant.objects.filter(thread=thread, user=pair[who]).update(
                last_read_message_id=position, last_read_at=now
            )
        if unread:
            recipient = pair[1 - lines[-1][0]]
            sender = pair[lines[-1][0]]
            context_data = {
                "sender_name": sender.public_name,
                "preview": lines[-1][1],
                "thread_id": thread.pk,
                "message_id": last.pk,
            }
            title, body = services.notification_render(
                recipient=recipient, kind=NEW_MESSAGE, context=context_data
            )
            Notification.objects.create(
                recipient=recipient,
                kind=NEW_MESSAGE,
                title=title,
                body=body,
                related_type="thread",
                related_id=thread.pk,
                data=context_data,
                created_at=last.created_at,
            )
            context.count("notifications", True)
