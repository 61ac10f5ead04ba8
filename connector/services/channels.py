"""Sales channels, channel rules and the settings snapshot an import decides with."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..classify import RuleSpec, Settings
from ..models import DEFAULT_EXCLUDED_PLATFORMS, ChannelRule, Connection, SalesChannel


def channel_rules_create_defaults(connection: Connection) -> list[ChannelRule]:
    """Exclusion rules for the platforms a ledger usually books through its own direct
    integration. Each can be deleted, or overridden by an include rule."""
    created = []
    for platform in DEFAULT_EXCLUDED_PLATFORMS:
        rule, was_created = ChannelRule.objects.get_or_create(
            connection=connection,
            action=ChannelRule.Action.EXCLUDE,
            platform=platform,
            shop_name="",
            valid_from=None,
            valid_until=None,
            # No note: the console says why in the reader's language (ChannelRule.shown_note).
            defaults={"is_default": True},
        )
        if was_created:
            created.append(rule)
    return created


def settings_snapshot(connection: Connection) -> Settings:
    rules = tuple(
        RuleSpec(
            r.id,
            r.action,
            r.platform.strip(),
            r.shop_name.strip(),
            r.valid_from,
            r.valid_until,
            exact=r.channel_id is not None,
        )
        for r in ChannelRule.objects.filter(connection=connection).order_by("id")
    )
    return Settings(
        label=connection.label,
        imported_states=frozenset(connection.imported_states),
        start_date=connection.import_start_date,
        sender_country=connection.sender_country,
        tz=connection.zoneinfo,
        clock=connection.billbee_zone,
        rules=rules,
        only_imported_states=connection.only_imported_states,
    )


class ChannelRegistry:
    """Finds or registers the sales channel of each document, cached for one import."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._cache: dict[tuple[str, str, int], SalesChannel] = {
            (c.platform, c.shop_name, c.shop_id): c
            for c in SalesChannel.objects.filter(connection=connection)
        }

    def get(self, platform: str | None, shop_name: str | None, shop_id: int | None) -> SalesChannel:
        key = (platform or "", shop_name or "", shop_id or 0)
        channel = self._cache.get(key)
        if channel is None:
            channel = self._register(key)
            self._cache[key] = channel
        return channel

    def _register(self, key: tuple[str, str, int]) -> SalesChannel:
        platform, shop_name, shop_id = key
        try:
            with transaction.atomic():
                return SalesChannel.objects.create(
                    connection=self.connection,
                    platform=platform,
                    shop_name=shop_name,
                    shop_id=shop_id,
                )
        except IntegrityError:  # registered meanwhile by a re-evaluation
            return SalesChannel.objects.get(
                connection=self.connection, platform=platform, shop_name=shop_name, shop_id=shop_id
            )
