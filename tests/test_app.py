"""The Streamlit app driven headlessly (streamlit.testing.v1.AppTest): every page, the inputs a
first-time analyst gives it (a question, nothing, good and bad SPARQL, a runaway query), and
labels from documents that hold HTML or script."""
from __future__ import annotations

import html

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE_LABELS, ROOT

APP = str(ROOT / "app.py")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _app(monkeypatch, build_dir, raw_dir=None, **params) -> AppTest:
    monkeypatch.setenv("KG_BUILD", str(build_dir))
    if raw_dir is not None:
        monkeypatch.setenv("KG_RAW", str(raw_dir))
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _html(at) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def _cards(at) -> list[str]:
    return [b for b in _html(at) if 'class="kg-card"' in b]


@pytest.fixture
def app(monkeypatch, built):
    return _app(monkeypatch, built[0])


def _search(at, query: str) -> AppTest:
    at.text_input(key="q").input(query).run()
    assert not at.exception, at.exception
    return at


def _iri(graph, label: str) -> str:
    from rdflib import RDFS, Literal

    return str(next(graph.subjects(RDFS.label, Literal(label, lang="ko"))))


# ------------------------------------------------------------ 검색


def test_search_shows_entity_cards_with_evidence_and_embedder(app):
    _search(app, "국민외교를 지원하는 사업은?")
    cards = _cards(app)
    assert len(cards) == 10
    assert any("세부사업" in c or "단위사업" in c for c in cards[:3])
    bodies = "\n".join(_html(app))
    assert "<mark>" in bodies  # the question's words marked in the evidence
    assert "지원하는 전략:" in bodies  # projects show the strategies they support
    assert "부서:" in bodies and "예산 2026:" in bodies and "출처: jeonbuk_2026_external_affairs_plan.txt" in bodies
    assert any(c.value.startswith("임베더: builtin") for c in app.caption)
    # how the question was read: the support intent and the asked types, in Korean
    assert any("질문 이해: 전략을 수행하는 사업 찾기" in c.value and "찾는 유형 " in c.value and "세부사업" in c.value
               for c in app.caption)


def test_a_structured_question_gets_an_answer_card_with_its_sparql(app):
    _search(app, "2026년 예산이 가장 큰 세부사업은?")
    answers = [h for h in _html(app) if "kg-answer" in h]
    assert len(answers) == 1 and "답: 1개: 전북국제협력진흥원 운영" in answers[0]
    assert any(c.value.startswith("읽은 방식: 대상=세부사업") for c in app.caption)
    assert any("SELECT ?name ?v" in c.value and "MAX(?v)" in c.value for c in app.code)  # the query that gave it
    assert app.dataframe and len(app.dataframe[0].value) == 1
    app.button(key="answer-sparql").click().run()  # opens it on the SPARQL page
    assert not app.exception and app.session_state["page"] == "sparql"
    assert "MAX(?v)" in app.text_area(key="sparql-text").value


def test_a_search_question_gets_no_answer_card(app):
    _search(app, "국민외교를 지원하는 사업은?")
    assert not [h for h in _html(app) if "kg-answer" in h]


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_question_asks_for_one(app, query):
    _search(app, query)
    assert not _cards(app)
    assert any("질문을 입력" in i.value for i in app.info)


def test_a_question_with_no_words_says_nothing_found(app):
    _search(app, "?!…")
    assert not _cards(app)
    assert any("찾은 결과가 없습니다" in w.value for w in app.warning)


def test_an_example_question_fills_the_box_and_searches(app):
    app.button(key="example-국민외교를 지원하는 사업은?").click().run()
    assert app.text_input(key="q").value == "국민외교를 지원하는 사업은?"
    assert len(_cards(app)) == 10


def test_a_result_opens_its_entity_page(app):
    _search(app, "국제관계대사 운영")
    assert "국제관계대사 운영" in _cards(app)[0]
    opener = next(b for b in app.button if b.key and b.key.startswith("open-1-"))
    opener.click().run()
    assert not app.exception
    assert app.session_state["page"] == "entity"
    heading = next(b for b in _html(app) if b.startswith("<h3"))
    assert "국제관계대사 운영" in heading and "세부사업" in heading
    assert any(c.value.startswith("결산 2024: ") and "예산 2026: 21 백만원" in c.value for c in app.caption)
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")  # the three-year budget chart
    assert any("국제교류협력 증진" in str(df.value.to_dict()) for df in app.dataframe)  # its unit, a neighbour


# ------------------------------------------------------------ 엔티티


def test_a_unit_project_page_shows_indicators_regions_and_source(monkeypatch, built, graph):
    at = _app(monkeypatch, built[0], page="entity", entity=_iri(graph, "국제교류협력 증진"))
    assert at.session_state["page"] == "entity"
    tables = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "자매결연" in tables or "우호" in tables or "워싱턴" in tables  # partner regions as neighbours
    assert at.get("code"), "the source excerpt"
    assert "국제교류협력 증진" in at.get("code")[0].proto.code_text


def test_a_strategy_page_lists_the_projects_supporting_it(monkeypatch, built, graph):
    at = _app(monkeypatch, built[0], page="entity", entity=_iri(graph, "이슈(실용주의적인 의제) 생성 및 홍보"))
    assert any(h.proto.body.startswith("<h3") and "전략" in h.proto.body for h in at.get("html"))
    assert any(s.value == "지원하는 사업" for s in at.subheader)
    labels = [e.label for e in at.expander]
    assert any("중국 해외사무소 운영" in x for x in labels)


def test_an_unknown_entity_in_the_url_is_a_plain_message(monkeypatch, built):
    at = _app(monkeypatch, built[0], page="entity", entity="https://w3id.org/policy-kg/id/nothing")
    assert any("no entity" in e.value for e in at.error)


def test_neighbour_navigation(monkeypatch, built, graph):
    at = _app(monkeypatch, built[0], page="entity", entity=_iri(graph, "국제관계대사 운영"))
    target = _iri(graph, "국제교류협력 증진")
    at.selectbox(key="neighbour-choice").set_value(target).run()
    at.button(key="neighbour-go").click().run()
    assert at.session_state["entity"] == target
    assert any("국제교류협력 증진" in b for b in _html(at) if b.startswith("<h3"))


# ------------------------------------------------------------ SPARQL


def _sparql(at, text: str | None = None, timeout: float | None = None, rows: int | None = None) -> AppTest:
    if at.session_state["page"] != "sparql":
        at.radio(key="page").set_value("sparql").run()
    if text is not None:
        at.text_area(key="sparql-text").input(text).run()
    if timeout is not None:
        at.number_input(key="sparql-timeout").set_value(timeout).run()
    if rows is not None:
        at.number_input(key="sparql-rows").set_value(rows).run()
    at.button(key="sparql-run").click().run()
    assert not at.exception, at.exception
    return at


def test_a_saved_query_runs_as_a_table_with_csv_download(app):
    app.radio(key="page").set_value("sparql").run()
    app.selectbox(key="saved").set_value("department-budget-2026").run()
    assert "SELECT" in app.text_area(key="sparql-text").value
    _sparql(app)
    assert not app.error
    frame = app.dataframe[0].value
    assert len(frame) == 4 and "외국인국제정책과" in frame.to_csv()
    assert app.get("download_button")


def test_malformed_sparql_says_where(app):
    _sparql(app, "SELECT * WHERE { ?s ?p }")
    assert any("malformed SPARQL" in e.value and "line 1" in e.value for e in app.error)
    assert not app.dataframe


def test_updates_are_refused_in_the_workbench(app):
    _sparql(app, "DELETE WHERE { ?s ?p ?o }")
    assert any("read-only" in e.value for e in app.error)
    _sparql(app, "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:SubProject }")
    assert app.dataframe[0].value.iloc[0, 0] == "58"  # nothing was deleted


def test_a_runaway_query_times_out_and_the_next_one_runs(app):
    _sparql(app, RUNAWAY, timeout=0.5)
    assert any(e.value.startswith("시간 초과") for e in app.error)
    _sparql(app, "ASK { ?s a kg:SubProject }", timeout=5.0)
    assert any(s.value.startswith("답: 예") for s in app.success)


def test_hostile_queries_get_a_message_and_the_app_goes_on(app):
    """SERVICE behind a comment ended by CR, and 10,000 `!` (which crashed the app's process
    when it was parsed there) are refused with a message; the next query runs."""
    _sparql(app, "SELECT * WHERE { BIND(1 AS ?x) #c\rSERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }")
    assert any("SERVICE is not allowed" in e.value for e in app.error)
    _sparql(app, "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }")
    assert any("prefix operators" in e.value for e in app.error)
    _sparql(app, "ASK { ?s a kg:SubProject }", timeout=5.0)
    assert any(s.value.startswith("답: 예") for s in app.success)


def test_the_row_cap_is_noted(app):
    _sparql(app, "SELECT ?s WHERE { ?s a kg:SubProject }", rows=5)
    assert len(app.dataframe[0].value) == 5
    assert any("잘렸습니다" in w.value for w in app.warning)


# ------------------------------------------------------------ 그래프


def _dot(at) -> str:
    charts = at.get("graphviz_chart")
    assert charts, "no graph drawn"
    return charts[0].proto.spec


def test_the_graph_around_an_entity(monkeypatch, built, graph):
    centre = _iri(graph, "국제교류협력 증진")
    at = _app(monkeypatch, built[0], page="entity", entity=centre)
    at.radio(key="page").set_value("graph").run()
    dot = _dot(at)
    assert '"국제교류협력 증진"' in dot and "penwidth=3" in dot
    assert '"국제관계대사 운영"' in dot  # a sub-project one edge away
    assert "page=entity" in dot  # nodes link to their entity pages
    at.slider(key="graph-depth").set_value(2).run()
    assert _dot(at).count("->") > dot.count("->")


def test_the_whole_bureau_is_capped_with_a_message(app):
    app.radio(key="page").set_value("graph").run()
    assert any("중심 엔티티" in i.value for i in app.info)
    app.toggle(key="graph-whole").set_value(True).run()
    app.slider(key="graph-cap").set_value(20).run()
    assert _dot(app).count("[label=") - _dot(app).count("->") == 20  # node lines (edges carry labels too)
    assert any("가까운 20개만" in w.value for w in app.warning)


def test_type_filter_keeps_only_chosen_types(app):
    app.radio(key="page").set_value("graph").run()
    app.toggle(key="graph-whole").set_value(True).run()
    app.multiselect(key="graph-types").set_value(["Region"]).run()
    dot = _dot(app)
    assert "#76b7b2" in dot and "#ffbe7d" not in dot  # regions only, no sub-projects
    assert "워싱턴" in dot


# ------------------------------------------------------------ 예산


def test_the_budget_page(app):
    app.radio(key="page").set_value("budget").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table.columns) == {"결산 2024", "예산 2025", "예산 2026"}
    assert len(table) == 4
    assert table.loc["대외협력과", "예산 2026"] == 4941.0
    cuts = app.dataframe[2].value
    assert cuts.iloc[0]["세부사업"] == "국제관계대사 운영" and cuts.iloc[0]["증감"] == -367.0
    assert any("맞지 않는 곳 1건" in w.value for w in app.warning)  # kg validate's finding


# ------------------------------------------------------------ labels from documents are text


def test_html_and_script_in_labels_show_as_text(monkeypatch, hostile_build, graph):
    raw, build_dir = hostile_build
    at = _app(monkeypatch, build_dir, raw)
    _search(at, "중국 해외사무소 운영")
    bodies = "\n".join(_html(at))
    script = HOSTILE_LABELS["전북특별자치도 중국 해외사무소 운영"]
    assert html.escape(script, quote=False) in bodies.replace("&quot;", '"')
    assert "<script" not in bodies and "<img" not in bodies
    opener = next(b for b in at.button if b.key and b.key.startswith("open-1-"))
    opener.click().run()
    at.radio(key="page").set_value("graph").run()
    dot = _dot(at)
    assert '<script>alert(\\"kg\\")' in dot  # a quoted DOT string: drawn as text, not an HTML-like label
    assert "label=<" not in dot


def test_a_missing_build_is_built_with_progress(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "fresh")
    assert (tmp_path / "fresh" / "graph.ttl").exists()
    assert at.get("progress"), "the build showed a progress bar"
    _search(at, "자매결연 지역")
    assert _cards(at)


def test_inputs_survive_a_visit_to_another_page(app):
    _search(app, "국제관계대사 운영")
    _sparql(app, "ASK { ?s ?p ?o }")
    app.radio(key="page").set_value("search").run()
    assert app.text_input(key="q").value == "국제관계대사 운영"
    assert _cards(app)
    app.radio(key="page").set_value("sparql").run()
    assert app.text_area(key="sparql-text").value == "ASK { ?s ?p ?o }"
    assert not app.warning  # no "default value and Session State" complaints


def test_a_visitor_cannot_choose_a_timeout_past_the_cap(app):
    """KG_APP_MAX_TIMEOUT (30 s by default): a visitor once set 60 s and a worker grew to 5 GB."""
    app.radio(key="page").set_value("sparql").run()
    box = app.number_input(key="sparql-timeout")
    assert box.max == 30.0 and box.value <= 30.0
