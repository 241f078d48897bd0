"""``entraide export``: a community's knowledge as JSON or CSV (schema in the README)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from bot.ports import Transaction

EXPORT_VERSION = 1
CSV_COLUMNS = (
    "community",
    "record",
    "id",
    "parent_id",
    "created_at",
    "author",
    "title",
    "text",
    "tags",
    "status",
    "helpful_count",
    "accepted",
    "url",
    "notes",
    "upvotes",
    "close_reason",
    "duplicate_of",
)


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…), DDE);
# a leading ' makes it show the text instead. JSON is not opened that way: it keeps the text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def community_knowledge(tx: Transaction, community_id: str) -> dict:
    """Questions with their answers, resources, practice shares; anonymous askers stay anonymous."""
    questions = []
    for question in await tx.questions.all(community_id):
        answers = await tx.questions.answers(community_id, question.id)
        questions.append(
            {
                "id": question.id,
                "title": question.title,
                "details": question.details,
                "tags": list(question.tags),
                "status": question.status.value,
                "anonymous": question.anonymous,
                "asker": None if question.anonymous else question.asker_id,
                "channel": question.channel_id,
                "created_at": _time(question.created_at),
                "first_answer_at": _time(question.first_answer_at),
                "resolved_at": _time(question.resolved_at),
                "accepted_answer_id": question.accepted_answer_id,
                "close_reason": question.close_reason.value if question.close_reason else None,
                "duplicate_of": question.duplicate_of,
                "answers": [
                    {
                        "id": answer.id,
                        "author": answer.author_id,
                        "text": answer.text,
                        "created_at": _time(answer.created_at),
                        "helpful_count": answer.helpful_count,
                        "accepted": answer.id == question.accepted_answer_id,
                    }
                    for answer in answers
                ],
            }
        )
    resources = [
        {
            "id": r.id,
            "url": r.url,
            "title": r.title,
            "tags": list(r.tags),
            "notes": list(r.notes),
            "shared_by": r.shared_by,
            "created_at": _time(r.created_at),
            "upvotes": r.upvotes,
        }
        for r in await tx.resources.all(community_id)
    ]
    shares = []
    for share in await tx.practice.all_shares(community_id):
        shares.append(
            {
                "id": share.id,
                "prompt_id": share.prompt_id,
                "author": share.author_id,
                "text": share.text,
                "created_at": _time(share.created_at),
            }
        )
    return {
        "id": community_id,
        "questions": questions,
        "resources": resources,
        "practice_shares": shares,
    }


def to_json(communities: list[dict], exported_at: datetime) -> str:
    document = {
        "version": EXPORT_VERSION,
        "exported_at": _time(exported_at),
        "communities": communities,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


class _NeutralisingWriter(csv.DictWriter):
    def writerow(self, rowdict):
        return super().writerow({key: _csv_cell(value) for key, value in rowdict.items()})


def to_csv(communities: list[dict]) -> str:
    """One row per record; ``record`` says which (question, answer, resource, practice_share)."""
    out = io.StringIO()
    writer = _NeutralisingWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for community in communities:
        base = {"community": community["id"]}
        for q in community["questions"]:
            writer.writerow(
                base
                | {
                    "record": "question",
                    "id": q["id"],
                    "created_at": q["created_at"],
                    "author": q["asker"] or "",
                    "title": q["title"],
                    "text": q["details"],
                    "tags": " ".join(q["tags"]),
                    "status": q["status"],
                    "close_reason": q["close_reason"] or "",
                    "duplicate_of": q["duplicate_of"] or "",
                }
            )
            for a in q["answers"]:
                writer.writerow(
                    base
                    | {
                        "record": "answer",
                        "id": a["id"],
                        "parent_id": q["id"],
                        "created_at": a["created_at"],
                        "author": a["author"] or "",
                        "text": a["text"],
                        "helpful_count": a["helpful_count"],
                        "accepted": str(a["accepted"]).lower(),
                    }
                )
        for r in community["resources"]:
            writer.writerow(
                base
                | {
                    "record": "resource",
                    "id": r["id"],
                    "created_at": r["created_at"],
                    "author": r["shared_by"] or "",
                    "title": r["title"],
                    "tags": " ".join(r["tags"]),
                    "url": r["url"],
                    "notes": " | ".join(r["notes"]),
                    "upvotes": r["upvotes"],
                }
            )
        for s in community["practice_shares"]:
            writer.writerow(
                base
                | {
                    "record": "practice_share",
                    "id": s["id"],
                    "created_at": s["created_at"],
                    "author": s["author"] or "",
                    "title": s["prompt_id"] or "",
                    "text": s["text"],
                }
            )
    return out.getvalue()
