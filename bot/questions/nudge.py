"""Ask the asker: a question with answers but none accepted, ``nudge_after`` after the
first answer they were not asked about, gets its asker one private message listing the
answers (author, excerpt, helpful count) with an *Accept* button for each, and *Still open*;
not in the asker's quiet hours (it goes when they end).

Anonymous askers are asked the same way: the message is private. A nudge is recorded under
(question, number of answers) in the unit of work that queues it: once per question, and
again only after a new answer.
"""

from __future__ import annotations

from datetime import datetime

from bot import delivery
from bot.context import Context
from bot.core import Core
from bot.delivery import NUDGE, Subject
from bot.domain import Answer, Delivery, Question, QuestionStatus
from bot.errors import UserError
from bot.i18n import spans, t
from bot.localtime import quiet_until, zone_or
from bot.ports import Transaction
from bot.questions.answers import ACCEPT
from bot.replies import Button, ButtonStyle, Line, Message, bold, italic, plain, private
from bot.text import excerpt

STILL_OPEN = "nudge:still-open"
ANSWERS_SHOWN = 10  # the latest ones, when there are more


async def queue_nudges(core: Core, now: datetime) -> int:
    """Ask the askers whose answers have waited ``nudge_after``, out of their quiet hours;
    return how many were asked."""
    async with core.store.transaction() as tx:
        due = [q for q, since in await tx.nudges.pending() if since + core.nudge_after <= now]
    asked = 0
    for question in due:
        async with core.store.transaction() as tx:
            current = await tx.questions.get(question.community_id, question.id)
            if current is None or current.status is not QuestionStatus.ANSWERED:
                continue
            if not current.asker_id or await _asleep(core, tx, current, now) > now:
                continue
            answers = await tx.questions.answers(current.community_id, current.id)
            nudge = await tx.nudges.add(current.community_id, current.id, len(answers), now)
            if nudge is None:
                continue  # another instance asked
            await delivery.private(
                core,
                tx,
                current.community_id,
                current.asker_id,
                f"nudge:{nudge.id}",
                subject=NUDGE,
                subject_id=nudge.id,
            )
            asked += 1
    return asked


async def _asleep(core: Core, tx: Transaction, question: Question, moment: datetime) -> datetime:
    """When the asker's quiet hours, in their zone, let a nudge due at ``moment`` go."""
    settings = await core.settings(tx, question.community_id)
    asker = question.asker_id or ""
    profile = (await tx.communities.profiles(question.community_id, [asker])).get(asker)
    tz = zone_or(profile.timezone if profile else None, settings.timezone)
    return quiet_until(core.quiet_hours, moment, tz)


async def next_nudge(core: Core, tx: Transaction, now: datetime) -> datetime | None:
    later = [
        await _asleep(core, tx, question, max(since + core.nudge_after, now))
        for question, since in await tx.nudges.pending()
    ]
    later = [moment for moment in later if moment > now]
    return min(later) if later else None


def nudge_message(
    language: str, question: Question, answers: list[Answer], names: dict[str, str], nudge_id: int
) -> Message:
    shown = answers[-ANSWERS_SHOWN:]
    first = len(answers) - len(shown) + 1
    lines: list[Line] = [
        spans(language, "nudge.intro", title=bold(question.title), count=len(answers))
    ]
    buttons = []
    for number, answer in enumerate(shown, start=first):
        author = names.get(answer.author_id or "", "") or t(language, "nudge.someone")
        lines.append(
            (
                bold(f"{number}. {author}"),
                plain(": "),
                italic(excerpt(answer.text, 150)),
                plain(" · "),
                *spans(language, "nudge.helpful", count=answer.helpful_count),
            )
        )
        buttons.append(
            Button(
                t(language, "button.accept_number", number=number),
                ACCEPT,
                str(answer.id),
                ButtonStyle.PRIMARY,
            )
        )
    lines.append(spans(language, "nudge.how"))
    buttons.append(Button(t(language, "button.still_open"), STILL_OPEN, str(nudge_id)))
    return Message(
        title=(bold(t(language, "nudge.title", number=question.id)),),
        lines=tuple(lines),
        buttons=tuple(buttons),
        refers_to=question.message_id,
    )


async def _render_nudge(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """The answers as they are when it is sent; nothing once the question was resolved."""
    nudge = await tx.nudges.get(queued.community_id, queued.subject_id or 0)
    question = await tx.questions.get(nudge.community_id, nudge.question_id) if nudge else None
    if nudge is None or question is None or question.status is not QuestionStatus.ANSWERED:
        return None
    answers = await tx.questions.answers(question.community_id, question.id)
    if not answers or not question.asker_id:
        return None
    settings = await core.settings(tx, question.community_id)
    language = await core.member_language(tx, settings, question.asker_id)
    names = await tx.communities.member_names(
        question.community_id, [a.author_id for a in answers if a.author_id]
    )
    return nudge_message(language, question, answers, names, nudge.id)


NUDGE_MESSAGE = Subject(render=_render_nudge)


async def still_open(ctx: Context, nudge_id: int) -> Message:
    """*Still open*: the asker read the answers and none solved it; it is noted (history)."""
    nudge = await ctx.tx.nudges.get(ctx.community_id, nudge_id)
    question = await ctx.tx.questions.get(ctx.community_id, nudge.question_id) if nudge else None
    if nudge is None or question is None:
        raise UserError("error.unknown_question")
    if question.asker_id != ctx.actor.member_id:
        raise UserError("error.not_your_question")
    await ctx.tx.nudges.still_open(ctx.community_id, nudge.id, ctx.now)
    return private(spans(ctx.language, "nudge.still_open", number=question.id))
