"""The prompt library: shipped content, checks, choice without repeats, `entraide prompts check`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.prompts import LibraryError, load_library


def test_the_shipped_library_has_a_year_of_prompts_in_both_languages():
    library = load_library()
    assert len(library.prompts) >= 52
    assert len(library.theme_names) >= 6
    for prompt in library.prompts:
        assert (
            prompt.texts["fr"] and prompt.texts["en"] and prompt.texts["fr"] != prompt.texts["en"]
        )


def test_consecutive_prompts_change_theme():
    themes = [p.theme for p in load_library().prompts[:6]]
    assert len(set(themes)) == 6


def test_no_repeat_until_the_library_is_exhausted_then_least_recent_first():
    library = load_library()
    used: list[str] = []
    for _ in library.prompts:
        used.append(library.next_prompt(used).id)
    assert len(set(used)) == len(library.prompts)
    assert library.next_prompt(used).id == used[0]
    assert library.next_prompt(used + [used[0]]).id == used[1]


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_a_broken_library_is_refused_with_every_problem_named(tmp_path):
    write(
        tmp_path,
        "a.toml",
        'theme = "a"\n[name]\nfr = "A"\nen = "A"\n[[prompt]]\nid = "a-1"\nfr = "Bonjour ?"\n',
    )
    write(
        tmp_path,
        "b.toml",
        'theme = "b"\n[name]\nfr = "B"\nen = "B"\n[[prompt]]\nid = "a-1"\nfr = "x"\nen = "y"\n',
    )
    write(tmp_path, "c.toml", "theme = [broken")
    with pytest.raises(LibraryError) as error:
        load_library(tmp_path)
    message = str(error.value)
    assert "a.toml: prompt 1 (a-1): no 'en' text" in message
    assert "'a-1' is used twice" in message
    assert "c.toml: not valid TOML" in message
    assert "at least 52" in message


def test_prompts_check_command(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "prompts", "check"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "French and English" in ok.stdout
    write(tmp_path, "a.toml", 'theme = "a"\n')
    bad = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "prompts", "check", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "at least 52" in bad.stderr
