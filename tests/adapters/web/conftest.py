"""A community with a little of everything, served by the web adapter on an ephemeral port.

The data is made through the core (``Entraide.handle``), as members would make it; the
clock is the test's (links expire without waiting); the HTTP client is aiohttp's.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.web.server import web_app
from bot.web.site import Site, WebConfig
from storage.engine import create_engine
from storage.store import Store
from tests.conftest import START, Community, make_community

LINK = re.compile(r"https?://\S+/login/[\w.\-]+")
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


def permalink(community_id: str, channel_id: str, message_id: str | None) -> str | None:
    return f"https://chat.example/{community_id}/{channel_id}/{message_id}" if message_id else None


async def populate(community: Community) -> dict[str, str]:
    """Three questions (resolved, answered, anonymous and unanswered), a resource with an
    upvote, a prompt with two replies. Returns the message ids worth reacting to later."""
    ids: dict[str, str] = {}
    await community.command(
        "olga", "entraide", "schedule prompts #practice monday 09:30 UTC", organiser=True
    )
    q1 = await community.ask("alice", "How do I keep learners engaged? #engagement")
    community.advance(hours=2)
    a1 = await community.reply("bob", q1, "Short polls every 20 minutes")
    await community.react("alice", a1, "white_check_mark")
    q2 = await community.ask("dave", "--anonymous Nobody answers me in virtual classes #remote")
    q3 = await community.ask("carol", "Which tool for quizzes? #tools #engagement")
    community.advance(hours=30)
    await community.reply("erin", q3, "Try Wooclap")
    await community.command(
        "carol", "share", "https://example.com/engagement #engagement Great tips"
    )
    resource_post = community.chat.posts_in("resources")[-1].message_id
    await community.react("bob", resource_post, "thumbsup")
    # Monday 09:30 UTC comes: the prompt is posted, and two members reply in its thread.
    await community.entraide.run_due(START + timedelta(days=7, hours=1, minutes=31))
    prompt = community.chat.posts_in("practice")[-1].message_id
    await community.reply("frank", prompt, "I start each session with a one-minute check-in")
    await community.reply("gina", prompt, "Our learners vote on the agenda")
    ids.update(q1=q1, a1=a1, q2=q2, q3=q3, prompt=prompt)
    return ids


@dataclass
class Web:
    community: Community
    client: TestClient
    site: Site
    ids: dict[str, str]

    async def link(self, member: str, what: str = "dashboard", organiser: bool = False) -> str:
        reply = await self.community.command(member, "entraide", what, organiser=organiser)
        found = LINK.search(reply.plain_text())
        assert found, reply.plain_text()
        return found.group(0).split("/login/", 1)[1]

    async def log_in(self, member: str = "olga", what: str = "dashboard", **kw) -> None:
        token = await self.link(member, what, organiser=member == "olga" or kw.get("organiser"))
        response = await self.client.get(f"/login/{token}", headers=NAVIGATE, allow_redirects=False)
        assert response.status == 303, await response.text()


async def serve(community: Community, config_secret: str | None = None):
    site = Site(
        community.store,
        community.clock,
        WebConfig("http://unbound", secret=config_secret),
        permalink,
    )
    client = TestClient(TestServer(web_app(site)))
    await client.start_server()
    config = WebConfig(str(client.make_url("")).rstrip("/"), secret=config_secret)
    site.config = config
    community.entraide.entraide.core.web = config
    return site, client


WEB_SETTINGS = {"resources_channel": "resources", "language": "en", "timezone": "UTC"}


@pytest.fixture(scope="session")
async def populated_sqlite(migrated_sqlite, tmp_path_factory):
    """On SQLite, the community is populated once per run and each test gets a copy of its
    database, its chat and its clock: populating it is most of a web test's time."""
    path = tmp_path_factory.mktemp("web") / "populated.db"
    shutil.copyfile(migrated_sqlite, path)
    engine = create_engine(f"sqlite:///{path}")
    community = make_community(Store(engine), **WEB_SETTINGS)
    ids = await populate(community)
    await engine.dispose()
    return path, community.chat, community.clock.now(), ids


@pytest.fixture
async def web(db: Store, populated_sqlite) -> AsyncIterator[Web]:
    if db.engine.dialect.name == "sqlite":
        path, chat, now, ids = populated_sqlite
        shutil.copyfile(path, db.engine.url.database)
        community = make_community(db, chat=copy.deepcopy(chat), **WEB_SETTINGS)
        community.clock.set(now)
    else:
        community = make_community(db, **WEB_SETTINGS)
        ids = await populate(community)
    site, client = await serve(community)
    try:
        yield Web(community, client, site, ids)
    finally:
        await client.close()
