"""The ``entraide`` command: console, demo, run, db upgrade, prompts check, export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import ManualClock, SystemClock
from bot.prompts import LibraryError, load_library
from bot.runtime.logs import configure as configure_logs
from bot.runtime.settings import ConfigError, Settings, load_settings

log = logging.getLogger("entraide")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "action", None):
        parser.print_help()
        return 0
    try:
        settings = load_settings(_config_path(args))
    except ConfigError as error:
        print(f"entraide: {error}", file=sys.stderr)
        return 2
    if args.database_url:
        settings.database_url = args.database_url
    configure_logs(settings.log_level, settings.log_format, settings.secrets())
    try:
        return args.action(args, settings)
    except (LibraryError, ConfigError) as error:
        print(f"entraide: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _config_path(args) -> Path | None:
    if args.config:
        return Path(args.config)
    if os.environ.get("ENTRAIDE_CONFIG"):
        return Path(os.environ["ENTRAIDE_CONFIG"])
    default = Path("entraide.toml")
    return default if default.is_file() else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="entraide",
        description="Entraide: peer help, practice-sharing prompts and shared resources for learning communities.",
    )
    parser.add_argument(
        "--config",
        help="TOML configuration file (default: ./entraide.toml if present, or $ENTRAIDE_CONFIG)",
    )
    parser.add_argument(
        "--database-url", help="overrides database_url (also $ENTRAIDE_DATABASE_URL)"
    )
    commands = parser.add_subparsers(title="commands")

    console = commands.add_parser("console", help="chat with the bot locally (SQLite, no token)")
    console.add_argument("--start", help="ISO instant the simulated clock starts at (default: now)")
    console.add_argument(
        "--demo", action="store_true", help="first fill a fresh database with a generated quarter"
    )
    console.set_defaults(action=_console)

    demo = commands.add_parser(
        "demo",
        help="a generated quarter of a 40-member community in a fresh SQLite file, then the console",
    )
    demo.add_argument(
        "--file", default="entraide-demo.db", help="the SQLite file (default: entraide-demo.db)"
    )
    demo.set_defaults(action=_demo, demo=True)

    run = commands.add_parser("run", help="run the enabled platforms and the scheduler")
    run.set_defaults(action=_run)

    discord = commands.add_parser(
        "discord", help="Discord: register the slash commands"
    ).add_subparsers(title="discord commands")
    sync = discord.add_parser(
        "sync", help="register the slash commands with Discord (not done at start)"
    )
    sync.add_argument("--guild", type=int, help="one server's id: the commands show there at once")
    sync.set_defaults(action=_discord_sync)

    db = commands.add_parser("db", help="database schema").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="migrate the database to the current schema").set_defaults(
        action=_db_upgrade
    )

    prompts = commands.add_parser(
        "prompts", help="the practice-sharing prompt library"
    ).add_subparsers(title="prompts commands")
    check = prompts.add_parser("check", help="validate the prompt library")
    check.add_argument(
        "--dir", help="a folder of prompt TOML files (default: the installed library)"
    )
    check.set_defaults(action=_prompts_check)

    export = commands.add_parser("export", help="write a community's knowledge as JSON or CSV")
    export.add_argument("--community", help="one community id (default: every community)")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(action=_export)
    return parser


def _console(args, settings: Settings) -> int:
    from bot.runtime.console import run_console

    if args.demo:
        return _demo(args, settings)
    start = _parse_instant(args.start or settings.console.start)
    return asyncio.run(run_console(settings, ManualClock(start), interactive=sys.stdin.isatty()))


def _demo(args, settings: Settings) -> int:
    """A fresh SQLite file: the demo never writes into a database that holds real data."""
    from bot.runtime.console import run_console

    path = Path(getattr(args, "file", None) or "entraide-demo.db")
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    settings.database_url = f"sqlite:///{path}"
    end = _parse_instant(getattr(args, "start", None) or settings.console.start)
    return asyncio.run(
        run_console(settings, ManualClock(end), interactive=sys.stdin.isatty(), demo=True)
    )


def _run(args, settings: Settings) -> int:
    from bot.runtime.run import run

    return asyncio.run(run(settings))


def _discord_sync(args, settings: Settings) -> int:
    import discord

    from adapters.discord.sync import sync_commands

    try:
        names = asyncio.run(sync_commands(settings.discord, args.guild))
    except discord.LoginFailure:
        print("entraide: Discord refused the token: check ENTRAIDE_DISCORD__TOKEN", file=sys.stderr)
        return 2
    where = f"server {args.guild}" if args.guild else "every server (it can take a while to show)"
    print(f"registered {', '.join(names)} for {where}")
    return 0


def _parse_instant(text: str | None) -> datetime:
    if not text:
        return SystemClock().now().replace(second=0, microsecond=0)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"console.start: {text!r} is not an ISO date and time") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _db_upgrade(args, settings: Settings) -> int:
    from storage.engine import create_engine
    from storage.migrate import upgrade

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("database schema is up to date")
    return 0


def _prompts_check(args, settings: Settings) -> int:
    library = load_library(Path(args.dir) if args.dir else None)
    themes = ", ".join(sorted(library.theme_names))
    print(
        f"{len(library.prompts)} prompts in {len(library.theme_names)} themes ({themes}): all have French and English texts"
    )
    return 0


def _export(args, settings: Settings) -> int:
    from bot.export import community_knowledge, to_csv, to_json
    from storage.engine import create_engine
    from storage.store import Store

    async def run() -> list[dict]:
        store = Store(create_engine(settings.database_url))
        try:
            # One snapshot: what members write meanwhile is in the next export, whole.
            async with store.transaction(reading=True, long=True, snapshot=True) as tx:
                ids = [args.community] if args.community else await tx.communities.ids()
                return [await community_knowledge(tx, community_id) for community_id in ids]
        finally:
            await store.engine.dispose()

    communities = asyncio.run(run())
    text = (
        to_json(communities, SystemClock().now()) if args.format == "json" else to_csv(communities)
    )
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
