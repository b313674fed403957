"""Dashboard endpoints, mounted under /api/v1/ by config/api_v1.py.

``dashboard/`` is seed 001's dashboard app (docs/api.md, seed aliases): the caller's own dashboard.
"""

from config.api.routing import endpoint
from dashboards.api.views import DashboardView

urlpatterns: list = [
    endpoint("dashboard", DashboardView.as_view(), name="dashboard"),
]
