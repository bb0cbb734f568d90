"""Tests for incidex.clean: paragraphs, sentences, boilerplate and repeats, offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidex.clean import (
    MAX_SENTENCE_CHARS,
    boilerplate_rules,
    clean,
    parse_boilerplate,
    split_sentences,
)
from incidex.errors import ResourceError
from incidex.records import CleanDocument, Document

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]

BODY = (
    "Gunmen killed five people at a market in the fictional town of Eastfold on Monday, police said.\n"
    "The attackers fled on motorcycles towards the forest.\n"
    "No group has claimed responsibility for the attack."
)


def run(text: str) -> CleanDocument:
    return clean(Document(doc_id="t", text=text))


def texts(text: str) -> list[str]:
    return [s.text for s in run(text).sentences]


def reasons(text: str) -> list[str]:
    return [reason for _, _, reason in run(text).dropped]


def check_offsets(doc: Document, result: CleanDocument) -> None:
    """The invariants every cleaned document keeps."""
    text = doc.text
    covered = [False] * len(text)
    last_end = 0
    for s in result.sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip(), "sentences exclude surrounding whitespace"
        assert s.start >= last_end, "sentences are in order and do not overlap"
        last_end = s.end
        for i in range(s.start, s.end):
            covered[i] = True
    for start, end, reason in result.dropped:
        assert 0 <= start < end <= len(text)
        assert reason
        for i in range(start, end):
            assert not (covered[i] and not text[i].isspace()), "dropped text is not also kept"
            covered[i] = True
    missing = [i for i, ch in enumerate(text) if not covered[i] and not ch.isspace()]
    assert not missing, f"characters neither kept nor dropped: {[text[i] for i in missing][:10]}"
    paragraphs = [s.paragraph for s in result.sentences]
    assert paragraphs == sorted(paragraphs)
    assert not paragraphs or (paragraphs[0] == 0 and set(paragraphs) == set(range(paragraphs[-1] + 1)))


# ---------------------------------------------------------------------------------------------
# Repeated passages


def test_body_printed_twice_keeps_each_sentence_once() -> None:
    text = BODY + "\n\n" + BODY + "\n"
    result = run(text)
    assert [s.text for s in result.sentences] == [
        "Gunmen killed five people at a market in the fictional town of Eastfold on Monday, police said.",
        "The attackers fled on motorcycles towards the forest.",
        "No group has claimed responsibility for the attack.",
    ]
    second = text.index(BODY, 1)
    assert all(s.end <= len(BODY) for s in result.sentences), "the first copy is the one kept"
    assert (second, second + len(BODY), "repeated-paragraph") in result.dropped
    check_offsets(result.document, result)


def test_body_repeated_inside_one_paragraph_keeps_each_sentence_once() -> None:
    one_line = BODY.replace("\n", " ")
    got = texts(one_line + " " + one_line)
    assert len(got) == 3
    assert len(set(got)) == 3


def test_repeated_paragraph_is_dropped_and_the_rest_kept() -> None:
    text = (
        "Two soldiers were wounded in a roadside blast near Northgate on Friday.\n\n"
        "Officials said the wounded were in a stable condition.\n\n"
        "The army said it would send more troops to the district.\n\n"
        "Officials said the wounded were in a stable condition.\n"
    )
    result = run(text)
    assert [s.text for s in result.sentences] == [
        "Two soldiers were wounded in a roadside blast near Northgate on Friday.",
        "Officials said the wounded were in a stable condition.",
        "The army said it would send more troops to the district.",
    ]
    assert [r for *_, r in result.dropped] == ["repeated-paragraph"]


def test_repeats_compare_case_whitespace_and_end_punctuation_insensitively() -> None:
    got = texts("Three people were killed in the blast.\n\nTHREE people  were killed in the blast")
    assert got == ["Three people were killed in the blast."]


def test_short_repeated_sentence_is_dropped_after_its_first_use() -> None:
    text = "Gunmen stormed the hotel at dawn. He said so. Police arrived an hour later. He said so."
    assert texts(text) == [
        "Gunmen stormed the hotel at dawn.",
        "He said so.",
        "Police arrived an hour later.",
    ]
    assert reasons(text) == ["repeated-sentence"]


def test_headline_repeated_as_caption_is_dropped_once() -> None:
    text = "Bomb kills six in Southport\n\nBomb kills six in Southport\n\nA bomb killed six people on Sunday."
    assert texts(text) == ["Bomb kills six in Southport", "A bomb killed six people on Sunday."]


# ---------------------------------------------------------------------------------------------
# Boilerplate


def test_web_page_furniture_is_dropped_and_the_report_kept() -> None:
    text = (FIXTURES / "webpage.txt").read_text(encoding="utf-8")
    result = run(text)
    assert [s.text for s in result.sentences] == [
        "Police post attacked in fictional Westmarch province",
        "WESTMARCH, Ruritania (EW) — Gunmen attacked a police post in the fictional Westmarch province late "
        "on Monday, killing four officers and wounding two others, a provincial spokesman said.",
        "The attackers, who arrived on foot, set fire to two vehicles before fleeing, "
        "Sgt. Paul Doe told reporters.",
        "Mr. Doe said the post had been attacked twice before.",
        "No group has claimed responsibility for the attack.",
    ]
    assert [r for *_, r in result.dropped] == [
        "byline",
        "date-line",
        "link-list",
        "image-credit",
        "share",
        "advert",
        "read-more",
        "copyright",
    ]
    check_offsets(result.document, result)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("World | Africa | Sport | Weather", "link-list"),
        ("Home • News • Africa", "link-list"),
        ("Home / World / Africa / Gunmen attack market", "link-list"),
        ("Share on Facebook | Share on Twitter | Email", "share"),
        ("Tweet Email Print", "share"),
        ("Share:", "share"),
        ("Read more", "read-more"),
        ("Read more: Floods hit coastal villages", "read-more"),
        ("Related: Election date announced", "read-more"),
        ("Click here to watch the video", "read-more"),
        ("Continue reading on Example News", "read-more"),
        ("Subscribe to our newsletter", "subscribe"),
        ("Advertisement", "advert"),
        ("ADVERTISEMENT", "advert"),
        ("Copyright 2021 Example Media Ltd", "copyright"),
        ("© 2021 Example Media. All rights reserved.", "copyright"),
        ("We use cookies to give you the best experience on our site.", "cookies"),
        ("By John Smith", "byline"),
        ("By Jane Roe and Tom Poe / Example Wire", "byline"),
        ("BY JOHN SMITH", "byline"),
        ("Written by Staff", "byline"),
        ("Photo: AFP", "image-credit"),
        ("Photo: A burned car outside the station / AFP", "image-credit"),
        ("Image caption,", "image-credit"),
        ("March 3, 2020", "date-line"),
        ("Wednesday, 16 April 2014", "date-line"),
        ("Updated: March 29, 2013 11:33 IST", "date-line"),
        ("24 Aug, 2015 5:20 pm", "date-line"),
        ("2021-06-05", "date-line"),
        ("Leave a Reply", "comments"),
        ("3 min read", "navigation"),
        ("— Jane Roe (@janeroe) May 23, 2017", "embed"),
    ],
)
def test_boilerplate_line_is_dropped(line: str, reason: str) -> None:
    text = f"{BODY}\n\n{line}\n\nThe town was calm on Tuesday, residents said."
    result = run(text)
    assert line not in [s.text for s in result.sentences]
    start = text.index(line)
    assert (start, start + len(line), reason) in result.dropped
    assert result.sentences[-1].text == "The town was calm on Tuesday, residents said."


@pytest.mark.parametrize(
    "line",
    [
        "Gunmen Kill 12 In Attack On Eastfold Village",  # a headline, title-cased
        "Twin blasts kill 9 in Southport",
        "By Monday, 20 people had died of their wounds.",
        "Related violence killed 12 people in the province last year.",
        "Share prices fell after the attack on the port.",
        "Photographs showed at least 12 bodies in the street.",
        "Click farms were not involved, the minister said.",
        "March 3, 2020 was the deadliest day of the year, with 40 killed.",
        "Police chief | Eastfold",  # two items: not a link list
        "Advertisement boards were set on fire by the crowd.",
        "Home guards repelled the attack on the village.",
    ],
)
def test_news_lines_that_resemble_boilerplate_are_kept(line: str) -> None:
    text = f"{BODY}\n\n{line}"
    assert line in texts(text)


def test_headline_is_kept() -> None:
    text = "Suicide bomber kills 14 at Northgate checkpoint\n\nA suicide bomber killed 14 soldiers on Sunday."
    assert texts(text)[0] == "Suicide bomber kills 14 at Northgate checkpoint"


def test_related_links_block_after_the_article_is_dropped() -> None:
    text = (
        f"{BODY}\n\nPopular posts from this blog\n\nFloods hit coastal villages\n\n"
        "Election date announced for spring\n\nMinister resigns over budget row\n"
    )
    result = run(text)
    assert [s.text for s in result.sentences] == texts(BODY)
    assert {r for *_, r in result.dropped} == {"related-links"}


def test_related_links_block_ends_at_prose() -> None:
    last = "The curfew will stay in place until Friday, officials said."
    text = f"{BODY}\n\nMore stories\n\nFloods hit coastal villages\n\n{last}"
    got = texts(text)
    assert "Floods hit coastal villages" not in got
    assert got[-1] == last


def test_section_label_at_the_top_does_not_drop_the_headline() -> None:
    text = (
        "Latest News\n\nRebels shell market in Eastfold, killing 10\n\nRebels shelled a market on Thursday."
    )
    assert texts(text) == [
        "Rebels shell market in Eastfold, killing 10",
        "Rebels shelled a market on Thursday.",
    ]


def test_date_stamp_prefix_is_dropped_and_the_sentence_kept() -> None:
    text = " date 2019-02-14 At least 40 officers were killed in a bombing on Thursday."
    result = run(text)
    assert [s.text for s in result.sentences] == [
        "At least 40 officers were killed in a bombing on Thursday."
    ]
    assert result.dropped[0][2] == "date-stamp"


def test_read_more_marker_is_dropped_but_the_teaser_headline_kept() -> None:
    text = f"{BODY}\nRead More »Twin blasts kill 9 in Southport\nNine people were killed in two blasts."
    got = texts(text)
    assert "Twin blasts kill 9 in Southport" in got
    assert "read-more" in reasons(text)


def test_punctuation_only_lines_are_dropped() -> None:
    assert reasons(f"{BODY}\n-\n•\n") == ["no-text"]


# ---------------------------------------------------------------------------------------------
# Sentences


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Smith said Dr. Jones and Gen. Brown met Lt. Col. Green and Sgt. White in St. Louis.",
        "Capt. Doe, Gov. Roe and Sen. Poe met Rep. Moe and Brig. Gen. Hill on the base.",
        "The U.S. Embassy and the U.N. mission said the U.K. would help.",
        "The attack happened on Jan. 5 and again on Aug. 9, Sept. 11 and Dec. 16 last year.",
        "He lives at No. 5 Station Road, opposite the market, neighbours said.",
        "The bomb exploded at 8.50am, and the toll rose to 3.5 times the first figure.",
        "Gunmen struck at 10 a.m. Monday and again at 9 p.m. local time, police said.",
        "Gunmen struck around 10 a.m. (9 p.m. Monday PT), police said.",
        "Witness J. Smith saw the attackers, the court heard.",
        "KABUL, Afghanistan (AP) — Gunmen killed five people at a checkpoint on Monday.",
        "NARATHIWAT — A ranger was killed by a roadside bomb on Tuesday.",
        "The match was Eastfold vs. Westfold, and it ended in a riot.",
        "Kharkiv, March 3, 2016. At least five residents were killed by shelling.",
    ],
)
def test_sentence_is_not_split(sentence: str) -> None:
    assert texts(sentence) == [sentence]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Two bombs killed 31 people in Basra on Friday.A suicide bombing was claimed by the group.",
            [
                "Two bombs killed 31 people in Basra on Friday.",
                "A suicide bombing was claimed by the group.",
            ],
        ),
        (
            "GUNMEN KILLED 5 IN KANO ON MONDAY. POLICE SAID THE ATTACKERS FLED. NO ARRESTS WERE MADE.",
            [
                "GUNMEN KILLED 5 IN KANO ON MONDAY.",
                "POLICE SAID THE ATTACKERS FLED.",
                "NO ARRESTS WERE MADE.",
            ],
        ),
        (
            '"We heard two blasts," he said. "Then the shooting started." Police arrived later.',
            ['"We heard two blasts," he said.', '"Then the shooting started."', "Police arrived later."],
        ),
        (
            "“Taiz is being devastated.” Rockets hit the Deluxe neighbourhood.",
            ["“Taiz is being devastated.”", "Rockets hit the Deluxe neighbourhood."],
        ),
        (
            "The toll may rise... Rescuers are still searching. Is anyone safe? Nobody knows!",
            ["The toll may rise...", "Rescuers are still searching.", "Is anyone safe?", "Nobody knows!"],
        ),
        (
            "The blast hit at 10 a.m. Police said four people died.",
            ["The blast hit at 10 a.m.", "Police said four people died."],
        ),
        (
            "Five people were killed. 12 others were wounded.",
            ["Five people were killed.", "12 others were wounded."],
        ),
        (
            "the blast killed five people. police said the toll may rise.",
            ["the blast killed five people.", "police said the toll may rise."],
        ),
    ],
)
def test_sentences_are_split(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_one_paragraph_per_line() -> None:
    result = run("Headline about the attack\nFirst paragraph. It has two sentences.\nSecond paragraph.")
    assert [(s.text, s.paragraph) for s in result.sentences] == [
        ("Headline about the attack", 0),
        ("First paragraph.", 1),
        ("It has two sentences.", 1),
        ("Second paragraph.", 2),
    ]


def test_hard_wrapped_text_is_joined_into_sentences() -> None:
    text = (
        "Tribal elder killed near the border\n"
        "\n"
        "EASTFOLD, Ruritania (EW) - Hooded attackers on motorbikes\n"
        "murdered a village headman and hurt two of his guards in\n"
        "the troubled Eastfold region on the border, officials\n"
        "said on Tuesday.\n"
        "\n"
        "Five gunmen ambushed the elder as he was traveling in a\n"
        "van to the market town, killing him and wounding three\n"
        "other riders on Monday.\n"
    )
    result = run(text)
    assert [s.text.replace("\n", " ") for s in result.sentences] == [
        "Tribal elder killed near the border",
        "EASTFOLD, Ruritania (EW) - Hooded attackers on motorbikes murdered a village headman and hurt two "
        "of his guards in the troubled Eastfold region on the border, officials said on Tuesday.",
        "Five gunmen ambushed the elder as he was traveling in a van to the market town, killing him and "
        "wounding three other riders on Monday.",
    ]
    check_offsets(result.document, result)


def test_lowercase_continuation_line_is_joined() -> None:
    got = texts("The clinic took in 41 corpses after the explosion that shook the crowded\nbus depot.")
    assert got == ["The clinic took in 41 corpses after the explosion that shook the crowded\nbus depot."]


def test_dateline_on_its_own_line_opens_the_next_sentence() -> None:
    got = texts("EASTFOLD, Ruritania, Dec. 16 (EW) —\nAt least 12 people were killed on Tuesday.")
    assert got == ["EASTFOLD, Ruritania, Dec. 16 (EW) —\nAt least 12 people were killed on Tuesday."]


def test_headline_byline_date_lines_are_not_joined() -> None:
    lines = [
        "Car bomb kills 4 soldiers in Eastfold",
        "By Agencies",
        "September 13, 2019",
        "EASTFOLD: A bomb killed four.",
    ]
    got = texts("\n".join(lines))
    assert got == ["Car bomb kills 4 soldiers in Eastfold", "EASTFOLD: A bomb killed four."]


def test_long_sentence_is_split_at_semicolons() -> None:
    clauses = [
        f"militants attacked checkpoint number {i} on the road to the market and burned trucks"
        for i in range(10)
    ]
    sentence = "; ".join(clauses) + "."
    assert len(sentence) > MAX_SENTENCE_CHARS
    got = texts(sentence)
    assert got == [c + ";" for c in clauses[:-1]] + [clauses[-1] + "."]
    assert texts(sentence[:500] + ".") == [sentence[:500] + "."], "a shorter sentence is not split"


def test_split_sentences_returns_spans_of_its_input() -> None:
    text = "  First one.  Second one. "
    assert [text[s:e] for s, e in split_sentences(text)] == ["First one.", "Second one."]


def test_windows_newlines_are_whitespace() -> None:
    result = run("Headline\r\n\r\nFirst sentence. Second sentence.\r\n")
    assert [s.text for s in result.sentences] == ["Headline", "First sentence.", "Second sentence."]
    check_offsets(result.document, result)


def test_empty_text() -> None:
    result = run("")
    assert result.sentences == ()
    assert result.dropped == ()


# ---------------------------------------------------------------------------------------------
# Offsets (property tests)

NEWSY = st.lists(
    st.sampled_from(
        list("aeiouAEKMPTUS .,;:!?…\"'“”‘’()-—|•/\n\n\n\t\r0123456789") + ["Mr.", "U.S.", "a.m."]
    ),
    max_size=200,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_offsets_point_into_the_original_text(text: str) -> None:
    doc = Document(doc_id="h", text=text)
    check_offsets(doc, clean(doc))


@settings(max_examples=300, deadline=None)
@given(NEWSY)
def test_offsets_hold_for_news_like_text(text: str) -> None:
    doc = Document(doc_id="h", text=text)
    check_offsets(doc, clean(doc))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(texts(BODY) + ["Share", "Read more", "March 3, 2020", "By Jane Roe"]), max_size=12
    )
)
def test_cleaning_keeps_each_distinct_sentence_once(lines: list[str]) -> None:
    text = "\n".join(lines)
    doc = Document(doc_id="h", text=text)
    result = clean(doc)
    check_offsets(doc, result)
    got = [s.text for s in result.sentences]
    assert got == [line for i, line in enumerate(lines) if line in texts(BODY) and line not in lines[:i]]


# ---------------------------------------------------------------------------------------------
# The rules file


def test_packaged_rules_load_and_each_has_a_reason() -> None:
    rules = boilerplate_rules()
    assert rules.line is not None and rules.prefix is not None and rules.section is not None
    assert all(reason.replace("-", "").isalpha() for reason in rules.reasons)


def test_rules_file_format() -> None:
    rules = parse_boilerplate("# comment\n@define WORD (?:foo|bar)\n[line]\nfoo-line  {WORD}\\s+line\n")
    assert rules.line is not None
    match = rules.line.fullmatch("Bar line")
    assert match is not None and rules.reason(match) == "foo-line"
    assert rules.prefix is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[line]\nbad  (unclosed\n", "rules.txt:2: bad regex for 'bad'"),
        ("[lines]\n", "rules.txt:1: unknown section [lines]"),
        ("reason  regex\n", "rules.txt:1: write 'reason regex' under a"),
    ],
)
def test_bad_rules_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ResourceError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_boilerplate(text, source="rules.txt")


# ---------------------------------------------------------------------------------------------
# Speed and accuracy on real data


@pytest.mark.slow
def test_a_long_text_of_numbered_copies_keeps_every_copy() -> None:
    # Its speed (the target is 1 MB/s) is measured by benchmarks/bench_components.py.
    page = (FIXTURES / "webpage.txt").read_text(encoding="utf-8")
    # Numbered copies, so the text is not dropped as repeats (the repeat path is the cheap one).
    text = "\n\n".join(
        page.replace("four officers", f"{i} officers").replace("2020", str(i)) for i in range(2500)
    )
    result = clean(Document(doc_id="big", text=text))
    assert len(result.sentences) > 2500


def _eval_dir() -> Path | None:
    for base in (ROOT / "shared", ROOT.parent / "shared"):
        if (base / "eval" / "dev.jsonl").is_file():
            return base / "eval"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_eval_dir() is None, reason="evaluation data (shared/eval) not present")
def test_no_gold_evidence_sentence_is_dropped() -> None:
    eval_dir = _eval_dir()
    assert eval_dir is not None
    lost = []
    checked = 0
    for name in ("dev.jsonl", "merge_dev.jsonl"):
        for line in (eval_dir / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            doc = Document(doc_id=record["doc_id"], text=record["text"])
            result = clean(doc)
            check_offsets(doc, result)
            for incident in record["incidents"]:
                evidence = (incident.get("evidence") or "").strip()
                if not evidence:
                    continue
                checked += 1
                start = doc.text.find(evidence)
                end = start + len(evidence)
                if not any(s.start <= start and s.end >= end for s in result.sentences):
                    lost.append((record["doc_id"], evidence[:60]))
    assert checked > 100
    assert lost == []
