"""/search: resolved questions with their accepted answers, shares and resources together."""

from __future__ import annotations


async def resolve(community, asker: str, title: str, answerer: str, answer: str) -> None:
    card = await community.ask(asker, title)
    reply = await community.reply(answerer, card, answer)
    await community.react(asker, reply, "white_check_mark")


async def test_each_question_found_comes_with_its_own_accepted_answer(community):
    await resolve(community, "alice", "Polls for remote learners?", "bob", "Slido works well")
    await resolve(community, "carol", "Show of hands in a large lecture?", "dave", "Paper polls")
    await community.command("erin", "share", "https://example.com/polls #polls Live polls compared")
    text = (await community.command("frank", "search", "polls")).plain_text()
    lines = text.splitlines()
    remote = next(i for i, line in enumerate(lines) if "Polls for remote learners?" in line)
    lecture = next(i for i, line in enumerate(lines) if "Show of hands in a large lecture?" in line)
    assert "Slido works well" in lines[remote + 1]
    assert "Paper polls" in lines[lecture + 1]
    assert (
        "https://example.com/polls" in text and "#polls" in text and "Live polls compared" in text
    )
