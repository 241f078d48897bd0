"""Resources: /share, de-duplication, the bookmark reaction, upvotes, /resources."""

from __future__ import annotations

import pytest

from tests.conftest import make_community


async def all_resources(community):
    async with community.store.transaction() as tx:
        return await tx.resources.all(community.id)


async def test_share_normalises_the_link_and_posts_it_in_the_resources_channel(db):
    community = make_community(db, resources_channel="resources")
    reply = await community.command(
        "alice",
        "share",
        "https://Example.COM/guide?utm_source=news&id=3&fbclid=x#part-2 #onboarding Great checklist",
    )
    [resource] = await all_resources(community)
    assert resource.url == "https://example.com/guide?id=3"
    assert resource.tags == ("onboarding",) and resource.notes == ("Great checklist",)
    assert "R1" in reply.plain_text() and reply.private
    [post] = community.chat.posts_in("resources")
    assert "https://example.com/guide?id=3" in post.text and "Great checklist" in post.text


async def test_sharing_a_known_link_says_who_shared_it_first_and_merges_tags_and_note(community):
    await community.command("alice", "share", "https://example.com/guide #onboarding")
    reply = await community.command(
        "bob", "share", "https://EXAMPLE.com:443/guide#top #checklist #onboarding Use it on day one"
    )
    text = reply.plain_text()
    assert "Alice shared it first" in text and "#checklist" in text and "note was added" in text
    [resource] = await all_resources(community)
    assert resource.tags == ("checklist", "onboarding")
    assert resource.notes == ("Use it on day one",) and resource.shared_by == "alice"


@pytest.mark.parametrize(
    "url, message",
    [
        ("javascript:alert(1)", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.com/file", "Only http and https"),
        ("https://", "leads nowhere"),
        ("http://localhost:8080/", "leads nowhere"),
        ("https://192.168.1.10/admin", "leads nowhere"),
        ("https://intranet/page", "leads nowhere"),
        ("https://user:secret@example.com/", "user name or password"),
        ("", "Give a link"),
    ],
)
async def test_bad_links_are_refused_with_a_clear_message_and_nothing_stored(
    community, url, message
):
    reply = await community.command("alice", "share", url)
    assert reply.private and message in reply.plain_text()
    assert await all_resources(community) == []


async def test_errors_are_in_the_members_language(community):
    reply = await community.command("alice", "share", "ftp://example.com/x", locale="fr-FR")
    assert "Seuls les liens http et https" in reply.plain_text()


async def test_the_bookmark_reaction_saves_the_link_credited_to_the_messages_author(community):
    message = community.chat.member_message(
        "general", "bob", "Look at <https://example.org/talk|this talk>!"
    )
    reply = await community.react("alice", message, "bookmark")
    [resource] = await all_resources(community)
    assert resource.url == "https://example.org/talk" and resource.shared_by == "bob"
    assert "R1" in reply.plain_text()


async def test_bookmarking_a_message_without_a_link_or_your_own_does_nothing(community):
    plain = community.chat.member_message("general", "bob", "no link here")
    own = community.chat.member_message("general", "alice", "https://example.org/mine")
    assert await community.react("alice", plain, "bookmark") is None
    assert await community.react("alice", own, "bookmark") is None
    assert await all_resources(community) == []


async def test_reactions_on_a_resource_post_are_upvotes_except_the_sharers(db):
    community = make_community(db, resources_channel="resources")
    await community.command("alice", "share", "https://example.com/guide")
    post = community.chat.posts_in("resources")[0].message_id
    await community.react("bob", post, "+1")
    await community.react("carol", post, "heart")
    await community.react("alice", post, "+1")
    assert (await all_resources(community))[0].upvotes == 2
    await community.react("carol", post, "heart", added=False)
    assert (await all_resources(community))[0].upvotes == 1


async def test_resources_finds_by_words_tags_notes_and_url_accent_insensitively(community):
    await community.command(
        "alice", "share", "https://example.com/evaluation-formative #évaluation Grille très utile"
    )
    await community.command("bob", "share", "https://example.org/icebreakers #energisers")
    found = (await community.command("carol", "resources", "evaluation")).plain_text()
    assert "evaluation-formative" in found and "icebreakers" not in found
    assert (
        "evaluation-formative"
        in (await community.command("carol", "resources", "tres utile")).plain_text()
    )
    by_tag = (await community.command("carol", "resources", "#energisers")).plain_text()
    assert "icebreakers" in by_tag and "evaluation" not in by_tag
    latest = (await community.command("carol", "resources", "")).plain_text()
    assert "icebreakers" in latest and "evaluation-formative" in latest
    assert (
        "No resource found" in (await community.command("carol", "resources", "zzz")).plain_text()
    )


async def test_repeated_shares_never_push_a_resource_past_ten_tags(community):
    url = "https://example.com/guide"
    await community.command("alice", "share", f"{url} #t1 #t2 #t3 #t4 #t5 #t6 #t7 #t8")
    refused = await community.command("bob", "share", f"{url} #t9 #t10 #t11 Nice")
    assert refused.private and "already has 8 tags" in refused.plain_text()
    french = await community.command("bob", "share", f"{url} #t9 #t10 #t11", locale="fr")
    assert "a déjà 8 étiquettes" in french.plain_text()
    [resource] = await all_resources(community)
    assert len(resource.tags) == 8 and resource.notes == ()
    await community.command("bob", "share", f"{url} #t1 #t9 #t10")
    assert len((await all_resources(community))[0].tags) == 10


async def test_a_resource_keeps_at_most_twenty_notes(community):
    url = "https://example.com/guide"
    for number in range(20):
        await community.command(f"m{number}", "share", f"{url} Note {number}")
    refused = await community.command("bob", "share", f"{url} #extra One note too many")
    assert refused.private and "already has 20 notes" in refused.plain_text()
    [resource] = await all_resources(community)
    assert len(resource.notes) == 20 and resource.tags == ()
    again = await community.command("bob", "share", f"{url} #extra")
    assert "#extra" in again.plain_text()
