from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from bookkeeping.admin.reports import report_urls

from .health import healthz
from .metrics import metrics

admin.site.site_header = "Billbee Connector"
admin.site.site_title = "Billbee Connector"
admin.site.index_title = _("Operator console")
# Django's side bar repeats the start page's list of apps and takes a quarter of a 1366 px
# screen from every list: the header's links and the start page lead everywhere instead.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # For monitoring (docs/operations.md): health without login, metrics with METRICS_TOKEN.
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    # The language switch of the console (POST language=de|en; kept in the session and a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    # Console pages that are not a model's: before the admin, whose catch-all would take them.
    path("admin/", include(report_urls())),
    path("admin/", admin.site.urls),
]
