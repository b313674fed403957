"""Staff analytics in the Wagtail admin: ``/admin/analytics/`` and its "Analytics" menu item.

Who: staff holding ``dashboards.view_analytics`` (superusers hold every permission). Wagtail's
own gate comes first: anonymous visitors and members without admin access are sent to the admin's
sign-in page, as for any admin page; staff without the permission get Wagtail's refusal of a
permission (``PermissionDenied``: back to the admin's home with "you do not have permission").

What: the figures of ``dashboards.analytics.analytics_report`` for a period (the last 7, 30 or 90
days, or from/to dates), as pygal charts (``dashboards.charts``) and tables; every table exports
to CSV with ``?format=csv&table=<key>`` (and the same period parameters).
"""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from dashboards import analytics, charts

VIEW_ANALYTICS = "dashboards.view_analytics"
# Dates outside this window are a form error, never date arithmetic (docs/pitfalls.md).
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2200, 12, 31)
# A spreadsheet formula in a cell (CSV injection): text starting with these is prefixed with '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(n, _("Last %(days)d days") % {"days": n}) for n in analytics.PERIOD_DAYS],
        coerce=int,
        required=False,
        initial=analytics.DEFAULT_DAYS,
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("With both dates, the days from one to the other replace the period."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        for name, value in (("date_from", first), ("date_to", last)):
            if value is not None and not FIRST_DATE <= value <= LAST_DATE:
                self.add_error(name, _("Choose a date between 2000 and 2200."))
                return data
        if (first is None) != (last is None):
            self.add_error(None, _("Give both dates, or neither."))
        elif first is not None and last is not None:
            if first > last:
                self.add_error("date_to", _("The end date comes before the start date."))
            elif (last - first).days + 1 > analytics.MAX_PERIOD_DAYS:
                self.add_error(
                    "date_to",
                    _("A period is at most %(days)d days.") % {"days": analytics.MAX_PERIOD_DAYS},
                )
        return data

    def period(self) -> analytics.Period:
        """The chosen period; the default (last 30 days) when the form is not valid."""
        if self.is_valid():
            data = self.cleaned_data
            if data.get("date_from") and data.get("date_to"):
                return analytics.Period(first=data["date_from"], last=data["date_to"])
            if data.get("days"):
                return analytics.Period.last_days(data["days"])
        return analytics.Period.last_days(analytics.DEFAULT_DAYS)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return f"'{value}"
    return value


def csv_response(table: analytics.Table, period: analytics.Period) -> HttpResponse:
    """The table as CSV: UTF-8 with a byte order mark, so spreadsheets read Arabic right."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"analytics-{table.key}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_csv_cell(str(header)) for header in table.headers])
    for row in table.csv_rows:
        writer.writerow([_csv_cell(value) for value in row])
    return response


class AnalyticsView(WagtailAdminTemplateMixin, TemplateView):
    """The staff dashboard of a period: totals, charts, tables and their CSV links."""

    template_name = "dashboards/admin/analytics.html"
    page_title = _("Analytics")
    header_icon = "clipboard-list"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(VIEW_ANALYTICS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form = PeriodForm(request.GET or None)
        self.period = self.form.period()
        if request.GET.get("format") == "csv":
            table = analytics.table_report(period=self.period, key=request.GET.get("table", ""))
            if table is None:
                raise Http404
            return csv_response(table, self.period)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = analytics.analytics_report(period=self.period)
        base = reverse("dashboards_analytics")
        first, last = self.period.first.isoformat(), self.period.last.isoformat()
        svgs = charts.report_charts(report)
        sections = []
        for title, chart_keys, table_keys in SECTIONS:
            sections.append(
                {
                    "title": title,
                    "charts": [{"key": key, "svg": svgs[key]} for key in chart_keys],
                    "tables": [
                        {
                            "table": report.tables[key],
                            "csv_url": base
                            + "?"
                            + urlencode(
                                {"format": "csv", "table": key, "date_from": first, "date_to": last}
                            ),
                        }
                        for key in table_keys
                    ],
                }
            )
        percent = {"completion_rate"}
        context.update(
            form=self.form,
            report=report,
            totals={
                key: analytics.display_value(
                    value, analytics.PERCENT if key in percent else analytics.INT
                )
                for key, value in report.totals.items()
            },
            sections=sections,
            time_zone=timezone.get_current_timezone_name(),
        )
        return context


# The page's sections in order: a heading, its charts, its tables.
SECTIONS: list[tuple[Any, list[str], list[str]]] = [
    (_("Members, offers and swaps"), ["daily", "swaps"], ["swaps", "daily"]),
    (
        _("Points and payments"),
        ["points_issued", "points_spent", "payments"],
        ["points_issued", "points_spent", "payments", "purchases"],
    ),
    (_("Categories and moderation"), ["categories"], ["categories", "moderation"]),
    (_("API latency"), ["latency"], ["latency"]),
]


@hooks.register("register_admin_urls")
def analytics_urls() -> list:
    return [path("analytics/", AnalyticsView.as_view(), name="dashboards_analytics")]


class AnalyticsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_ANALYTICS)


@hooks.register("register_admin_menu_item")
def analytics_menu_item() -> MenuItem:
    return AnalyticsMenuItem(
        _("Analytics"), reverse("dashboards_analytics"), icon_name="clipboard-list", order=250
    )


@hooks.register("register_permissions")
def analytics_permissions() -> QuerySet[Permission]:
    """Offer ``view_analytics`` in the group editor (once its permission row exists)."""
    return Permission.objects.filter(
        content_type__app_label="dashboards", codename="view_analytics"
    )
