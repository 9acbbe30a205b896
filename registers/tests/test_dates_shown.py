"""Dates on pages: 2026年11月28日 in Chinese, ISO (2026-11-28) in English (ui.md, Language)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("page", ["list", "detail"])
def test_it_shows_dates_in_chinese_on_chinese_pages(login, village_operator, activity, page):
    client = login(village_operator)
    url = (
        reverse("registers:activity_list", args=[activity.unit_id])
        if page == "list"
        else reverse("registers:activity_detail", args=[activity.pk])
    )
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2025年4月1日" in html
    assert "2025-04-01" not in html


@pytest.mark.parametrize("page", ["list", "detail"])
def test_it_shows_iso_dates_on_english_pages(login, village_operator, activity, page):
    client = login(village_operator)
    client.cookies["django_language"] = "en"
    url = (
        reverse("registers:activity_list", args=[activity.unit_id])
        if page == "list"
        else reverse("registers:activity_detail", args=[activity.pk])
    )
    html = client.get(url).content.decode()
    assert "2025-04-01" in html
    assert "April" not in html and "2025年" not in html
