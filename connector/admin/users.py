"""Users and groups with their permissions named in the reader's language.

Django stores a permission's name in English when it creates it ("Can view connection"), and
the user and group pages list them as stored. Here each permission is named from its model's
translated name and its action, and a permission of our own (``Meta.permissions``) by its
translated name; a permission of an app we don't know keeps its stored name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Texts of Django's own user page that its German catalogue leaves untranslated (Django 5.2):
# named here so that our catalogue, which is read first, keeps their German.
DJANGO_UNTRANSLATED = (
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
)

ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """ "App | model | what it allows", in the active language."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:
        return str(permission)
    options = model._meta
    name: str = permission.name
    action, _sep, model_name = permission.codename.partition("_")
    if action in ACTIONS and model_name == options.model_name:
        name = str(ACTIONS[action]) % {"model": options.verbose_name}
    else:
        own = dict(options.permissions).get(permission.codename)
        if own is not None:
            name = gettext(str(own))
    return f"{options.app_config.verbose_name} | {options.verbose_name} | {name}"


def _named(field: ModelMultipleChoiceField | None, db_field: ManyToManyField[Any, Any]) -> Any:
    """The permissions field of a user's or group's form, named in the reader's language."""
    if field is not None and db_field.name in ("permissions", "user_permissions"):
        field.queryset = Permission.objects.select_related("content_type")
        field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
    return field


class NamedPermissionsGroupAdmin(GroupAdmin):
    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        return _named(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)


class NamedPermissionsUserAdmin(UserAdmin):  # type: ignore[type-arg]
    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        return _named(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)


def install(site: admin.AdminSite) -> None:
    named: list[tuple[Any, Any]] = [
        (Group, NamedPermissionsGroupAdmin),
        (User, NamedPermissionsUserAdmin),
    ]
    for model, model_admin in named:
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)


__all__ = ["install", "permission_label"]
