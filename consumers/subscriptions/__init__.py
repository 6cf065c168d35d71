"""Subscriptions: analysts' standing queries over the alerts, entities and links shared to
their agency.

``new_subscription`` builds a definition from what the analyst typed, ``publish_subscription``
puts it on the compacted ``subscriptions`` topic (``remove_subscription``: a tombstone), and
``SubscriptionMatcher`` percolates each agency's copies (``out.<agency>.shared``) against
that agency's subscriptions, sending matches to ``sub.<analyst>``. ``tail`` prints any
correlation topic, or an analyst's matches, readably.
"""

from .matcher import MatcherStats, SubscriptionMatcher
from .rules import SubscriptionInvalid, new_subscription, rule_query, watch_key
from .settings import MatcherSettings
from .store import publish_subscription, read_subscriptions, remove_subscription
from .tail import TailFilter, tail

__all__ = [
    "MatcherSettings",
    "MatcherStats",
    "SubscriptionInvalid",
    "SubscriptionMatcher",
    "TailFilter",
    "new_subscription",
    "publish_subscription",
    "read_subscriptions",
    "remove_subscription",
    "rule_query",
    "tail",
    "watch_key",
]
