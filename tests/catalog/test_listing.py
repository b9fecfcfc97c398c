"""Listing status: the transition table walked, and the scheduled window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.catalog import LISTING_TRANSITIONS, Listing, ListingStatus
from mallcore.errors import IllegalTransition, InvalidValue
from mallcore.testing.strategies import aware_datetimes, listings

SINGLES_DAY = datetime(2026, 11, 11, tzinfo=UTC)
ALL_MOVES = [(a, b) for a in ListingStatus for b in ListingStatus]


def test_every_status_is_in_the_table() -> None:
    assert set(LISTING_TRANSITIONS) == set(ListingStatus)


def test_deleted_is_final() -> None:
    assert LISTING_TRANSITIONS[ListingStatus.DELETED] == frozenset()


def test_every_status_is_reachable_from_a_new_listing() -> None:
    reached = {Listing().status}
    frontier = list(reached)
    while frontier:
        for target in LISTING_TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)

    assert reached == set(ListingStatus)


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_a_move_is_allowed_exactly_when_the_table_lists_it(
    source: ListingStatus, target: ListingStatus
) -> None:
    listing = Listing(source)

    if target in LISTING_TRANSITIONS[source]:
        assert listing.move_to(target).status is target
    else:
        with pytest.raises(IllegalTransition):
            listing.move_to(target, key="P1")


def test_a_scheduled_listing_shows_only_inside_its_window() -> None:
    listing = Listing(
        ListingStatus.ON_SHELF,
        listed_from=SINGLES_DAY,
        listed_until=SINGLES_DAY + timedelta(days=1),
    )

    assert not listing.is_listed(SINGLES_DAY - timedelta(seconds=1))
    assert listing.is_listed(SINGLES_DAY)
    assert not listing.is_listed(SINGLES_DAY + timedelta(days=1))


def test_an_off_shelf_product_is_never_listed_even_inside_its_window() -> None:
    listing = Listing(ListingStatus.OFF_SHELF, listed_from=SINGLES_DAY)

    assert not listing.is_listed(SINGLES_DAY + timedelta(hours=1))


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        Listing(ListingStatus.ON_SHELF, listed_from=datetime(2026, 11, 11))

    assert str(raised.value) == (
        "listing.listed_from: must be timezone-aware (got datetime.datetime(2026, 11, 11, 0, 0))"
    )


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        Listing(listed_from=SINGLES_DAY, listed_until=SINGLES_DAY)

    assert raised.value.field == "listing.listed_until"


@given(listings(), aware_datetimes())
def test_a_listing_is_listed_only_when_on_shelf_and_inside_its_window(
    listing: Listing, now: datetime
) -> None:
    inside = (listing.listed_from is None or listing.listed_from <= now) and (
        listing.listed_until is None or now < listing.listed_until
    )

    assert listing.is_listed(now) == (listing.status is ListingStatus.ON_SHELF and inside)


@given(listings(), st.sampled_from(ListingStatus))
def test_a_refused_move_changes_nothing(listing: Listing, target: ListingStatus) -> None:
    before = listing

    try:
        after = listing.move_to(target)
    except IllegalTransition:
        after = listing

    assert listing == before
    assert after.listed_from == before.listed_from
