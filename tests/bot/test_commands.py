"""A command kept as JSON (to be replayed by another instance) comes back the same."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.commands import (
    AcceptAnswer,
    Actor,
    Ask,
    ButtonPressed,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    SlashCommand,
    command_from_json,
    command_to_json,
)

texts = st.text()
maybe = st.none() | texts
actors = st.builds(
    Actor,
    texts,
    texts,
    texts,
    st.booleans(),
    st.booleans(),
    maybe,
    maybe,
)
options = st.none() | st.dictionaries(texts, texts | st.integers() | st.booleans(), max_size=4)
commands = st.one_of(
    st.builds(SlashCommand, actors, texts, texts, texts, maybe, options),
    st.builds(Ask, actors, texts, texts, texts, st.tuples(texts, texts), st.booleans(), maybe),
    st.builds(MessagePosted, actors, texts, texts, texts, maybe, maybe),
    st.builds(ReactionAdded, actors, texts, texts, texts, maybe, maybe),
    st.builds(ReactionRemoved, actors, texts, texts, texts, maybe, maybe),
    st.builds(ButtonPressed, actors, texts, texts, texts, maybe),
    st.builds(AcceptAnswer, actors, texts, texts, maybe),
)


@given(commands)
def test_a_command_kept_as_json_comes_back_the_same(command):
    stored = json.loads(json.dumps(command_to_json(command)))  # as the database gives it back
    assert command_from_json(stored) == command
