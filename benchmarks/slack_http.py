"""Slack HTTP mode: the full /ask path against a bare slack-bolt app that only acknowledges.

Both servers get the same signed ``/ask`` slash-command requests (form-encoded,
``X-Slack-Signature`` v0) from 16 concurrent connections, in the same run:

* bare: a slack-bolt ``AsyncApp`` (signature check, dispatch) whose listener only acks;
* entraide: the Slack adapter in HTTP mode, with the core on a fresh SQLite database;
  each request is acknowledged first, then the question is stored, posted (to
  FakeSlack, the tests' local Slack) and confirmed through its ``response_url``.

Each server, FakeSlack and the load generator run in separate processes, so that
neither side's CPU is counted against the other. It prints requests/s and
p50/p99 of the acknowledgement for both, their ratio, the targets (at least 0.7x
the bare throughput, p99 under 100 ms), and how fast Entraide finished the work
behind the acks (questions stored and posted per second). It is a benchmark, not
a test: the exit code is 0 whatever the figures.

    python benchmarks/slack_http.py [--requests N] [--concurrency N]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

# FakeSlack and the signing helpers live with the tests; children need the root too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATIO = 0.7
TARGET_P99_MS = 100.0
WARM_UP = 50  # requests before measuring: connections, caches, first queries


@dataclass
class Run:
    name: str
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


# -- the servers (each in its own process) -----------------------------------


def serve_fake_slack(pipe: Connection) -> None:
    from tests.adapters.slack.fake_slack import FakeSlack

    async def main() -> None:
        fake = FakeSlack()
        await fake.start()
        fake.add_channel("C0HELP", "help")
        fake.add_channel("C0GENERAL", "general")
        fake.add_user("U0ALICE", "Alice")
        pipe.send(fake.port)
        await asyncio.to_thread(pipe.recv)  # until told to stop
        pipe.send((len(fake.posts("C0HELP")), len(fake.hooks)))
        await fake.stop()

    asyncio.run(main())


def serve_bare(pipe: Connection) -> None:
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.authorization import AuthorizeResult

    from tests.adapters.slack.payloads import SIGNING_SECRET

    async def authorize(enterprise_id, team_id) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-x")

    async def main() -> None:
        app = AsyncApp(signing_secret=SIGNING_SECRET, authorize=authorize)

        @app.command("/ask")
        async def ask(ack) -> None:
            await ack()

        async def handle(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await app.async_dispatch(await to_bolt_request(request))
            )

        server = web.Application()
        server.router.add_post("/slack/events", handle)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        pipe.send(runner.addresses[0][1])
        await asyncio.to_thread(pipe.recv)
        pipe.send(0.0)
        await runner.cleanup()

    asyncio.run(main())


def serve_entraide(pipe: Connection, database: str, api_url: str) -> None:
    from adapters.slack import SlackAdapter
    from adapters.slack.settings import SlackSettings as Slack
    from bot.clock import SystemClock
    from bot.core import Core
    from bot.domain import CommunitySettings
    from bot.prompts import load_library
    from bot.service import Entraide
    from storage.engine import create_engine
    from storage.migrate import upgrade
    from storage.store import Store
    from tests.adapters.slack.fake_slack import BOT_TOKEN
    from tests.adapters.slack.payloads import SIGNING_SECRET

    async def main() -> None:
        engine = create_engine(database)
        await upgrade(engine)
        settings = Slack(
            enabled=True,
            mode="http",
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            api_url=api_url,
            host="127.0.0.1",
        ).model_copy(update={"port": 0})
        core = Core(
            store=Store(engine),
            chat=None,  # the adapter's chat, set below
            clock=SystemClock(),
            library=load_library(),
            defaults=CommunitySettings(community_id="", help_channel="C0HELP"),
        )
        adapter = SlackAdapter(Entraide(core), settings)
        core.chat = adapter.chat
        await adapter.start()
        pipe.send(adapter.port)
        await asyncio.to_thread(pipe.recv)
        started = time.perf_counter()
        await adapter.stop()  # lets the acknowledged work finish
        pipe.send(time.perf_counter() - started)
        await engine.dispose()

    asyncio.run(main())


def start(target, *args) -> tuple[multiprocessing.Process, Connection, int]:
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=target, args=(theirs, *args), daemon=True)
    process.start()
    if not ours.poll(60):
        process.kill()
        raise RuntimeError(f"{target.__name__} did not start")
    return process, ours, ours.recv()


def finish(process: multiprocessing.Process, pipe: Connection):
    pipe.send("stop")
    result = pipe.recv()
    process.join(timeout=30)
    return result


# -- the load ----------------------------------------------------------------


async def load(name: str, port: int, requests: int, concurrency: int, hook_base: str) -> Run:
    from tests.adapters.slack.payloads import signature, slash_command

    url = f"http://127.0.0.1:{port}/slack/events"
    latencies: list[float] = []

    async def worker(session: aiohttp.ClientSession, numbers, measured: bool) -> None:
        for number in numbers:
            fields = slash_command(
                "/ask",
                f"How do I keep group {number} engaged in long sessions?",
                "U0ALICE",
                "C0GENERAL",
                f"{hook_base}/hooks/{number}",
            )
            body = urlencode(fields)
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature(body, timestamp),
            }
            began = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            if measured:
                latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await worker(session, range(WARM_UP), measured=False)
        numbers = iter(range(WARM_UP, WARM_UP + requests))  # shared: each is sent once
        began = time.perf_counter()
        await asyncio.gather(*(worker(session, numbers, True) for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    return Run(name, seconds, latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    multiprocessing.set_start_method("spawn")

    folder = Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    fake, fake_pipe, fake_port = start(serve_fake_slack)
    hooks = f"http://127.0.0.1:{fake_port}"

    bare, bare_pipe, bare_port = start(serve_bare)
    bare_run = asyncio.run(load("bare", bare_port, args.requests, args.concurrency, hooks))
    finish(bare, bare_pipe)

    try:
        database = f"sqlite:///{folder / 'bench.db'}"
        entraide, entraide_pipe, entraide_port = start(serve_entraide, database, f"{hooks}/api/")
        run = asyncio.run(load("entraide", entraide_port, args.requests, args.concurrency, hooks))
        drained = finish(entraide, entraide_pipe)
        posted, confirmed = finish(fake, fake_pipe)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"/ask over HTTP mode, {args.requests} requests, {args.concurrency} connections, SQLite")
    print(f"{'':32}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for label, result in (("bare bolt app (ack only)", bare_run), ("entraide /ask (ack)", run)):
        print(
            f"{label:32}{result.rate:>12.0f}{result.percentile(50):>10.1f}{result.percentile(99):>10.1f}"
        )
    ratio = run.rate / bare_run.rate
    p99 = run.percentile(99)
    print(
        f"ratio {ratio:.2f}x the bare app (target ≥ {TARGET_RATIO}x: "
        f"{'met' if ratio >= TARGET_RATIO else 'missed'}); "
        f"p99 {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if p99 < TARGET_P99_MS else 'missed'})"
    )
    total = args.requests + WARM_UP
    finished = run.seconds + drained
    print(
        f"work behind the acks: {posted}/{total} questions posted, {confirmed} askers told, "
        f"all done {drained:.2f} s after the last ack ({args.requests / finished:.0f} questions/s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
