"""Mastodon.py against a running Rookery: the client API that popular apps call (lists,
conversations, grouped notifications, account search, tags, suggestions, trends), through the
library's own methods only, so what it parses (entities, dates, Link-header pagination) is
what a Python client gets.

Run by tests/api/mastodon_py.rs, which starts Rookery, signs up alice, bob, carol and dave
(bob follows dave beforehand) and passes the base URL and their tokens in the environment:
ROOKERY_BASE_URL, ROOKERY_ALICE_TOKEN, ROOKERY_BOB_TOKEN, ROOKERY_CAROL_TOKEN,
ROOKERY_DAVE_TOKEN. Exits non-zero, with the failing step, on the first problem.
"""

import os
import sys
import time
import warnings
from datetime import datetime

# A warning from the library (e.g. "version >= 4.3.0 but no API version") is a failure.
warnings.simplefilter("error")

from mastodon import Mastodon  # noqa: E402
from mastodon.errors import MastodonNotFoundError  # noqa: E402

BASE = os.environ["ROOKERY_BASE_URL"]
STEP = "start"


def client(name):
    return Mastodon(
        access_token=os.environ[f"ROOKERY_{name}_TOKEN"],
        api_base_url=BASE,
        # Checks each method against the version the instance reports.
        version_check_mode="created",
        ratelimit_method="throw",
        request_timeout=30,
    )


def step(name):
    global STEP
    STEP = name
    print(f"step: {name}", flush=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eventually(fetch, ok, what, seconds=20):
    """Polls `fetch()` until `ok(result)`: fan-out and notifications are jobs."""
    deadline = time.monotonic() + seconds
    while True:
        result = fetch()
        if ok(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: last answer {result!r}")
        time.sleep(0.2)


def is_time(value):
    return isinstance(value, datetime)


def main():
    step("connect and version")
    alice, bob, carol, dave = (client(n) for n in ("ALICE", "BOB", "CAROL", "DAVE"))
    version = alice.retrieve_mastodon_version()
    check(alice.verify_minimum_version("4.5.0", cached=True), f"version {version}")
    instance = alice.instance_v2()
    check(instance.api_versions["mastodon"] >= 7, f"api_versions {instance.api_versions}")
    me_a, me_b, me_c, me_d = (c.me() for c in (alice, bob, carol, dave))
    check(is_time(me_a.created_at), f"created_at parsed: {me_a.created_at!r}")

    step("account search")
    found = alice.account_search("bob", limit=5)
    check([a.id for a in found] == [me_b.id], f"search bob: {[a.acct for a in found]}")
    check(found[0].acct == "bob", f"acct {found[0].acct}")
    check(alice.account_search("carol", following=True) == [], "carol not followed yet")
    alice.account_follow(me_b)
    alice.account_follow(me_c)
    bob.account_follow(me_a)
    carol.account_follow(me_a)
    followed = alice.account_search("carol", following=True)
    check([a.id for a in followed] == [me_c.id], "carol among those alice follows")
    check(len(alice.account_search("a", limit=1)) <= 1, "limit")

    step("lists")
    lst = alice.list_create("Friends", replies_policy="list", exclusive=False)
    check(lst.title == "Friends" and lst.replies_policy == "list", f"list {lst}")
    check(lst.exclusive is False, f"exclusive {lst.exclusive!r}")
    alice.list_accounts_add(lst, [me_b])
    members = alice.list_accounts(lst)
    check([a.id for a in members] == [me_b.id], f"members {members}")
    check([l.id for l in alice.account_lists(me_b)] == [lst.id], "bob's lists")
    check(any(l.id == lst.id for l in alice.lists()), "alice's lists")
    first = bob.status_post("first for the list")
    second = bob.status_post("second for the list")
    carol.status_post("carol is not on the list")
    timeline = eventually(
        lambda: alice.timeline_list(lst),
        lambda t: len(t) == 2,
        "the list timeline holds bob's two posts",
    )
    check([s.id for s in timeline] == [second.id, first.id], "newest first")
    check(is_time(timeline[0].created_at), "status created_at parsed")
    page = alice.timeline_list(lst, limit=1)
    check([s.id for s in page] == [second.id], "a page of one")
    following_page = alice.fetch_next(page)
    check(
        following_page is not None and [s.id for s in following_page] == [first.id],
        f"the Link header's next page: {following_page}",
    )
    renamed = alice.list_update(lst, "Close friends", replies_policy="followed")
    check(renamed.title == "Close friends", "renamed")
    check(renamed.replies_policy == "followed", "replies_policy updated")
    alice.list_accounts_delete(lst, [me_b])
    check(alice.list_accounts(lst) == [], "bob removed")
    alice.list_delete(lst)
    check(all(l.id != lst.id for l in alice.lists()), "list deleted")
    try:
        alice.timeline_list(lst)
        raise AssertionError("a deleted list's timeline is not found")
    except MastodonNotFoundError:
        pass

    step("conversations")
    dm = bob.status_post("@alice just between us", visibility="direct")
    convs = eventually(
        lambda: alice.conversations(),
        lambda cs: any(c.last_status and c.last_status.id == dm.id for c in cs),
        "alice's conversation with bob",
    )
    conv = next(c for c in convs if c.last_status.id == dm.id)
    check(conv.unread is True, "unread at first")
    check([a.id for a in conv.accounts] == [me_b.id], "the other participant")
    read = alice.conversations_read(conv)
    check(read.unread is False, "read")
    # Each participant has their own conversation (its id is theirs), read for the author.
    bobs = next(c for c in bob.conversations() if c.last_status.id == dm.id)
    check(bobs.unread is False, "the author's copy is read")
    check([a.id for a in bobs.accounts] == [me_a.id], "bob's other participant")
    check(
        next(c for c in alice.conversations() if c.id == conv.id).unread is False,
        "stays read",
    )

    step("grouped notifications")
    post = alice.status_post("please like this #rookerypy")
    bob.status_favourite(post)
    carol.status_favourite(post)
    grouped = eventually(
        lambda: alice.grouped_notifications(types=["favourite"]),
        lambda g: len(g.notification_groups) == 1
        and g.notification_groups[0].notifications_count == 2,
        "one group of two favourites",
    )
    group = grouped.notification_groups[0]
    check(group.type == "favourite", f"type {group.type}")
    check(group.status_id == post.id, "the favourited status")
    check(set(group.sample_account_ids) == {me_b.id, me_c.id}, "both favouriters")
    check(is_time(group.latest_page_notification_at), "latest_page_notification_at parsed")
    check(
        {a.id for a in grouped.accounts} | {a.id for a in (grouped.partial_accounts or [])}
        >= {me_b.id, me_c.id},
        "accounts side-loaded",
    )
    check(any(s.id == post.id for s in grouped.statuses), "status side-loaded")
    follows = alice.grouped_notifications(types=["follow"])
    check(
        len(follows.notification_groups) == 1
        and follows.notification_groups[0].notifications_count == 2,
        f"bob's and carol's follows in one group: {follows.notification_groups}",
    )
    one = alice.grouped_notification(group.group_key)
    check(one.notification_groups[0].group_key == group.group_key, "one group")
    who = alice.grouped_notification_accounts(group.group_key)
    check({a.id for a in who} == {me_b.id, me_c.id}, "the group's accounts")
    # Phanpy asks for types it knows but Rookery may not send: ignored, not refused.
    alice.grouped_notifications(types=["mention", "quote"])
    unread = alice.unread_grouped_notifications_count()
    check(unread >= 2, f"unread count {unread}")
    alice.dismiss_grouped_notification(group.group_key)
    after = alice.grouped_notifications(types=["favourite"])
    check(after.notification_groups == [], "dismissed")

    step("tags")
    tag = alice.tag_follow("rookerypy")
    check(tag.name == "rookerypy" and tag.following is True, f"followed {tag}")
    check(len(tag.history) == 7, "seven days of history")
    check(int(tag.history[0].uses) >= 1, f"today's use: {tag.history[0]}")
    check(any(t.name == "rookerypy" for t in alice.followed_tags()), "followed tags")
    tagged = dave.status_post("news from dave #RookeryPy")
    eventually(
        lambda: alice.timeline_home(),
        lambda h: any(s.id == tagged.id for s in h),
        "a post with a followed tag enters the follower's home",
    )
    featured = alice.featured_tag_create("rookerypy")
    check(featured.name == "rookerypy", f"featured {featured}")
    check(int(featured.statuses_count) >= 1, "statuses_count")
    check(is_time(featured.last_status_at) or featured.last_status_at is None, "date")
    check([f.id for f in alice.featured_tags()] == [featured.id], "alice's featured tags")
    check(
        [f.name for f in bob.account_featured_tags(me_a)] == ["rookerypy"],
        "alice's featured tags seen by bob",
    )
    alice.featured_tag_suggestions()
    results = alice.search_v2("#rookerypy", result_type="hashtags")
    hashtag = next(t for t in results.hashtags if t.name.lower() == "rookerypy")
    check(hashtag.following is True, "following in search results")
    check(len(hashtag.history) == 7, "history in search results")
    alice.featured_tag_delete(featured)
    check(alice.featured_tags() == [], "unfeatured")
    untag = alice.tag_unfollow("rookerypy")
    check(untag.following is False, "unfollowed")

    step("trends")
    for who_posts in (alice, bob, carol):
        who_posts.status_post("everyone talks about #pytrend")
    tags = eventually(
        lambda: alice.trending_tags(),
        lambda ts: any(t.name == "pytrend" for t in ts),
        "a tag three people used within the hour trends",
    )
    trend = next(t for t in tags if t.name == "pytrend")
    check(int(trend.history[0].accounts) == 3, f"three accounts today: {trend.history[0]}")
    popular = carol.status_post("favourite me")
    for fan in (alice, bob, dave):
        fan.status_favourite(popular)
    statuses = eventually(
        lambda: alice.trending_statuses(),
        lambda ss: any(s.id == popular.id for s in ss),
        "a status with three favourites trends",
    )
    check(is_time(statuses[0].created_at), "trending status parsed")
    alice.trending_links()

    step("suggestions")
    # bob follows dave; alice follows bob: dave is a friend of a friend.
    suggested = alice.suggestions_v2()
    ids = [s.account.id for s in suggested]
    check(me_d.id in ids, f"dave suggested: {ids}")
    check(me_b.id not in ids and me_c.id not in ids, "never someone already followed")
    check(all(s.sources for s in suggested), "sources given")
    dave_why = next(s for s in suggested if s.account.id == me_d.id)
    check("friends_of_friends" in dave_why.sources, f"why dave: {dave_why.sources}")
    # The plain form unpacks the accounts.
    check(me_d.id in [a.id for a in alice.suggestions()], "dave in the plain form")
    alice.suggestion_delete(me_d)
    check(
        me_d.id not in [a.id for a in alice.suggestions()],
        "a dismissed suggestion stays away",
    )
    print("mastodon_py: all steps passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # any failure ends the run with its step
        print(f"FAILED at step '{STEP}': {type(error).__name__}: {error}", file=sys.stderr)
        raise
