"""Links members share: what is refused, and one resource per page however the link is written."""

from __future__ import annotations

import pytest

from bot.replies import Style


async def all_resources(community):
    async with community.store.transaction() as tx:
        return await tx.resources.all(community.id)


def links(reply) -> list[tuple[str, str]]:
    """(shown text, target) of each link in a reply."""
    return [(s.text, s.target) for line in reply.lines for s in line if s.style is Style.LINK]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/\u202egpj.exe",
        "https://example.com/ring\x07",
        "https://example.com/\x1b[31mred",
        "https://example.com/a\x00b",
        "https://example.com/\u200bhidden",
        "https://exa\u00admple.com/",
    ],
)
async def test_links_with_control_or_invisible_characters_are_refused(community, url):
    english = await community.command("alice", "share", url)
    french = await community.command("alice", "share", url, locale="fr")
    assert english.private and "link contains invisible or control" in english.plain_text()
    assert "Le champ lien contient des caractères invisibles" in french.plain_text()
    assert await all_resources(community) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://0x7f.0x0.0x0.0x1/",
        "http://0177.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://10.0x0.1/",
        "http://１２７.０.０.１/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://foo.localhost/",
        "http://localhost./",
        "http://printer.local/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/",
        "http://wiki.corp/",
        "http://router.home.arpa/",
    ],
)
async def test_links_to_hosts_that_are_not_public_lead_nowhere(community, url):
    reply = await community.command("alice", "share", url)
    assert reply.private and "leads nowhere" in reply.plain_text(), reply.plain_text()
    assert await all_resources(community) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:0/",
        "http://xn--zz.com/",
        "http://xn--.com/",
        "http://exa_mple.com/",
        "http://256.1.1.1/",
        "http://1.2.3.4.5/",
        "http://0x1g.com.1/",
    ],
)
async def test_links_no_browser_would_open_are_not_valid(community, url):
    reply = await community.command("alice", "share", url)
    assert reply.private and "is not a valid link" in reply.plain_text(), reply.plain_text()
    assert await all_resources(community) == []


async def test_a_public_address_written_as_one_number_is_stored_as_a_browser_reads_it(community):
    await community.command("alice", "share", "http://134744072/dns")
    assert [r.url for r in await all_resources(community)] == ["http://8.8.8.8/dns"]


async def test_an_internationalised_domain_is_one_resource_however_it_is_written(community):
    first = await community.command("alice", "share", "http://éxample.com/page")
    again = await community.command("bob", "share", "http://XN--XAMPLE-9UA.com/page")
    wide = await community.command("carol", "share", "http://ÉＸＡＭＰＬＥ.com/page")
    assert "Saved" in first.plain_text()
    assert "Alice shared it first" in again.plain_text()
    assert "Alice shared it first" in wide.plain_text()
    [resource] = await all_resources(community)
    assert resource.url == "http://xn--xample-9ua.com/page"
    assert links(first) == [("http://éxample.com/page", "http://xn--xample-9ua.com/page")]
    listed = await community.command("dave", "resources", "")
    assert ("http://éxample.com/page", "http://xn--xample-9ua.com/page") in links(listed)


async def test_full_width_letters_are_folded(community):
    await community.command("alice", "share", "https://ｅｘａｍｐｌｅ.com/guide")
    assert [r.url for r in await all_resources(community)] == ["https://example.com/guide"]


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://аpple.com/", "https://xn--pple-43d.com/"),  # a Cyrillic а among Latin letters
        ("https://аррӏе.com/", "https://xn--80ak6aa92e.com/"),  # only Cyrillic that looks Latin
        ("https://пример.рф/", "https://пример.рф/"),
        ("https://bücher.de/", "https://bücher.de/"),
    ],
)
async def test_a_homograph_host_is_shown_in_its_ascii_form(community, url, shown):
    reply = await community.command("alice", "share", url)
    [(text, _target)] = links(reply)
    assert text == shown


async def test_a_bookmarked_link_with_a_nul_is_refused_with_the_control_characters_error(
    community,
):
    message = community.chat.member_message("general", "bob", "See https://example.com/a\x00b")
    reply = await community.react("alice", message, "bookmark")
    assert reply.private and "link contains invisible or control" in reply.plain_text()
    assert await all_resources(community) == []
