from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Billbee Connector"
admin.site.site_title = "Billbee Connector"
admin.site.index_title = "Operator console"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
