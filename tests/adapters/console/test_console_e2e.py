"""`entraide console` as a member would use it, run as a real process on a script, checked by `entraide export`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """\
alice: /entraide config help-channel #help
alice: /entraide config resources-channel #resources
alice: /entraide schedule prompts #practice monday 09:30 Europe/Paris
alice: /ask How do I keep learners engaged in long sessions? #engagement
bob: #1 Try short polls every 20 minutes
carol: +white_check_mark #2
alice: +white_check_mark #2
carol: /share https://Example.com/engagement?utm_source=news#top #engagement Great tips
bob: /share https://example.com/engagement #polls
dave: /search polls
:advance 1h
:channel #practice
erin: #5 I tried a silent brainstorm
frank: /ask Which whiteboard app do you use? #tools
:advance 24h
alice: /entraide stats
"""


def entraide(*args: str, cwd, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=True,
    )


def test_a_whole_community_session_in_the_console(tmp_path):
    run = entraide("console", "--start", "2026-11-23T08:00:00+00:00", cwd=tmp_path, stdin=SCRIPT)
    out = run.stdout
    assert "#1 [#help] entraide: *Q1 ·* *How do I keep learners engaged in long sessions?*" in out
    assert "#2 [#help ↳ #1] bob: Try short polls every 20 minutes" in out
    assert "Status: resolved" in out and "This answer by @bob was accepted" in out
    assert "@carol shared it first" in out and "Your tags were added: #polls" in out
    assert "🔒 entraide → dave: 2 result(s):" in out
    assert "#5 [#practice] entraide: *Practice sharing of the week*" in out
    assert "*Questions waiting for an answer*" in out  # the day's round-up
    assert "*Q2* Which whiteboard app do you use? (#7) · waiting for 24 h · #tools" in out
    assert "Which whiteboard app do you use?" in out
    assert "This month: 2 question(s), 50% answered." in out
    assert run.stderr == ""

    exported = json.loads(entraide("export", "--format", "json", cwd=tmp_path).stdout)
    [community] = exported["communities"]
    assert community["id"] == "console"
    first, second = community["questions"]
    assert first["status"] == "resolved" and first["tags"] == ["engagement"]
    [answer] = first["answers"]
    assert answer["author"] == "bob" and answer["helpful_count"] == 1 and answer["accepted"]
    assert first["accepted_answer_id"] == answer["id"]
    assert second["status"] == "open" and second["answers"] == []
    [resource] = community["resources"]
    assert resource["url"] == "https://example.com/engagement"
    assert resource["tags"] == ["engagement", "polls"] and resource["notes"] == ["Great tips"]
    assert resource["shared_by"] == "carol"
    [share] = community["practice_shares"]
    assert (
        share["author"] == "erin"
        and share["text"] == "I tried a silent brainstorm"
        and share["prompt_id"]
    )

    csv = entraide("export", "--format", "csv", cwd=tmp_path).stdout.splitlines()
    assert csv[0].startswith("community,record,id,parent_id")
    assert sum(line.startswith("console,answer,") for line in csv) == 1


def test_the_console_tells_what_it_does_not_understand(tmp_path):
    run = entraide("console", cwd=tmp_path, stdin="hello\nbob: #9 reply to nothing\n:dance\n")
    assert "start the line with a member's name" in run.stdout
    assert "there is no message #9" in run.stdout
    assert "unknown directive" in run.stdout
