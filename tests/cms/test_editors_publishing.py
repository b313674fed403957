"""Scheduled publishing and required alt text, as editors use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale

from cms.models import HomePage, StandardPage
from cms.publishing import publish_scheduled_task

pytestmark = pytest.mark.django_db


def _english_home() -> HomePage:
    return HomePage.objects.get(locale=Locale.objects.get(language_code="en"))


def test_a_page_scheduled_in_the_past_goes_live_when_the_task_runs():
    # given: a draft page whose approved schedule is one minute ago
    page = _english_home().add_child(
        instance=StandardPage(title="Spring term", slug="spring-term", live=False)
    )
    revision = page.save_revision()
    page.refresh_from_db()
    revision.content["go_live_at"] = (timezone.now() - timedelta(minutes=1)).isoformat()
    revision.approved_go_live_at = timezone.now() - timedelta(minutes=1)
    revision.save()

    # when
    publish_scheduled_task()

    # then
    page.refresh_from_db()
    assert page.live is True
    assert page.live_revision_id == revision.pk


def test_a_page_scheduled_in_the_future_stays_a_draft():
    # given
    page = _english_home().add_child(
        instance=StandardPage(title="Autumn term", slug="autumn-term", live=False)
    )
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() + timedelta(days=1)
    revision.save()

    # when
    publish_scheduled_task()

    # then
    page.refresh_from_db()
    assert page.live is False
    assert page.live_revision_id is None


def test_celery_beat_runs_the_scheduled_publishing_task():
    entry = settings.CELERY_BEAT_SCHEDULE["cms-publish-scheduled"]

    assert entry["task"] == "cms.publishing.publish_scheduled_task"
    assert entry["schedule"] == timedelta(minutes=1)
    assert "cms.publishing" in settings.CELERY_IMPORTS
    assert publish_scheduled_task.name == "cms.publishing.publish_scheduled_task"


def _image_form(data: dict) -> object:
    form_class = get_image_form(get_image_model())
    upload = get_test_image_file()
    return form_class(
        data=data, files={"file": SimpleUploadedFile("sun.png", upload.file.getvalue())}
    )


def test_an_image_without_alt_text_is_refused():
    # given
    form = _image_form({"title": "Sunrise", "description": "", "tags": ""})

    # when
    valid = form.is_valid()

    # then
    assert valid is False
    assert form.errors["description"] == ["This field is required."]
    assert get_image_model().objects.count() == 0


def test_an_image_with_alt_text_is_saved_and_used_as_alt():
    # given
    form = _image_form({"title": "Sunrise", "description": "A sunrise over Cairo", "tags": ""})

    # when
    assert form.is_valid(), form.errors
    image = form.save()

    # then
    assert image.default_alt_text == "A sunrise over Cairo"
    rendition = image.get_rendition("width-100")
    assert 'alt="A sunrise over Cairo"' in rendition.img_tag()
