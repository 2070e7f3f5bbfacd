"""The policy-brief parser on the real 지방자치 정책브리프 export and on a synthetic brief."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.parse.brief import looks_like_brief, parse_brief
from kg.parse.text import read_source
from kg.lang.keys import key

HERE = Path(__file__).parent
RAW = HERE.parent / "data" / "raw"
BRIEF = RAW / "mofa_local_public_diplomacy_brief.txt"
PLAN = RAW / "jeonbuk_2026_external_affairs_plan.txt"
SYNTHETIC = HERE / "fixtures" / "brief" / "synthetic_city_brief.txt"


@pytest.fixture(scope="module")
def parsed():
    return parse_brief(read_source(BRIEF), "brief")


@pytest.fixture(scope="module")
def brief(parsed):
    return parsed[1]


@pytest.fixture(scope="module")
def passages(parsed):
    return parsed[2]


def passage_with(passages, text):
    hits = [p for p in passages if text in p.text]
    assert len(hits) == 1, (text, [p.text for p in hits])
    return hits[0]


def strategy_tree(strategies):
    """{branch name: sorted item names} and the roots."""
    by_key = {s.key: s for s in strategies}
    roots = [s for s in strategies if s.parent is None]
    branches = [s for s in strategies if s.parent is not None and by_key[s.parent].parent is None]
    tree = {b.name: sorted(s.name for s in strategies if s.parent == b.key) for b in branches}
    return roots, tree


# ---------------------------------------------------------------- real brief


def test_title_is_masthead_and_headline(parsed):
    assert parsed[0] == "꼭 알아야 할 지방자치 정책브리프: 외교부-지방자치단체 협력을 통한 국민외교 추진이 필요하다"


def test_programmes_by_area(brief):
    areas: dict[str, list[str]] = {}
    for p in brief.programmes:
        areas.setdefault(p.area, []).append(p.name)
    assert list(areas) == ["국민소통 강화", "국민참여 확대", "국민외교 역량 제고"]
    assert areas["국민참여 확대"] == ["국민외교 정책 제안 공모전", "국민참여사업", "국민외교 자유발언대"]
    assert areas["국민외교 역량 제고"] == ["국민외교 공감 팩토리 시리즈", "국민외교 열린캠퍼스", "국민외교 디자인단"]
    # commas inside parentheses do not split; the item wrapped onto line 27 is whole
    assert areas["국민소통 강화"] == [
        "모바일앱",
        "SNS(인스타그램, 페이스북, 블로그 등) 등 온라인 소통 플랫폼",
        "국민외교 모바일 어플리케이션",
        "오프라인 소통 공간 국민외교센터",
    ]


def test_programme_spans_point_at_their_line(brief):
    span = {p.name: (p.span.start, p.span.end) for p in brief.programmes}
    assert span["모바일앱"] == (25, 25)
    assert span["오프라인 소통 공간 국민외교센터"] == (27, 27)
    assert span["국민외교 자유발언대"] == (29, 29)


def test_problems(brief):
    assert len(brief.problems) == 5
    first = brief.problems[0]
    assert "낮은 관심" in first.text and first.text.endswith("문제점으로 제기됨")
    assert (first.span.start, first.span.end) == (35, 37)
    assert "일반적으로 의존하는" in brief.problems[1].text
    assert not any(p.text.startswith("•") for p in brief.problems)


def test_strategy_tree(brief):
    roots, tree = strategy_tree(brief.strategies)
    assert [r.name for r in roots] == ["국민외교 추진기반 구축"]
    assert len(brief.strategies) == 1 + 3 + 10
    assert tree == {
        "법·제도 구축": sorted([
            "국민외교의 효과적 실시를 위한 지자체의 역할 제도화",
            "외교정보 및 공개여부에 대한 체계적인 분류",
            "국민외교 친화도시 선정",
        ]),
        "지자체 제도 및 인프라 활용": sorted([
            "중앙부처-지자체 협업조직 활용",
            "지자체 시설, 플랫폼 및 프로그램 활용",
            "민간참여가 필요한 분야 적극 발굴",
            "지역 대학과의 파트너십",
        ]),
        "국민외교센터 운영활성화": sorted([
            "이슈(실용주의적인 의제) 생성 및 홍보",
            "지자체 수요 및 협력 유인 파악",
            "재원확보 및 지자체에 대한 행·재정적 지원 모색",
        ]),
    }


def test_strategy_branches_carry_their_heading_and_text(brief):
    by_name = {s.name: s for s in brief.strategies}
    centre = by_name["국민외교센터 운영활성화"]
    assert centre.alt_names == ("지자체 단위의 국민외교센터 운영 활성화",)
    assert centre.description.startswith("국민외교 정책에 대한 지역 주민의 참여")
    assert "재원 확보의 다각화 모색이 필요함" in centre.description
    assert by_name["법·제도 구축"].alt_names == ("국민외교 법·제도 구축을 통한 외교부와 지자체의 역할 명확화",)
    assert by_name["지자체 제도 및 인프라 활용"].alt_names == ("중앙정부-지자체 협력제도 및 지자체 인프라 활용",)
    assert (by_name["지자체 제도 및 인프라 활용"].span.start, by_name["지자체 제도 및 인프라 활용"].span.end) == (209, 210)
    item = by_name["재원확보 및 지자체에 대한 행·재정적 지원 모색"]
    assert (item.span.start, item.span.end) == (205, 207)


def test_each_strategy_item_is_argued_by_its_own_paragraph(brief):
    """An item's description is the sub-bullet that argues it, not the branch summary that lists all."""
    by_name = {s.name: s.description for s in brief.strategies}
    expected = {
        "국민외교의 효과적 실시를 위한 지자체의 역할 제도화": "「국민외교법」 제정을 통해",
        "외교정보 및 공개여부에 대한 체계적인 분류": "지자체와의 협력에 있어서 정보 공유의",
        "국민외교 친화도시 선정": "국민외교 친화도시 지정을 통해",
        "중앙부처-지자체 협업조직 활용": "중앙부처-지자체 협업조직(중앙-지방 국제교류 협의회",
        "지자체 시설, 플랫폼 및 프로그램 활용": "지자체가 보유하고 있는 청소년 교육시설",
        "민간참여가 필요한 분야 적극 발굴": "지자체 미술관, 다문화 단체",
        "지역 대학과의 파트너십": "지역대학 내 (가칭) 지역 국민외교센터",
        "이슈(실용주의적인 의제) 생성 및 홍보": "국민외교 이슈를 적극적으로 발굴하여",
        "지자체 수요 및 협력 유인 파악": "지자체가 국민외교와 관련하여",
        "재원확보 및 지자체에 대한 행·재정적 지원 모색": "외교부의 예산과 집행의 우선순위",
    }
    assert {name: by_name[name][: len(start)] for name, start in expected.items()} == expected
    assert len({by_name[name] for name in expected}) == len(expected)  # no paragraph used twice


def test_strategy_keys_are_stable_and_unique(brief):
    keys = [s.key for s in brief.strategies]
    assert len(set(keys)) == len(keys)
    assert all(s.key == key(s.name) for s in brief.strategies)
    again = parse_brief(read_source(BRIEF), "brief")[1]
    assert [s.key for s in again.strategies] == keys


def test_phases(brief):
    assert [(p.ordinal, p.name) for p in brief.phases] == [(1, "준비기"), (2, "개척 및 도약기"), (3, "고도화단계")]
    second = brief.phases[1]
    assert second.description.startswith("외교부 국민외교센터, 지자체 국민참여")
    assert "유사·중복 사업을 줄이는 대신" in second.description  # joined across lines 231-233
    assert (second.span.start, second.span.end) == (227, 233)


def test_passages_are_joined_paragraphs_in_order(passages):
    assert [p.ordinal for p in passages] == list(range(1, len(passages) + 1))
    assert len(passages) == 45
    starts = [p.span.start for p in passages]
    assert starts == sorted(starts)
    for text in ("\u2005", "  ", "•"):
        assert not any(text in p.text for p in passages), text
    assert passages[0].text.startswith("2018년 3월 발표된")


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("절차적·민주적 정당성", (13, 15)),  # wrapped mid-word after "민"
        ("정보에 일반적으로 의존하는", (39, 41)),  # mid-word after "일"
        ("지역별로 맞춤형 국민외교", (137, 139)),
        ("국민외교 추진기반 구축을 위한 기제로", (157, 159)),  # wrapped at a word: one space
        ("국가사무를 처리할 수 있다.", (69, 71)),  # unmarked paragraph under a ※ note
        ("※ 지방자치법 제11조(국가사무의 처리제한)", (67, 67)),
        ("1. 외교, 국방, 사법, 국세", (73, 73)),
    ],
)
def test_passage_text_and_span(passages, text, lines):
    p = passage_with(passages, text)
    assert (p.span.start, p.span.end) == lines
    assert p.span.doc_id == "brief"


def test_sections_in_reading_order(brief):
    assert [s.title for s in brief.sections] == [
        "외교부-지방자치단체 협력을 통한 국민외교 추진이 필요하다",
        "외교 정책과정에서 국민 참여의 중요성",
        "국민외교 현황 및 과제",
        "현황",
        "과제",
        "외교부-지자체 협력을 통한 국민외교 추진의 필요성",
        "외교부-지자체 협력을 통한 국민외교 추진 전략",
        "지자체 단위의 국민외교센터 운영 활성화",
        "국민외교 법·제도 구축을 통한 외교부와 지자체의 역할 명확화",
        "중앙정부-지자체 협력제도 및 지자체 인프라 활용",
        "외교부-지자체 협력사업의 단계별 추진방향",
    ]
    assert [s.ordinal for s in brief.sections] == list(range(1, 12))
    spans = {s.title: (s.span.start, s.span.end) for s in brief.sections}
    assert spans["과제"] == (33, 53)
    assert spans["외교부-지자체 협력사업의 단계별 추진방향"] == (239, 239)


@pytest.mark.parametrize(
    ("text", "section"),
    [
        ("2018년 3월 발표된", "외교 정책과정에서 국민 참여의 중요성"),
        ("② 국민참여 확대", "현황"),
        ("국민의 낮은 관심", "과제"),
        ("지방자치단체와의 협력이 필요함", "외교부-지자체 협력을 통한 국민외교 추진의 필요성"),
        ("재원 확보의 다각화", "지자체 단위의 국민외교센터 운영 활성화"),
        ("준비기(1단계)", "외교부-지자체 협력사업의 단계별 추진방향"),
    ],
)
def test_passage_sections(passages, text, section):
    assert passage_with(passages, text).section == section


def test_passages_under_a_strategy_heading_are_about_it(brief, passages):
    centre = next(s for s in brief.strategies if s.name == "국민외교센터 운영활성화")
    assert passage_with(passages, "재원 확보의 다각화").about == centre.key
    assert passage_with(passages, "국민의 낮은 관심").about is None


def noisy_copy(text: str) -> str:
    """The same brief as another exporter might write it."""
    lines = text.split("\n")
    for n in (19, 33, 55, 103, 129, 171):
        lines[n - 1] = "## " + lines[n - 1]
    for n in (1, 57, 123, 149, 212, 239):
        lines[n - 1] = f"<b>{lines[n - 1]}</b>"
    for n in (59, 125):
        lines[n - 1] = f"**{lines[n - 1]}**"
    for n in range(1, len(lines), 3):
        lines[n - 1] = lines[n - 1].replace("\u2005", "\u00a0")
    lines[54] = lines[54].replace(" ", "\u00a0")
    return "\ufeff" + "\r\n".join(lines)


def test_export_noise_changes_nothing(tmp_path, parsed):
    noisy = tmp_path / "brief.txt"
    text = BRIEF.read_text(encoding="utf-8")
    noisy.write_bytes(noisy_copy(text).encode("utf-8"))
    raw = noisy.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"<b>" in raw and b"## " in raw
    assert parse_brief(read_source(noisy), "brief") == parsed


def test_looks_like_brief():
    assert looks_like_brief(read_source(BRIEF).lines)
    assert looks_like_brief(read_source(SYNTHETIC).lines)
    assert not looks_like_brief(read_source(PLAN).lines)
    assert not looks_like_brief(["국민외교는 국민과 함께하는 외교이다. 지자체와 협력한다."])
    prose = "\n\n".join(f"문단 {i}: 정부는 다양한 정책을 추진하고 있으며 시민의 참여를 넓히고자 한다." for i in range(12))
    assert not looks_like_brief(prose.split("\n"))


# ---------------------------------------------------------------- another brief, same format


def test_synthetic_brief_same_format_other_content():
    title, brief, passages = parse_brief(read_source(SYNTHETIC), "city")
    assert title == "꼭 알아야 할 도시 정책브리프: 탄소중립 도시로의 전환이 시급하다"
    assert [(p.area, p.name) for p in brief.programmes][-2:] == [("시민 참여", "탄소 포인트제"), ("시민 참여", "녹색 장터")]
    assert "노후 건물 단열(공공, 민간) 개선" in [p.name for p in brief.programmes]
    assert [p.text.split()[0] for p in brief.problems] == ["재생에너지", "시민"]
    roots, tree = strategy_tree(brief.strategies)
    assert [r.name for r in roots] == ["탄소중립 기반 조성"]
    assert tree == {
        "재생에너지 보급확대": ["공공건물 태양광 설비 보급", "주민 이익공유형 재생에너지 모델"],
        "시민 참여 활성화": ["녹색 장터 상설화", "탄소 포인트제 보상 확대"],
    }
    assert [(p.ordinal, p.name) for p in brief.phases] == [(1, "착수기"), (2, "확산기")]
    assert "세우고 있으며, 시민의" in passages[0].text  # mid-word wrap "있으|며"
    assert passages[0].section == "도시 탄소중립의 배경"
    assert passage_with(passages, "예방하여야 함").span.start == 37
