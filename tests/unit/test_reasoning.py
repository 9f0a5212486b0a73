import pytest

from codepal.client.reasoning import ThinkSplitter, split_thinking


@pytest.mark.parametrize(
    ("text", "starts", "thinking", "answer"),
    [
        ("<think>hmm</think>answer", False, "hmm", "answer"),
        ("  <think>\nhmm\n</think>\n\nanswer", False, "\nhmm\n", "\n\nanswer"),
        ("hmm</think>answer", True, "hmm", "answer"),  # template already opened <think>
        ("plain answer", False, "", "plain answer"),
        ("never ends", True, "never ends", ""),
        ("a < b and </thin", True, "a < b and </thin", ""),
    ],
)
def test_split_whole(text: str, starts: bool, thinking: str, answer: str) -> None:
    assert split_thinking(text, starts) == (thinking, answer)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_tags_split_across_chunks(size: int) -> None:
    text = "<think>step one</think>the answer"
    splitter = ThinkSplitter()
    thinking, answer = "", ""
    for i in range(0, len(text), size):
        t, a = splitter.feed(text[i : i + size])
        thinking, answer = thinking + t, answer + a
    t, a = splitter.flush()
    assert (thinking + t, answer + a) == ("step one", "the answer")
    assert splitter.seen_close
