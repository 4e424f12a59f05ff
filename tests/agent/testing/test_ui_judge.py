"""Reading the judge's answers the way served open models really write them, without eval."""

from __future__ import annotations

import pytest
from PIL import Image
from pydantic import BaseModel

from anyres_agent.agent.testing.judge import (
    JUDGE_MARKER,
    JudgeAnswerError,
    assert_messages,
    parse_query,
    parse_verdict,
    query_messages,
    read_json,
)
from anyres_agent.model.conversation import ImagePart


@pytest.mark.parametrize(
    ("answer", "result", "reason"),
    [
        ('{"result": true, "reason": "the banner reads Hello Ada"}', True, "the banner reads Hello Ada"),
        ('```json\n{"result": false, "reason": "it says Hello Bob"}\n```', False, "it says Hello Bob"),
        ("{'result': False, 'reason': 'no banner'}", False, "no banner"),
        ('Sure! {"Result": "yes", "reason": "visible",}<|im_end|>', True, "visible"),
        ('{"answer": true, "explanation": "a {curly} reason"}', True, "a {curly} reason"),
        ("No. The page shows an error.", False, "The page shows an error"),
        ("true", True, ""),
    ],
)
def test_verdicts_are_read_from_many_shapes(answer: str, result: bool, reason: str) -> None:
    verdict = parse_verdict(answer)
    assert (verdict.result, verdict.reason) == (result, reason)


@pytest.mark.parametrize("answer", ["I cannot tell.", '{"result": "maybe"}', "", "[1, 2]"])
def test_unreadable_verdicts_raise_with_the_raw_answer(answer: str) -> None:
    with pytest.raises(JudgeAnswerError, match="the model answered") as caught:
        parse_verdict(answer)
    assert caught.value.raw == answer


class Item(BaseModel):
    name: str
    price: float


def test_query_values_are_validated_as_the_asked_type() -> None:
    assert parse_query('{"result": 3}', int) == 3
    assert parse_query('{"result": "3"}', int) == 3
    assert parse_query("3", int) == 3
    assert parse_query("Hello Ada", str) == "Hello Ada"
    assert parse_query('{"result": ["a", "b"]}', list[str]) == ["a", "b"]
    assert parse_query('```json\n{"result": {"name": "Tea", "price": 2.5}}\n```', Item) == Item(
        name="Tea", price=2.5
    )
    assert parse_query('{"name": "Tea", "price": 2.5}', Item) == Item(name="Tea", price=2.5)


def test_a_query_answer_of_the_wrong_type_says_what_was_expected() -> None:
    with pytest.raises(JudgeAnswerError, match=r"expected a value matching \{'type': 'integer'\}"):
        parse_query('{"result": "three"}', int)


def test_read_json_finds_the_first_value_and_never_evaluates_code() -> None:
    assert read_json('The answer is {"result": [1, 2]} as shown.') == {"result": [1, 2]}
    with pytest.raises(ValueError):
        read_json("__import__('os').system('echo owned')")


def test_prompts_carry_the_image_the_statement_and_the_schema() -> None:
    image = Image.new("RGB", (56, 56))
    messages = assert_messages("the banner says Hello Ada", image)
    assert JUDGE_MARKER in messages[0].plain_text()
    assert any(isinstance(p, ImagePart) and p.image is image for p in messages[1].content)
    assert "Statement: the banner says Hello Ada" in messages[1].plain_text()
    schema_text = query_messages("what is for sale?", Item, image)[1].plain_text()
    assert '"price":{"type":"number"}' in schema_text


@pytest.mark.parametrize(
    "junk",
    [
        "(" + "1, " * 350_000 + ")",  # a huge tuple: ast.literal_eval took seconds on this
        "[" + "1, " * 350_000 + "]",
        "{" * 1_000_000,
        "x" * 1_000_000,
    ],
    ids=["tuple", "list", "braces", "letters"],
)
def test_a_one_megabyte_junk_answer_is_rejected_quickly_with_the_judges_error(junk: str) -> None:
    import time

    start = time.thread_time()  # this thread's CPU time: a loaded machine cannot inflate it
    with pytest.raises(JudgeAnswerError, match=r'expected \{"result": true\|false') as caught:
        parse_verdict(junk)
    with pytest.raises(JudgeAnswerError, match="expected a value matching"):
        parse_query(junk, int)
    assert time.thread_time() - start < 1.0
    assert caught.value.raw == junk
    assert len(str(caught.value)) < 1_000  # the message quotes a bounded part of the answer


def test_bare_words_in_brackets_are_not_values_so_the_json_after_them_is_read() -> None:
    assert read_json('I see [the banner]. {"result": true, "reason": "it is there"}') == {
        "result": True,
        "reason": "it is there",
    }
    assert parse_verdict("{'result': True, 'reason': None,}").result is True
