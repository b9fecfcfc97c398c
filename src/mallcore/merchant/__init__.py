"""The merchant's configuration: the rules a shop runs on, stored and versioned.

A :class:`Configuration` bundles what a merchant edits and every checkout
reads: the automatic promotions, the category tree, the shipping set-up,
the points policies, the member tiers, and the shop's :class:`Settings`
(payment window, after-sales window, what to do with an out-of-stock gift,
how many wallet coupons the best-combination search weighs). The Mall saves
each edit as a new version; an order records the version it was priced
with, and the later steps of an order read what they need from the order
itself, never from a configuration edited since.
"""

from mallcore.merchant.configuration import (
    Configuration,
    GiftPolicy,
    Settings,
    UnappliedPaymentPolicy,
)

__all__ = ["Configuration", "GiftPolicy", "Settings", "UnappliedPaymentPolicy"]
