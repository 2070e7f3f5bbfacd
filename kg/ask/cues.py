"""The small tables exact answers read questions with: words for figures, operations, conditions
and the words about tables that need no table of their own; amounts with Korean units.

Every cue is general Korean for budget tables (합계, 가장 큰, 상위 N, 억원 …), never a question
of an evaluation set. ``kg.ask.understand`` applies them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# the figure a word asks for
MEASURE_WORDS = {
    "예산": "budget", "예산액": "budget", "금액": "budget", "편성액": "budget", "결산": "budget", "결산액": "budget",
    "정원": "staff_quota", "현원": "staff_current",
    "목표": "indicator_target", "목표치": "indicator_target", "목표값": "indicator_target",
    "실적": "indicator_actual", "실적치": "indicator_actual", "가중치": "weight",
}
# what a budget-table (예산현황) line is called
BUDGET_LINE_CATEGORIES = ("정책사업", "행정운영경비", "인력운영비", "기본경비", "재무활동")
# nouns that talk about tables, ranks, years and units: accounted for without a table of their own
TABLE_WORDS = frozenset({
    "합계", "합", "총액", "총합", "합산", "평균", "개수", "수", "몇", "가장", "제일", "최대", "최소", "최고", "최저",
    "상위", "하위", "순", "순서", "증감", "증가", "감소", "증가율", "감소율", "증감률", "증감율", "증가액", "감소액", "증감액",
    "변동", "변화", "차이", "비중", "구성비", "비율", "대비", "기준", "이상", "이하", "초과", "미만", "전체", "모두", "전부",
    "중", "가운데", "것", "곳", "개", "건", "명", "회", "년", "연도", "해", "사이", "얼마", "무엇", "뭐", "자리", "소수", "소수점",
    "첫째", "둘째", "셋째", "새로", "신규", "각", "별", "목록", "현황", "직제", "계단위", "단위", "국", "원", "억", "억원",
    "천만원", "백만원", "만원", "퍼센트", "도", "전북", "전북도", "전라북도", "연간", "올해", "금년", "작년", "지난해", "전년",
    "전년도", "내년", "개요", "표", "표시", "이름", "사업명", "명칭", "지원형태", "형태", "지원조건", "조건", "유형", "시행주체",
    "주체", "값", "액", "들", "분담", "율", "률", "차지", "몫", "인원", "그대로", "동일", "편성", "책정", "배정",
    # relation cues (…가 시행하는 세부사업): the relation is read from the entity named
    "시행", "수행", "담당", "소속", "산하", "방식", "나열", "정렬", "어느", "어떤",
})
COUNT = re.compile(r"몇\s*(?:개|곳|건|가지)|개수|건수|(?:\s|사업|부서|팀|지표)수(?:는|가|를)?\s*[?？]?\s*$")
SUM = re.compile(r"합계|총액|총합|합산|합하|합치|더하|(?<![가-힣])합(?=은|이|을|는|\s|$|\?)|(?<![가-힣])(?:모두|전부|다|총)\s*(?:합|얼마|(?:몇\s*)?(?:억|천만|백만|만)?\s*원)")
AVG = re.compile(r"평균")
SHARE = re.compile(r"차지|비중|구성비|(?:의|에서|중)\s*몇\s*(?:%|퍼센트)")
RATE = re.compile(r"(?:증가|감소|증감|변동|변화|상승|하락)\s*[율률]|%|퍼센트")
CHANGE = re.compile(r"증감|증가|감소|늘|줄|변하|변했|변동|변화|차이|그대로|동일|같은|오르|오른|올랐|깎|커지|커진|커졌|불어")
UNCHANGED = re.compile(r"그대로|동일|같은|(?:변동|변화|증감|차이)\S*\s*없")
DECREASE = re.compile(r"감소|줄|하락|깎|내려|내린|낮아|작아|적어")
INCREASE = re.compile(r"증가|늘|상승|오르|오른|올랐|커지|커진|커졌|불어|많아|높아")
CHANGE_AMOUNT = re.compile(r"(?:증감|증가|감소|변동)\s*(?:액|분|폭)|증감(?!\s*률|\s*율)")  # the change itself, not a direction
BIG = re.compile(r"(?:가장|제일)\s*(?:많이\s*)?(?:크|큰|많|높|늘)|최대|최고|상위|큰\s*순|많은\s*순|높은\s*순")
SMALL = re.compile(r"(?:가장|제일)\s*(?:적|작|낮)|최소|최저|하위|적은\s*순|작은\s*순|낮은\s*순")
SMALL_WORD = re.compile(r"(?:작은|적은|낮은)")
ORDERED = re.compile(r"(?:큰|많은|높은|작은|적은|낮은)\s*(?:순서|순)\s*(?:으로|서로|대로)")
# 상위 5개, 3개는?, 3개를 알려 줘 — not 7개 단위사업의 (a count that describes, before a class word)
TOP_N = re.compile(r"(?:(상위|하위)\s*(\d+)\s*(?:개|곳|건)?|(\d+)\s*(?:개|곳|건)(?!\s*(?:의|세부|단위|사업|부서|팀|성과|지표|국)))")
DIGITS = re.compile(r"소수\s*(?:점\s*)?(?:이하\s*)?(첫째|둘째|셋째|\d)\s*자리")
NEW = re.compile(r"새로|신규|없다가|없던|생긴")
CONDITION = re.compile(r"지원\s*조건에\s*['‘\"“]?([^'’\"”\s]+?)['’\"”]?(?:이|가|을|를|은|는)?\s")
CONDITION_IS = re.compile(r"지원\s*조건이\s*(.+?)\s*(?:인|으로|로)\s")
NAME_FIELD = re.compile(r"(?:사업명|이름|명칭)에")
NAME_HAS = re.compile(r"(?:사업명|이름|명칭)에\s*([^'‘\"“\s]+?)(?:이|가)\s*(?:들어간|포함된|붙은|있는)")
_BY = r"별(?=\s|$|로|의|은|는|[?,.)])"  # 부서별 …, not 특별자치도
GROUP = re.compile(r"(부서|단위\s*사업|국)\s*" + _BY)
GROUP_CLASS = {"부서": "Department", "단위사업": "UnitProject", "국": "Bureau"}
ANY_GROUP = re.compile(r"([가-힣]+)" + _BY)
# how names of organisations and places end (농업기술원, 경기도, 전라남도, 보건복지부 …)
NAME_ENDINGS = ("원", "청", "과", "국", "부", "처", "본부", "센터", "재단", "공단", "공사", "위원회", "도", "시", "군", "구")
# text fields whose figures a question may ask for (목표치 근거에서 … 몇 회)
FIELDS = {"근거": "kg:rationale", "산출근거": "kg:rationale", "목표치근거": "kg:rationale", "지원조건": "kg:supportCondition"}
ASKED_UNIT = re.compile(r"몇\s*(회|명|건|개|곳|번|%|퍼센트)")
# what this reader does not take apart; a question with one is refused, not half read
NOT_READ = [
    (re.compile(r"아니|아닌|않|제외|말고|빼|뺀|(?<![가-힣])외(?:의|에)?\s|없는|없이|없고|없을"),
     "부정·제외 조건(아닌, 없는, 제외한, 외)은 아직 읽지 못합니다"),
    (re.compile(r"이고\s|이며\s|그리고|하고\s.*몇|와\s*함께"), "두 가지를 한 번에 묻는 질문은 나누어 물어 주세요"),
    (re.compile(r"\d{2,4}\s*년?\s*(?:~|-|부터)\s*'?\d{2,4}"), "여러 해에 걸친 합계는 아직 읽지 못합니다"),
    (re.compile(r"평균\s*(?:보다|이상|이하|초과|미만)"), "평균과 비교하는 조건은 아직 읽지 못합니다"),
    (re.compile(r"\d+\s*번째|\d+\s*위(?:인|의|는|\s)|두\s*번째|세\s*번째"), "N번째 순위는 아직 읽지 못합니다"),
    (re.compile(r"(?:을|를)\s*가진|(?:을|를)\s*둔"), "한 항목을 골라 그 소속을 묻는 질문은 아직 읽지 못합니다"),
    (re.compile(r"(?<![가-힣])단위\s*(?:가|는|이|를|로)\s"), "측정 단위 조건은 아직 읽지 못합니다"),
    (re.compile(r"못(?!\s*미치)"), "부정·제외 조건(아닌, 없는, 제외한, 외)은 아직 읽지 못합니다"),
    (re.compile(r"(?:상위|하위)\s*\d+\s*(?:%|퍼센트)"), "상위·하위 몇 %는 아직 읽지 못합니다: 상위 N개로 물어 주세요"),
    (re.compile(r"\d+\s*(?:억|천만|만)?\s*원?\s*대(?![가-힣])"), "'1억원대' 같은 범위는 '1억 이상 2억 미만'으로 물어 주세요"),
]
# Korean numerals before a counter (세 개, 다섯 곳): read as digits
NUMERALS = {"한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4, "넷": 4, "다섯": 5, "여섯": 6, "일곱": 7,
            "여덟": 8, "아홉": 9, "열": 10}
NUMERAL = re.compile(r"(?<![가-힣])(" + "|".join(sorted(NUMERALS, key=len, reverse=True)) + r")(?=\s*(?:개|곳|건|가지))")
# predicates a question may use without saying anything this reader must apply: being, having,
# stating, asking, and the verbs of the relations and conditions read elsewhere
NEUTRAL_PREDICATES = frozenset({
    "있", "없", "되", "하", "이", "받", "주", "보", "보이", "알리", "알", "고르", "잡히", "적히", "들어가", "포함되", "붙",
    "속하", "맡", "나오", "쓰이", "생기", "만들", "묻", "궁금하", "모르", "찾", "싶", "가", "오", "배정", "나타나", "정하",
    "차지하", "합하", "합치", "더하", "세", "나열", "정리", "꼽", "뽑", "들", "적", "쓰", "같", "다르", "크", "작", "많",
    "높", "낮", "늘", "늘어나", "줄", "줄어들", "오르", "깎이", "내리", "커지", "불어나", "넘", "넘기", "웃돌", "밑돌",
    "미치", "변하", "감소하", "증가하", "이루", "얻", "필요하", "대하", "위하", "통하", "따르", "관하", "비하", "비교하",
    "가지", "두", "빼", "말", "제외하", "아니", "않", "못하", "그렇", "어떻", "얼마나", "어떠하",
})
# words that say a figure went up or down: a change must be read where one is said
DIRECTION = re.compile(r"늘|줄|오르|오른|올랐|깎|커지|커진|커졌|불어|증가한|감소한|증가된|감소된|상승|하락")


@dataclass(frozen=True)
class Amount:
    """An amount condition: ``value`` in the graph's unit (백만원 for money), ``comparator``."""

    value: float
    comparator: str
    start: int
    end: int


_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_PIECE = rf"({_NUMBER})\s*(억|천만|백만|만|천)?"
# 1억5천만원: pieces that each end in a unit, then one that may not; each digit can belong to one
# piece only, so the match is linear in the text (no backtracking blow-up on long digit strings)
_MONEY = rf"(?:{_NUMBER}\s*(?:억|천만|백만|만|천)\s*)*{_NUMBER}\s*(?:억|천만|백만|만|천)?\s*원?|(?<![가-힣\d])(?:천만|백만)\s*원"
AMOUNT = re.compile(
    rf"({_MONEY}|{_NUMBER}\s*(?:명|회|건|개|%)?)\s*(?:\([^)]*\)\s*)?"
    r"(?:을|를|에|이|가)?\s*"
    r"(이상|초과|이하|미만|이내|넘는|넘은|넘긴|넘게|넘어|웃도|밑도|못\s*미치|보다\s*(?:많|큰|적|작)|인(?=\s)|이었던|였던)")
RANGE = re.compile(rf"({_MONEY})\s*(?:에서|부터)\s*({_MONEY})\s*(?:사이|까지)")
_SCALE = {"억": 100.0, "천만": 10.0, "천": 10.0, "백만": 1.0, "만": 0.01}  # → 백만원 (1억 5천: 천 after 억 is 천만)
_COMPARATORS = {"이상": ">=", "초과": ">", "이하": "<=", "미만": "<", "이내": "<=", "넘는": ">", "넘은": ">", "넘긴": ">",
                "넘게": ">", "넘어": ">", "웃도": ">", "밑도": "<", "인": "=", "이었던": "=", "였던": "="}


def money(text: str) -> float:
    """An amount as written (1억원, 1억5천만원, 3천만원, 250백만원, 100) in 백만원; a bare number
    is taken as 백만원, the unit of the plan's tables."""
    pieces = re.findall(_PIECE, text)
    if not pieces:  # 천만원, 백만원: one of that unit
        return 10.0 if "천만" in text else 1.0
    return sum(float(number.replace(",", "")) * _SCALE.get(unit, 1.0) for number, unit in pieces)


def amounts(text: str) -> list[Amount]:
    """Every amount condition of the question, ranges (1억에서 5억 사이) as two."""
    out = []
    for m in RANGE.finditer(text):
        out += [Amount(money(m.group(1)), ">=", m.start(), m.end()), Amount(money(m.group(2)), "<=", m.start(), m.end())]
    for m in AMOUNT.finditer(text):
        if any(a.start <= m.start() < a.end for a in out):
            continue
        word = m.group(2)
        comparator = _COMPARATORS.get(word) or ("<" if word.startswith("못") else ">" if re.search(r"많|큰", word) else "<")
        written = m.group(1)
        value = money(written) if re.search(r"억|만|원|천", written) else float(re.match(_NUMBER, written.strip()).group(0).replace(",", ""))
        out.append(Amount(value, comparator, m.start(), m.end()))
    return out


def topic(word: str) -> str:
    """The topic particle after ``word``: 은 after a final consonant, else 는."""
    last = word[-1:] or "가"
    return "은" if "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 else "는"
