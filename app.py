"""policy-kg in the browser: 검색, 엔티티, 그래프, SPARQL, 예산.

A thin page over the library the CLI uses (``kg.search``, ``kg.explore``, ``kg.sparql``,
``kg.pipeline``); run it with ``make run`` or ``streamlit run app.py``. Everything loaded is
cached once per process and shared by every visitor. Text from the documents is always shown
as text: it is HTML-escaped wherever HTML is written, and otherwise goes to widgets that show
plain text (tables, code blocks, Graphviz labels).
"""
from __future__ import annotations

import html
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
import streamlit as st
from rdflib import RDF, Graph, URIRef

from kg import explore
from kg import sparql as sp
from kg.config import Settings
from kg.errors import KgError
from kg.rdf.vocab import KG
from kg.search import Searcher, highlights

PAGES = {"search": "검색", "entity": "엔티티", "graph": "그래프", "sparql": "SPARQL", "budget": "예산", "documents": "문서"}
EXAMPLES = ["국민외교를 지원하는 사업은?", "자매결연을 맺은 지역은?", "외국인주민 정착 지원 사업", "청년 해외 일자리", "2026년 예산이 가장 큰 사업"]
GRAPH_CAP = 60
_build_lock = threading.Lock()


@dataclass
class Workspace:
    """One build, loaded once per process and shared by every session."""

    settings: Settings
    graph: Graph  # in-memory rdflib graph: entity pages, budgets
    view: nx.MultiDiGraph  # networkx graph view: the graph page
    vocab: dict[str, str]  # Korean names of classes and properties
    searcher: Searcher
    pool: sp.Pool  # guarded SPARQL on Oxigraph, workers forked once
    queries: list[sp.SavedQuery]
    findings: list[dict]
    asker: object = None  # kg.ask.Asker: exact answers over the same graph, through the pool


@st.cache_resource(show_spinner="그래프와 색인을 불러오는 중…")
def workspace(build_dir: str) -> Workspace:
    from kg.pipeline import read_findings
    from kg.search.open import open_searcher
    from kg.rdf.io import load_graph, ontology
    from kg.rdf.nx import to_networkx

    from kg.ask import Asker

    settings = Settings()
    build = Path(build_dir)
    graph = load_graph(build)
    searcher = open_searcher(build, settings.ontology_dir, settings.embedder, allow_download=settings.allow_download)
    pool = sp.Pool(sp.load_store(build, verified=True), limits=sp.WorkerLimits(memory_mb=settings.sparql_worker_memory_mb))
    ws = Workspace(
        settings=settings,
        graph=graph,
        view=to_networkx(graph),
        vocab=explore.names(ontology(settings.ontology_dir)[0]),
        searcher=searcher,
        pool=pool,
        queries=sp.saved_queries(settings.queries_dir) if settings.queries_dir.is_dir() else [],
        findings=read_findings(build),
        asker=Asker(searcher, pool.engine, run=lambda q: pool.run(q, timeout=5.0, max_rows=1000)),
    )
    warm_up(ws)  # after the workers are forked, before the first page: see warm_up
    return ws


def warm_up(ws: Workspace) -> None:
    """What a first question loads on first use — Kiwi's model, the ranking's and the exact
    answers' first analysis, an entity summary's first SPARQL over rdflib, the highlighter —
    loaded with the workspace, so the first search is as quick as the next ones. Not in a
    background thread: Kiwi holds the interpreter while it loads (a thread beside it stalls for
    the whole second). Measured with ``kg bench start`` (first paint / first search after it):
    no warm-up 2.7 / 2.6 s; in a thread started with the workspace 4.8 / 0.4 s; in a thread
    started after the first page 2.7 / 2.2 s (the question waits behind it); here 4.4 / 0.5 s.
    A failure here is the first search's to report."""
    try:
        analysis, results = ws.searcher.search_explained(EXAMPLES[0], k=3)
        if ws.asker is not None:
            ws.asker.ask(EXAMPLES[0], analysis)
        for r in results[:1]:
            explore.summary(ws.graph, r.iri)
            highlights(EXAMPLES[0], r.text[:600])
    except Exception:  # the warm-up is an optimisation: the first search reports what fails
        pass


def ensure_built(settings: Settings) -> None:
    """Build the artefacts, with a progress bar, when the build folder has none."""
    from kg.rdf.io import GRAPH_FILE

    if (settings.build_dir / GRAPH_FILE).exists():
        return
    from kg.pipeline import build

    with _build_lock:  # one visitor builds, the others wait for it
        if (settings.build_dir / GRAPH_FILE).exists():
            return
        bar, progress = progress_bar("처음 실행: 문서에서 그래프와 색인을 만드는 중…")
        build(settings.raw_dir, settings.build_dir, settings.ontology_dir, progress=progress, embedder=settings.embedder,
              limits=settings.source_limits())
        bar.progress(1.0, text="완료")


def progress_bar(title: str):
    """A progress bar and the build's progress callback that moves it (a build reports about 15 steps)."""
    bar = st.progress(0.0, text=title)
    steps = [0]

    def progress(message: str) -> None:
        steps[0] += 1
        bar.progress(min(steps[0] / 15, 0.99), text=message.strip())

    return bar, progress


# ------------------------------------------------------------ small views


def text_html(text: str) -> str:
    """Document text as HTML that shows exactly that text."""
    return html.escape(text).replace("$", "&#36;").replace("\n", "<br>")


def show_text(text: str, tag: str = "div", style: str = "") -> None:
    st.html(f'<{tag} style="{style}">{text_html(text)}</{tag}>')


def open_entity(iri: str) -> None:
    st.session_state["entity"] = iri
    st.session_state["page"] = "entity"
    for key in ("entity-choice", "graph-choice"):  # the pickers follow the entity just opened
        st.session_state.pop(key, None)


def entity_link(iri: str) -> str:
    return "?" + urllib.parse.urlencode({"page": "entity", "entity": iri})


def won(amount: float | None) -> str:
    return "—" if amount is None else f"{amount:,.0f} 백만원"


# ------------------------------------------------------------ pages


def page_search(ws: Workspace) -> None:
    st.header("검색")
    st.caption(f"임베더: {ws.searcher.embedder_name} · 문서 {len(ws.searcher.nodes):,}개 노드를 형태소(BM25)와 의미(임베딩)로 찾습니다.")
    cols = st.columns(len(EXAMPLES))
    for col, example in zip(cols, EXAMPLES):
        if col.button(example, key=f"example-{example}", width="stretch"):
            st.session_state["q"] = example
    query = st.text_input("질문", key="q", placeholder="예: 국민외교를 지원하는 사업은?")
    k = st.slider("결과 수", 5, 30, key="k")
    within = document_scope(ws)
    if not query.strip():
        st.info("질문을 입력하거나 위의 예시를 누르세요.")
        return
    try:
        analysis, results = ws.searcher.search_explained(query, k=k, within=within)
    except KgError as exc:
        st.error(exc.one_line())
        return
    if analysis is not None and ws.asker is not None:
        answer_card(ws.asker.ask(query, analysis, within))
    if not results:
        st.warning("찾은 결과가 없습니다. 다른 낱말로 물어보세요.")
        return
    st.caption(reading(ws, analysis))
    st.caption(f"결과 {len(results)}개")
    for rank, r in enumerate(results, start=1):
        result_card(ws, query, rank, r)


def document_scope(ws: Workspace):
    """The documents a search reads: by issuer, year and kind (``kg.meta.Within``), offered when
    the build has more than one of any."""
    from kg.meta import Within

    metas = [m or {} for m in ws.searcher.documents.values()]
    choices = {field: sorted({m.get(field) for m in metas if m.get(field)}) for field in ("issuer", "year", "kind")}
    if not any(len(v) > 1 for v in choices.values()):
        return None
    names = {"plan": "업무계획", "brief": "정책브리프", "other": "기타 문서"}
    with st.expander("문서 범위: 발행 기관 · 연도 · 종류", expanded=False):
        cols = st.columns(3)
        issuers = cols[0].multiselect("발행 기관", choices["issuer"], key="within-issuer")
        years = cols[1].multiselect("연도", choices["year"], key="within-year")
        kinds = cols[2].multiselect("종류", choices["kind"], format_func=lambda x: names.get(x, x), key="within-kind")
    within = Within.of(issuers, years, kinds)
    if within:
        st.caption(f"범위: {within.describe()} · 문서 {len(within.documents(ws.searcher.documents))}개")
    return within or None


def answer_card(answer) -> None:
    """The exact answer to a structured question, above the results: the answer, how the question
    was read, the rows (CSV), and the SPARQL that gave them, which the SPARQL page can open."""
    if not answer.understood:
        return
    with st.container(border=True):
        st.html(f'<div class="kg-answer"><strong>답: {text_html(answer.answer)}</strong></div>')
        st.caption("읽은 방식: " + answer.interpretation)
        if answer.rows:
            table = pd.DataFrame([list(r) for r in answer.rows], columns=list(answer.columns))
            st.dataframe(table, hide_index=True)
            st.download_button("CSV로 받기", table.to_csv(index=False).encode("utf-8-sig"), file_name="answer.csv",
                               mime="text/csv", key="answer-csv")
        with st.expander("실행한 SPARQL"):
            st.code(answer.sparql, language="sparql")
            st.button("SPARQL 페이지에서 열기", key="answer-sparql", on_click=open_sparql, args=(answer.sparql,))


def open_sparql(text: str) -> None:
    st.session_state["sparql-text"] = text
    st.session_state["saved"] = ""
    st.session_state["loaded"] = ""
    st.session_state["page"] = "sparql"


INTENT_NAMES = {"support": "전략을 수행하는 사업 찾기", "relation": "연결된 개체 찾기", "brief": "브리프 내용 찾기", "lookup": "찾기"}


def reading(ws: Workspace, analysis) -> str:
    """How the question was read, in one line (the analysis `kg search --explain` prints)."""
    if analysis is None:
        return ""
    parts = ["질문 이해: " + ", ".join(INTENT_NAMES.get(i, i) for i in sorted(analysis.intents))]
    if analysis.answer_types:
        parts.append("찾는 유형 " + ", ".join(sorted({type_name(ws, t) for t in analysis.answer_types})))
    named = [m.name for m in analysis.mentions if not m.example]
    if named:
        parts.append("언급 " + ", ".join(named[:5]))
    return " · ".join(parts)


def result_card(ws: Workspace, query: str, rank: int, r) -> None:
    info = explore.summary(ws.graph, r.iri)
    with st.container(border=True):
        st.html(
            f'<div class="kg-card"><span style="color:#666">{rank}. {html.escape(type_name(ws, r.type))}</span> '
            f'<strong class="kg-label">{text_html(r.label)}</strong> '
            f'<span style="color:#999">점수 {r.score:.2f}</span></div>'
        )
        facts = []
        if info["department"]:
            facts.append(f"부서: {info['department']}")
        if info["bodies"]:
            facts.append("시행주체: " + ", ".join(info["bodies"]))
        if info["budget"]:
            facts.append(f"{info['budget']['label']}: {won(info['budget']['amount'])}")
        if info["source"]:
            facts.append(f"출처: {info['source']}")
        if facts:
            show_text(" · ".join(facts), style="font-size:0.9em;color:#444")
        marked = "".join(f"<mark>{text_html(piece)}</mark>" if hit else text_html(piece)
                         for piece, hit in highlights(query, r.text[:600]))
        st.html(f'<div class="kg-evidence" style="font-size:0.9em">{marked}</div>')
        if info["strategies"]:
            show_text("지원하는 전략: " + "; ".join(f"{s['label']} ({s['score']:.2f})" for s in info["strategies"]),
                      style="font-size:0.9em;color:#1a5e20")
        st.caption(r.why)
        st.button("엔티티 페이지 열기", key=f"open-{rank}-{r.iri}", on_click=open_entity, args=(r.iri,))


def pick_entity(ws: Workspace, key: str, label: str = "엔티티 찾기") -> str | None:
    """A name box and a choice among the entities it finds, the open entity first."""
    current = st.session_state.get("entity")
    name = st.text_input(label, key=f"{key}-name", placeholder="이름의 일부, 예: 국제교류")
    iris = [f["iri"] for f in explore.find(ws.graph, name)] if name.strip() else []
    if current and current not in iris:
        iris.insert(0, current)
    if not iris:
        if name.strip():
            st.warning("그런 이름의 엔티티가 없습니다.")
        return None
    return st.selectbox("엔티티", iris, key=f"{key}-choice", index=iris.index(current) if current in iris else 0,
                        format_func=lambda iri: describe(ws, iri))


def describe(ws: Workspace, iri: str) -> str:
    """Name and Korean type of an entity, as plain text for a widget."""
    ref = URIRef(iri)
    return f"{explore.label(ws.graph, ref)} ({type_name(ws, explore.kind(ws.graph, ref))})"


def type_name(ws: Workspace, kind: str) -> str:
    return ws.vocab.get(f"{KG._NS}{kind}", kind)


def page_entity(ws: Workspace) -> None:
    st.header("엔티티")
    iri = pick_entity(ws, "entity")
    if iri is None:
        st.info("검색 결과나 그래프에서 엔티티를 열거나, 이름으로 찾으세요.")
        return
    st.session_state["entity"] = iri
    try:
        e = explore.entity(ws.graph, iri, ws.vocab, ws.settings.raw_dir)
    except KgError as exc:
        st.error(exc.one_line())
        return
    st.html(f'<h3 class="kg-label">{text_html(e["label"])} <small style="color:#666">{html.escape(e["type_name"])}</small></h3>')
    st.caption(e["iri"])
    left, right = st.columns([3, 2])
    with left:
        if e["facts"]:
            st.dataframe(pd.DataFrame(e["facts"]).rename(columns={"property": "속성", "value": "값"}), hide_index=True, width="stretch")
    with right:
        if e["budgets"]:
            frame = pd.DataFrame(e["budgets"]).set_index("label")[["amount"]].rename(columns={"amount": "백만원"})
            st.bar_chart(frame, height=220)
            st.caption(" · ".join(f"{b['label']}: {won(b['amount'])}" for b in e["budgets"]))
    if e.get("series"):
        st.subheader("연도별 예산 (그해 업무계획)")
        frame = pd.DataFrame([{"연도": str(r["year"]), "백만원": r["amount"]} for r in e["series"]]).set_index("연도")
        st.bar_chart(frame, height=200)
        st.caption(" · ".join(f"{r['year']}: {won(r['amount'])}" for r in e["series"]))
    if e["indicators"]:
        st.subheader("성과지표와 목표")
        rows = [{"지표": i["label"], "단위": i["unit"], **{f"목표 {y}": v for y, v in i["targets"].items()}} for i in e["indicators"]]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if e["alignments"]:
        st.subheader("지원하는 사업" if e["type"] == "Strategy" else "지원하는 전략")
        for a in e["alignments"]:
            with st.expander(f"{a['label']} — 점수 {a['score']:.2f}"):
                if a["plan_evidence"]:
                    show_text("계획 근거: " + a["plan_evidence"])
                if a["brief_evidence"]:
                    show_text("브리프 근거: " + a["brief_evidence"])
                if a["reasons"]:
                    show_text(" · ".join(a["reasons"]), style="color:#666;font-size:0.9em")
                st.button("열기", key=f"align-{a['iri']}", on_click=open_entity, args=(a["iri"],))
    if e["neighbours"]:
        st.subheader("이웃")
        frame = pd.DataFrame([{"방향": "→" if n["direction"] == "out" else "←", "관계": n["property"], "이름": n["label"],
                               "유형": type_name(ws, n["type"]),
                               "열기": entity_link(n["iri"])} for n in e["neighbours"]])
        st.dataframe(frame, hide_index=True, width="stretch",
                     column_config={"열기": st.column_config.LinkColumn("열기", display_text="열기")})
        names = {n["iri"]: f"{n['label']} ({n['property']})" for n in e["neighbours"]}
        target = st.selectbox("이웃으로 이동", list(names), format_func=names.get, key="neighbour-choice")
        st.button("이동", key="neighbour-go", on_click=open_entity, args=(target,))
    if e["source"]:
        src = e["source"]
        st.subheader("출처")
        st.caption(f"{src['document']} · {src['file']} · {explore.line_range(src)}")
        if src["excerpt"]:
            st.code(src["excerpt"], language=None, wrap_lines=True)


def page_graph(ws: Workspace) -> None:
    st.header("그래프")
    whole = st.toggle("국 전체 보기", key="graph-whole")
    centre = None if whole else pick_entity(ws, "graph", "중심 엔티티")
    types = sorted({d.get("type", "") for _, d in ws.view.nodes(data=True)} - {""})
    c1, c2, c3 = st.columns(3)
    st.session_state.setdefault("graph-types", [t for t in types if t != "Document"])
    depth = c1.slider("깊이", 1, 3, key="graph-depth", disabled=whole)
    cap = c2.slider("최대 노드 수", 10, 200, step=10, key="graph-cap")
    chosen = c3.multiselect("유형", types, key="graph-types",
                            format_func=lambda t: type_name(ws, t))
    if not whole and centre is None:
        st.info("중심 엔티티를 고르거나 '국 전체 보기'를 켜세요.")
        return
    try:
        sub, found = explore.neighbourhood(ws.view, centre, depth, set(chosen) | ({ws.view.nodes[centre]["type"]} if centre else set()), cap)
    except KgError as exc:
        st.error(exc.one_line())
        return
    if found > cap:
        st.warning(f"이웃이 {found:,}개 노드로 커서 가까운 {cap}개만 보입니다. 깊이를 줄이거나 유형을 고르세요.")
    st.caption(f"노드 {sub.number_of_nodes()}개 · 관계 {sub.number_of_edges()}개 · 노드를 누르면 엔티티 페이지가 열립니다.")
    st.graphviz_chart(explore.to_dot(sub, centre, href=entity_link), width="stretch")
    legend = " ".join(f'<span style="background:{c};padding:0 6px;border-radius:4px">{html.escape(type_name(ws, t))}</span>'
                      for t, c in explore.TYPE_COLOURS.items() if t in chosen)
    st.html(f'<div style="font-size:0.8em">{legend}</div>')
    nodes = sorted(sub.nodes, key=lambda n: (sub.nodes[n].get("label", ""), n))
    target = st.selectbox("노드 열기", nodes, format_func=lambda n: describe(ws, n), key="graph-open")
    st.button("엔티티 페이지로", key="graph-go", on_click=open_entity, args=(target,))


def page_sparql(ws: Workspace) -> None:
    st.header("SPARQL")
    st.caption("읽기 전용: 갱신·SERVICE·FROM은 거부되고, 시간 제한을 넘은 질의는 멈춥니다. kg, rdfs, skos 등 접두사는 선언하지 않아도 됩니다.")
    saved = {q.name: q for q in ws.queries}
    pick = st.selectbox("저장된 질의", [""] + list(saved), key="saved",
                        format_func=lambda n: "— 직접 작성 —" if not n else saved[n].title)
    if pick and st.session_state.get("loaded") != pick:
        st.session_state["sparql-text"] = saved[pick].text
        st.session_state["loaded"] = pick
    if pick:
        st.caption(saved[pick].description)
    text = st.text_area("질의", key="sparql-text", height=240)
    c1, c2 = st.columns(2)
    timeout = c1.number_input("시간 제한(초)", min_value=0.5, max_value=float(ws.settings.app_max_timeout), step=0.5,
                              key="sparql-timeout")
    max_rows = c2.number_input("최대 행 수", min_value=1, max_value=100_000, step=100, key="sparql-rows")
    if not st.button("실행", key="sparql-run", type="primary"):
        return
    try:
        result = ws.pool.run(text, timeout=timeout, max_rows=int(max_rows))
    except sp.QueryTimeout as exc:
        st.error(f"시간 초과: {exc.one_line()}")
        return
    except sp.QueryStopped as exc:  # past the memory budget, or every worker busy
        st.error(f"중단됨: {exc.one_line()}")
        return
    except KgError as exc:
        st.error(exc.one_line())
        return
    if result.kind == "ASK":
        st.success(f"답: {'예' if result.boolean else '아니오'} ({result.elapsed_ms:.0f} ms)")
        return
    head = result.vars if result.kind == "SELECT" else ["subject", "predicate", "object"]
    frame = pd.DataFrame([[sp.plain(t) for t in row] for row in result.rows], columns=head)
    note = f"{len(result.rows):,}행 · {result.elapsed_ms:.0f} ms"
    if result.truncated:
        st.warning(f"결과가 최대 행 수({int(max_rows):,})에서 잘렸습니다. 더 보려면 최대 행 수를 늘리거나 질의를 좁히세요.")
        note += " · 잘림"
    st.caption(note)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button("CSV로 받기", result.to_csv().encode("utf-8"), file_name="result.csv", mime="text/csv", key="sparql-csv")


def page_documents(ws: Workspace) -> None:
    """The build's documents; add one (PDF, HWPX, HWP, text) or remove one, each a whole rebuild
    that leaves the build as it was when it fails (``kg.documents``)."""
    from kg import documents

    settings = ws.settings
    st.header("문서")
    rows = documents.listing(settings.build_dir, settings.raw_dir)
    kinds = {"business_plan": "업무계획", "policy_brief": "정책브리프", "text": "기타 문서"}
    counted = explore.document_counts(ws.graph)
    st.dataframe(pd.DataFrame([{
        "파일": r["source"], "제목": r.get("title") or "", "종류": kinds.get(r["format"], r["format"]),
        "발행 기관": (r.get("meta") or {}).get("issuer") or "", "연도": (r.get("meta") or {}).get("year"),
        "실국": (r.get("meta") or {}).get("bureau") or "",
        "형식": r.get("encoding", ""), "세부사업": counted.get(r["doc_id"], {}).get("SubProject", 0),
        "전략": counted.get(r["doc_id"], {}).get("Strategy", 0), "문단": counted.get(r["doc_id"], {}).get("Passage", 0),
        "크기(KB)": round(r["bytes"] / 1024) if r["bytes"] else None, "수정": r["modified"] or "원본 없음",
    } for r in rows]), hide_index=True, width="stretch")
    st.subheader("문서 추가")
    limit = settings.source_limits().max_bytes
    upload = st.file_uploader(f"PDF, HWPX, HWP 또는 텍스트 파일 ({limit / 1e6:,.0f} MB까지)", type=["pdf", "hwpx", "hwp", "txt"],
                              key="upload")
    if upload is not None and st.button("추가하고 그래프 다시 만들기", key="upload-add"):
        _rebuild(ws, lambda progress: documents.add_document(upload.name, upload.getvalue(), settings.raw_dir, settings.build_dir,
                                                            settings.ontology_dir, progress, embedder=settings.embedder,
                                                            limits=settings.source_limits()),
                 f"{upload.name}을(를) 추가했습니다.")
    st.subheader("문서 빼기")
    names = [r["source"] for r in rows if r["present"]]
    victim = st.selectbox("뺄 문서", [""] + names, key="remove-choice")
    if victim:
        sure = st.checkbox(f"{victim}을(를) 원본 폴더에서 지우고 그래프를 다시 만듭니다", key="remove-sure")
        if st.button("빼고 다시 만들기", key="remove-go", disabled=not sure):
            _rebuild(ws, lambda progress: documents.remove_document(victim, settings.raw_dir, settings.build_dir, settings.ontology_dir,
                                                                   progress, embedder=settings.embedder,
                                                                   limits=settings.source_limits()),
                     f"{victim}을(를) 뺐습니다.")


def _rebuild(ws: Workspace, change, done: str) -> None:
    """Run a change of the documents (a rebuild) under the build lock, then load the new build for
    every visitor; a failure is one line and the build stays as it was."""
    with _build_lock:
        bar, progress = progress_bar("그래프를 다시 만드는 중…")
        try:
            change(progress)
        except KgError as exc:
            bar.empty()
            st.error(exc.one_line())
            return
        bar.progress(1.0, text="완료")
    ws.pool.close()  # the old build's workers
    workspace.clear()
    st.session_state["documents-note"] = done
    st.rerun()


def page_budget(ws: Workspace) -> None:
    st.header("예산")
    rows = explore.department_budgets(ws.graph)
    if not rows:
        st.info("예산이 있는 부서가 없습니다.")
    else:
        frame = pd.DataFrame(rows).pivot_table(index="department", columns="column", values="amount", aggfunc="sum")
        st.subheader("부서별 예산 (단위사업 합계, 백만원)")
        st.bar_chart(frame, stack=False, height=320)
        st.dataframe(frame.style.format("{:,.0f}"), width="stretch")
    changes = explore.budget_changes(ws.graph, limit=10)
    left, right = st.columns(2)
    for col, key, title in ((left, "increases", "가장 많이 늘어난 세부사업"), (right, "cuts", "가장 많이 줄어든 세부사업")):
        with col:
            st.subheader(title)
            if changes[key]:
                st.dataframe(pd.DataFrame([{"세부사업": r["label"], "단위사업": r["unit"], f"예산 {r['from_year']}": r["before"],
                                            f"예산 {r['to_year']}": r["after"], "증감": r["change"]} for r in changes[key]]),
                             hide_index=True, width="stretch")
            else:
                st.caption("없음")
    st.subheader("예산 정합성 점검 (kg validate)")
    if ws.findings:
        st.warning(f"표의 합계와 항목이 맞지 않는 곳 {len(ws.findings)}건")
        st.dataframe(pd.DataFrame(ws.findings), hide_index=True, width="stretch")
    else:
        st.success("모든 합계가 항목의 합과 맞습니다.")


# ------------------------------------------------------------ main


def keep_inputs(settings: Settings) -> None:
    """Give every input its default once, and keep what was typed while another page shows
    (Streamlit forgets the state of widgets a run does not draw)."""
    defaults = {
        "q": "", "k": 10, "graph-whole": False, "graph-depth": 1, "graph-cap": GRAPH_CAP,
        "sparql-text": "SELECT ?s ?label WHERE { ?s a kg:SubProject ; rdfs:label ?label } LIMIT 20",
        "saved": "", "loaded": "", "sparql-timeout": float(min(settings.sparql_timeout, settings.app_max_timeout)), "sparql-rows": int(settings.sparql_max_rows),
    }
    for key, value in defaults.items():
        st.session_state[key] = st.session_state.get(key, value)
    if "graph-types" in st.session_state:
        st.session_state["graph-types"] = st.session_state["graph-types"]


def main() -> None:
    st.set_page_config(page_title="policy-kg · 정책 지식그래프", page_icon="🗺️", layout="wide")
    settings = Settings()
    params = st.query_params
    if params.get("page") in PAGES and st.session_state.get("_from_url") != dict(params):
        st.session_state["_from_url"] = dict(params)  # a link opened (graph node, neighbour table)
        st.session_state["page"] = params["page"]
        if params.get("entity"):
            st.session_state["entity"] = params["entity"]
    keep_inputs(settings)
    try:
        ensure_built(settings)
        ws = workspace(str(settings.build_dir))
    except KgError as exc:
        st.error(exc.one_line())
        st.stop()
    with st.sidebar:
        st.title("policy-kg")
        st.caption(" × ".join(sorted(explore.label(ws.graph, d) for d in ws.graph.subjects(RDF.type, KG.Document))))
        st.radio("페이지", list(PAGES), format_func=PAGES.get, key="page")
        st.caption(f"빌드: {settings.build_dir}")
    note = st.session_state.pop("documents-note", None)
    if note:
        st.success(note)
    {"search": page_search, "entity": page_entity, "graph": page_graph, "sparql": page_sparql, "budget": page_budget,
     "documents": page_documents}[st.session_state["page"]](ws)


main()
