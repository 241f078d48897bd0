"""Slack HTTP mode as `entraide run` ships it, against bare slack-bolt apps, interleaved.

Two measures, each in rounds that alternate the two sides (bare, entraide, bare,
entraide, …), every round on fresh processes and a fresh database (SQLite, or
PostgreSQL with ``--postgres``):

1. **Acknowledgements.** Signed ``/ask`` requests (form-encoded, ``X-Slack-Signature``
   v0, signed before the clock starts) from ``--concurrency`` connections, each sent
   as soon as the connection's previous one was answered:

   * bare: a slack-bolt ``AsyncApp`` (signature check, dispatch, ack, answered as the
     listener returns) whose listener only acks;
   * entraide: ``entraide run`` itself (``python -m bot.runtime.cli run``), Slack in
     HTTP mode: each request kept in the database, acknowledged, then handled (the
     question stored, its card queued, delivered by the deliverer at Slack's pace,
     the asker told through ``response_url``).

   It prints requests/s, p50 and p99 of the acknowledgement and the server's CPU per
   request for every round, the spread, and the targets: at least 0.8x the bare rate
   and p99 under 100 ms.

2. **Stored and posted.** ``/ask`` sent at a fixed ``--rate`` (above what either side
   can finish), from ``--channels`` channels, for ``--seconds``:

   * bare: a bolt app that acks, inserts one row and calls ``chat.postMessage`` once;
   * entraide: ``entraide run`` again; with no help channel set, each card goes to the
     channel it was asked in, so that Slack's limit of about one post a second per
     channel is not what limits it. Its posts keep to ``slack.posts_per_second`` over
     the workspace, 50 as shipped (``--pace`` sets another); the bare app keeps to none.

   Counted are the cards Slack received during the window (each one stored first),
   on both sides; and the server's memory, sampled every half second. Targets:
   entraide at least 0.5x the bare rate, and its memory bounded (the last quarter
   of the window no more than 10% above the second quarter). It also prints
   entraide's rate against the most the bare app could post at entraide's pace.

Slack is FakeSlack, the tests' local Slack, in its own process; so is each server
and the load, so that no side's CPU counts against the other on its own core. It is
a benchmark, not a test: the exit code is 0 whatever the figures.

    python benchmarks/slack_http.py [--rounds 2] [--requests 3000] [--concurrency 256]
                                    [--rate 800] [--seconds 20] [--channels 1000]
                                    [--pace N] [--only acks|posted] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
# FakeSlack and the signing helpers live with the tests; children need the root too.
sys.path.insert(0, str(ROOT))

TARGET_ACK_RATIO = 0.8
TARGET_P99_MS = 100.0
TARGET_POSTED_RATIO = 0.5
MEMORY_GROWTH_MAX = 0.10
WARM_UP = 200  # requests before measuring: connections, caches, first queries
E2E_WARM_UP = 3.0  # seconds at the offered rate before the window opens
ASKER = "U0ALICE"
TICKS = os.sysconf("SC_CLK_TCK")
SHIPPED_PACE = 50.0  # slack.posts_per_second's default


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
    # Stopped under load, it leaves connections to the collector: nothing to say about that.
    warnings.filterwarnings("ignore", message="The garbage collector is trying to clean up")

    async def main() -> None:
        engine = create_engine(database)
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
        if self.postgres is None:
            return f"sqlite:///{self.folder / f'{name}.db'}"
        from sqlalchemy.engine import make_url

        database = f"entraide_bench_{uuid.uuid4().hex[:10]}"
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


class Server:
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

    def stop(self) -> None:
        raise NotImplementedError


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


# -- the load --------------------------------------------------------------------


def signed_asks(count: int, first: int, channels: int, hooks: str) -> list[tuple[bytes, dict]]:
    """Signed ``/ask`` requests (body, headers), valid for Slack's 5 minutes from now."""
    from tests.adapters.slack.payloads import signature, slash_command

    timestamp = str(int(time.time()))
    asks = []
    for number in range(first, first + count):
        fields = slash_command(
            "/ask",
            f"How do I keep group {number} engaged in long sessions?",
            ASKER,
            channel(number % channels),
            f"{hooks}/hooks/{number}",
        )
        body = urlencode(fields)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(body, timestamp),
        }
        asks.append((body.encode(), headers))
    return asks


@dataclass
class AckRound:
    side: str
    seconds: float
    latencies: list[float]
    cpu: float  # the server's CPU seconds during the measured requests
    load_cpu: float  # the load's own

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def cpu_ms(self) -> float:
        return self.cpu / len(self.latencies) * 1000

    @property
    def load_cpu_ms(self) -> float:
        return self.load_cpu / len(self.latencies) * 1000


def http_request(port: int, body: bytes, headers: dict) -> bytes:
    """One HTTP/1.1 request on a kept-alive connection, as bytes ready to send."""
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Client(asyncio.Protocol):
    """A client connection that sends its next request as soon as the last one is answered.

    Requests are built and signed before the clock starts, and answers are read with
    no more parsing than their length needs: the load costs less CPU than the servers,
    so that what is measured is the servers, on a 2-core machine too.
    """

    def __init__(self) -> None:
        self.buffer = b""
        self.began = 0.0
        self.requests = iter(())
        self.latencies: list[float] = []
        self.done: asyncio.Future | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def start(self, requests, latencies: list[float], done: asyncio.Future) -> None:
        """Send from ``requests`` (shared by the connections: each is sent once) until none is left."""
        self.requests, self.latencies, self.done = requests, latencies, done
        self.send()

    def send(self) -> None:
        request = next(self.requests, None)
        if request is None:
            if not self.done.done():
                self.done.set_result(None)
            return
        self.began = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        length = int(re.search(rb"content-length: *(\d+)", head).group(1))
        if len(self.buffer) < end + 4 + length:
            return
        answered = time.perf_counter()
        if not head.startswith(b"http/1.1 200"):
            self.done.set_exception(RuntimeError(head.split(b"\r\n")[0].decode()))
            return
        self.buffer = self.buffer[end + 4 + length :]
        self.latencies.append(answered - self.began)
        self.send()

    def connection_lost(self, exc) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(exc or ConnectionError("closed by the server"))


async def closed_loop(
    server: Server, side: str, requests: int, concurrency: int, channels: int, hooks: str
) -> AckRound:
    """Every connection opened and used first (its set-up is not measured), then the
    measured requests, each connection sending its next one when answered."""
    loop = asyncio.get_running_loop()
    clients = []
    for _ in range(concurrency):
        _, client = await loop.create_connection(Client, "127.0.0.1", server.port)
        clients.append(client)

    async def run(asks: list[tuple[bytes, dict]]) -> list[float]:
        queue = iter([http_request(server.port, body, headers) for body, headers in asks])
        latencies: list[float] = []
        finished = [loop.create_future() for _ in clients]
        for client, done in zip(clients, finished, strict=True):
            client.start(queue, latencies, done)
        await asyncio.gather(*finished)
        return latencies

    warm_up = max(WARM_UP, 2 * concurrency)
    await run(signed_asks(warm_up, 0, channels, hooks))
    asks = signed_asks(requests, warm_up, channels, hooks)
    load_cpu, cpu = time.process_time(), server.cpu_seconds()
    began = time.perf_counter()
    latencies = await run(asks)
    seconds = time.perf_counter() - began
    cpu, load_cpu = server.cpu_seconds() - cpu, time.process_time() - load_cpu
    for client in clients:
        client.transport.close()
    return AckRound(side, seconds, latencies, cpu, load_cpu)


@dataclass
class PostedRound:
    side: str
    offered: float  # requests sent per second in the window
    posted: int  # cards Slack received in the window
    seconds: float
    memory: list[float] = field(default_factory=list)  # MB, every half second of the window

    @property
    def rate(self) -> float:
        return self.posted / self.seconds

    @property
    def growth(self) -> float:
        """Memory of the last quarter of the window against the second quarter."""
        quarter = max(1, len(self.memory) // 4)
        second, last = self.memory[quarter : 2 * quarter], self.memory[-quarter:]
        return max(last) / max(second) - 1


async def open_loop(
    server: Server,
    side: str,
    fake: Connection,
    rate: float,
    seconds: float,
    channels: int,
    hooks: str,
) -> PostedRound:
    """``rate`` requests a second, whatever the answers, for the warm-up and the window."""
    url = f"http://127.0.0.1:{server.port}/slack/events"
    total = int(rate * (E2E_WARM_UP + seconds))
    asks = signed_asks(total, 0, channels, hooks)
    memory: list[float] = []
    sent_in_window = 0

    async def send(session: aiohttp.ClientSession, body: bytes, headers: dict) -> None:
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
        except aiohttp.ClientError:
            pass  # counted as not posted

    def posts() -> int:
        fake.send("posts")
        return fake.recv()

    connector = aiohttp.TCPConnector(limit=1024)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = set()
        began = time.perf_counter()
        window_opens, window_closes = began + E2E_WARM_UP, began + E2E_WARM_UP + seconds
        before = after = None
        next_sample = window_opens
        for number, (body, headers) in enumerate(asks):
            at = began + number / rate
            now = time.perf_counter()
            if before is None and now >= window_opens:
                before = await asyncio.to_thread(posts)
            if before is not None and now >= next_sample:
                memory.append(server.rss_mb())
                next_sample += 0.5
            if before is not None:
                sent_in_window += 1
            if at > now:
                await asyncio.sleep(at - now)
            task = asyncio.create_task(send(session, body, headers))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.sleep(max(0.0, window_closes - time.perf_counter()))
        after = await asyncio.to_thread(posts)
        elapsed = time.perf_counter() - window_opens
        for task in tasks:
            task.cancel()
    return PostedRound(side, sent_in_window / elapsed, after - before, elapsed, memory)


# -- the report ------------------------------------------------------------------


def spread(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return format(low, fmt) if low == high else f"{format(low, fmt)}–{format(high, fmt)}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def acks(args, databases: Databases, api_url: str, hooks: str) -> list[str]:
    rounds: list[tuple[AckRound, AckRound]] = []
    sides: dict[str, Callable[[], Server]] = {
        "bare": lambda: Bare(databases, api_url, work=False),
        "entraide": lambda: EntraideRun(databases, api_url),
    }
    print(
        f"\n1. acknowledgements: /ask over HTTP, {args.requests} requests a round on "
        f"{args.concurrency} connections, {databases.kind}, {args.rounds} rounds interleaved"
    )
    print(
        f"{'round':8}{'side':10}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'CPU ms/req':>12}{'load CPU':>10}"
    )
    for number in range(1, args.rounds + 1):
        pair = []
        for side, make in sides.items():
            server = make()
            try:
                result = asyncio.run(
                    closed_loop(server, side, args.requests, args.concurrency, args.channels, hooks)
                )
            finally:
                server.stop()
            pair.append(result)
            print(
                f"{number:<8}{side:10}{result.rate:>12.0f}{result.percentile(50):>9.1f}"
                f"{result.percentile(99):>9.1f}{result.cpu_ms:>12.3f}{result.load_cpu_ms:>10.3f}"
            )
        rounds.append((pair[0], pair[1]))
    ratios = [ours.rate / bare.rate for bare, ours in rounds]
    p99s = [ours.percentile(99) for _, ours in rounds]
    bare_p99s = [bare.percentile(99) for bare, _ in rounds]
    cpu = [ours.cpu_ms / bare.cpu_ms for bare, ours in rounds]
    print(
        f"spread: ratio {spread(ratios, '.2f')}x; entraide p99 {spread(p99s, '.0f')} ms "
        f"(bare {spread(bare_p99s, '.0f')} ms); entraide CPU per request "
        f"{spread(cpu, '.2f')}x the bare app's"
    )
    ratio, p99 = statistics.median(ratios), statistics.median(p99s)
    return [
        f"{verdict(ratio >= TARGET_ACK_RATIO)} acks at {args.concurrency} connections: "
        f"{ratio:.2f}x the bare rate (median of {args.rounds}; target >= {TARGET_ACK_RATIO}x)",
        f"{verdict(p99 < TARGET_P99_MS)} acks at {args.concurrency} connections: "
        f"p99 {p99:.0f} ms (median of {args.rounds}; target < {TARGET_P99_MS:.0f} ms)",
    ]


def stored_and_posted(
    args, databases: Databases, api_url: str, hooks: str, fake: Connection
) -> list[str]:
    sides: dict[str, Callable[[], Server]] = {
        "bare": lambda: Bare(databases, api_url, work=True),
        "entraide": lambda: EntraideRun(databases, api_url, args.pace),
    }
    print(
        f"\n2. stored and posted: /ask at {args.rate:.0f}/s from {args.channels} channels, "
        f"{databases.kind}, {args.seconds:.0f} s windows after {E2E_WARM_UP:.0f} s, {args.rounds} rounds interleaved"
    )
    print(
        f"{'round':8}{'side':10}{'sent/s':>9}{'posted/s':>10}{'memory MB (window)':>26}"
        f"{'failed':>8}"
    )
    rounds: list[tuple[PostedRound, PostedRound]] = []
    for number in range(1, args.rounds + 1):
        pair = []
        for side, make in sides.items():
            server = make()
            try:
                result = asyncio.run(
                    open_loop(server, side, fake, args.rate, args.seconds, args.channels, hooks)
                )
            finally:
                server.stop()
            pair.append(result)
            mem = result.memory
            print(
                f"{number:<8}{side:10}{result.offered:>9.0f}{result.rate:>10.1f}"
                f"{f'{mem[0]:.0f} → {max(mem):.0f} max → {mem[-1]:.0f}':>26}"
                f"{server.failed if side == 'bare' else '-':>8}"
            )
        rounds.append((pair[0], pair[1]))
    ratios = [ours.rate / max(bare.rate, 1e-9) for bare, ours in rounds]
    growth = max(ours.growth for _, ours in rounds)
    above = all(r.offered > r.rate * 1.05 for pair in rounds for r in pair)
    pace = args.pace or SHIPPED_PACE
    paced = [ours.rate / min(bare.rate, pace) for bare, ours in rounds]
    print(
        f"spread: ratio {spread(ratios, '.2f')}x; entraide "
        f"{spread([o.rate for _, o in rounds], '.0f')} posted/s, bare "
        f"{spread([b.rate for b, _ in rounds], '.0f')}; offered rate "
        f"{'above' if above else 'NOT above'} what each side posted"
    )
    print(
        f"entraide posts at most {pace:.0f}/s over a workspace (slack.posts_per_second"
        f"{'' if args.pace else ', as shipped'}); the bare app keeps to no pace: against the "
        f"most it could post at that pace, entraide is at {spread(paced, '.2f')}x"
    )
    ratio = statistics.median(ratios)
    return [
        f"{verdict(ratio >= TARGET_POSTED_RATIO)} stored and posted: {ratio:.2f}x the bare "
        f"rate (median of {args.rounds}; target >= {TARGET_POSTED_RATIO}x; entraide paced at "
        f"{pace:.0f}/s, bare unpaced)",
        f"{verdict(growth <= MEMORY_GROWTH_MAX)} memory bounded under overload: entraide's grew "
        f"{growth:+.0%} at most from the second to the last quarter of a window "
        f"(target <= {MEMORY_GROWTH_MAX:+.0%})",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each side (A B A B …)")
    parser.add_argument("--requests", type=int, default=3000, help="acks measured per round")
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--rate", type=float, default=800, help="/ask offered per second")
    parser.add_argument("--seconds", type=float, default=20, help="window of a posted round")
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument(
        "--pace",
        type=float,
        help=f"entraide's slack.posts_per_second (default: as shipped, {SHIPPED_PACE:.0f})",
    )
    parser.add_argument("--only", choices=["acks", "posted"])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to use instead of SQLite (a database is created per server, "
        "then dropped), e.g. postgresql://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    multiprocessing.set_start_method("spawn")
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)  # everything here is local

    folder = Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    databases = Databases(folder, args.postgres)
    ours, theirs = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=serve_fake_slack, args=(theirs, args.channels))
    fake.start()
    hooks = f"http://127.0.0.1:{ours.recv()}"
    summary = []
    try:
        if args.only in (None, "acks"):
            summary += acks(args, databases, f"{hooks}/api/", hooks)
        if args.only in (None, "posted"):
            summary += stored_and_posted(args, databases, f"{hooks}/api/", hooks, ours)
    finally:
        ours.send("stop")
        fake.join(timeout=10)
        databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores at the end")
    for line in summary:
        print(line)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    raise SystemExit(main())
