"""The processes of the Slack HTTP benchmark (``slack_http.py``): FakeSlack and the bare
slack-bolt app, each served in a process of its own, and the servers as the parent sees
them (``Bare``, ``EntraideRun``, their CPU and memory), each on a fresh database
(``Databases``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import uuid
import warnings
from abc import ABC, abstractmethod
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# FakeSlack and the signing helpers live with the tests; children need the root too.
sys.path.insert(0, str(ROOT))

ASKER = "U0ALICE"
TICKS = os.sysconf("SC_CLK_TCK")


# -- FakeSlack and the bare apps, each in its own process -------------------------


def serve_fake_slack(pipe: Connection, channels: int) -> None:
    from tests.adapters.slack.fake_slack import FakeSlack

    async def main() -> None:
        fake = FakeSlack()
        await fake.start()
        for number in range(channels):
            fake.add_channel(channel(number), f"general-{number}")
        fake.add_user(ASKER, "Alice")
        pipe.send(fake.port)
        while (command := await asyncio.to_thread(pipe.recv)) != "stop":
            assert command == "posts"
            pipe.send(sum(1 for call in fake.calls if call.method == "chat.postMessage"))
        await fake.stop()

    asyncio.run(main())


def serve_bare(pipe: Connection, port: int, database: str, api_url: str, work: bool) -> None:
    """A bolt app that acks (``work``: then inserts one row and posts once)."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk.web.async_client import AsyncWebClient
    from sqlalchemy import text

    from storage.engine import create_engine
    from tests.adapters.slack.fake_slack import BOT_TOKEN
    from tests.adapters.slack.payloads import SIGNING_SECRET

    async def authorize(enterprise_id, team_id) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=BOT_TOKEN)

    class Failures(logging.Handler):  # listeners that raised ("database is locked", say)
        count = 0

        def emit(self, record: logging.LogRecord) -> None:
            Failures.count += 1

    logging.getLogger("slack_bolt").addHandler(Failures(logging.ERROR))
    logging.getLogger("slack_bolt").propagate = False
    # Stopped under load, it leaves connections to the collector: nothing to say about that
    # (SQLAlchemy says it twice: a warning, and an error logged by its pool).
    warnings.filterwarnings("ignore", message="The garbage collector is trying to clean up")
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)

    async def main() -> None:
        # Entraide's pool size, but PostgreSQL's own planning, not Entraide's settings.
        postgres = database.startswith("postgres")
        engine = create_engine(
            database, **({"connect_args": {"server_settings": {}}} if postgres else {})
        )
        async with engine.begin() as conn:
            serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
            await conn.execute(text(f"CREATE TABLE asked (id {serial} PRIMARY KEY, q TEXT)"))
        # Acks only: answered as the listener returns, bolt's fastest way (no ack polling).
        # With work: acked at once, the work after, as bolt's docs show it.
        app = AsyncApp(
            signing_secret=SIGNING_SECRET,
            authorize=authorize,
            client=AsyncWebClient(base_url=api_url, token=BOT_TOKEN),
            process_before_response=not work,
        )

        @app.command("/ask")
        async def ask(ack, body, client) -> None:
            await ack()
            if work:
                async with engine.begin() as conn:
                    await conn.execute(
                        text("INSERT INTO asked (q) VALUES (:q)"), {"q": body["text"]}
                    )
                await client.chat_postMessage(channel=body["channel_id"], text=body["text"])

        async def handle(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await app.async_dispatch(await to_bolt_request(request))
            )

        server = web.Application()
        server.router.add_post("/slack/events", handle)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        pipe.send("ready")
        await asyncio.to_thread(pipe.recv)
        pipe.send(Failures.count)
        await runner.cleanup()
        await engine.dispose()

    asyncio.run(main())


# -- the servers, as the parent sees them ------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def channel(number: int) -> str:
    return f"C{number:07d}"


class Databases:
    """A fresh database for each server: a SQLite file in ``folder``, or a database created
    on the PostgreSQL server of ``postgres`` (and dropped at the end)."""

    def __init__(self, folder: Path, postgres: str | None) -> None:
        self.folder, self.postgres = folder, postgres
        self.created: list[str] = []

    def fresh(self, name: str) -> str:
        unique = uuid.uuid4().hex[:10]  # a port, and so a name, can come back in a later step
        if self.postgres is None:
            return f"sqlite:///{self.folder / f'{name}-{unique}.db'}"
        from sqlalchemy.engine import make_url

        database = f"entraide_bench_{unique}"
        asyncio.run(self._admin(f'CREATE DATABASE "{database}"'))
        self.created.append(database)
        return make_url(self.postgres).set(database=database).render_as_string(False)

    def drop_all(self) -> None:
        for database in self.created:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

    async def _admin(self, statement: str) -> None:
        from sqlalchemy import text

        from storage.engine import create_engine

        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    @property
    def kind(self) -> str:
        return "SQLite" if self.postgres is None else "PostgreSQL"


class Server(ABC):
    """One side's server process: its CPU time and memory, read from /proc."""

    pid: int
    port: int
    failed = 0  # requests whose listener raised (the bare app logs them)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, every thread

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    @abstractmethod
    def stop(self) -> None:
        """End the process, and wait for it."""


class Bare(Server):
    def __init__(self, databases: Databases, api_url: str, work: bool) -> None:
        self.port = free_port()
        self.pipe, theirs = multiprocessing.Pipe()
        database = databases.fresh(f"bare-{self.port}")
        self.process = multiprocessing.Process(
            target=serve_bare, args=(theirs, self.port, database, api_url, work), daemon=True
        )
        self.process.start()
        if not self.pipe.poll(60):
            raise RuntimeError("the bare app did not start")
        self.pipe.recv()
        self.pid = self.process.pid

    def stop(self) -> None:
        self.pipe.send("stop")
        if self.pipe.poll(10):
            self.failed = self.pipe.recv()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


class EntraideRun(Server):
    """``entraide run`` with Slack in HTTP mode on a fresh database."""

    def __init__(self, databases: Databases, api_url: str, pace: float | None = None) -> None:
        from storage.engine import create_engine
        from storage.migrate import upgrade
        from tests.adapters.slack.fake_slack import BOT_TOKEN
        from tests.adapters.slack.payloads import SIGNING_SECRET

        self.port = free_port()
        self.database = databases.fresh(f"entraide-{self.port}")
        folder = databases.folder

        async def migrate() -> None:  # `entraide db upgrade`, once, before the instance
            engine = create_engine(self.database)
            await upgrade(engine)
            await engine.dispose()

        asyncio.run(migrate())
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
        env |= {
            "ENTRAIDE_DATABASE_URL": self.database,
            "ENTRAIDE_SLACK__ENABLED": "true",
            "ENTRAIDE_SLACK__MODE": "http",
            "ENTRAIDE_SLACK__HOST": "127.0.0.1",
            "ENTRAIDE_SLACK__PORT": str(self.port),
            "ENTRAIDE_SLACK__BOT_TOKEN": BOT_TOKEN,
            "ENTRAIDE_SLACK__SIGNING_SECRET": SIGNING_SECRET,
            "ENTRAIDE_SLACK__API_URL": api_url,
            "ENTRAIDE_HEALTH__PORT": "0",
            "PYTHONPATH": str(ROOT),
        }
        if pace is not None:
            env["ENTRAIDE_SLACK__POSTS_PER_SECOND"] = str(pace)
        self.log = folder / f"entraide-{self.port}.log"  # its warnings, for a look afterwards
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.runtime.cli", "run"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.pid = self.process.pid
        for line in self.process.stdout:
            if "running" in line:
                break
        else:
            raise RuntimeError(f"entraide run did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.kill()  # what was done in the window is counted; the rest does not matter
        self.process.wait(timeout=10)
        self.process.stdout.close()
