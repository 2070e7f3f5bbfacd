"""The policy-kg vocabulary as code: a misspelt term raises instead of minting a new IRI.

Every term here is declared, labelled @ko and @en and defined in ``ontology/kg.ttl``;
``tests/test_ontology.py`` keeps the two in step.
"""
from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/policy-kg/"
ID = Namespace(BASE + "id/")


class KG(DefinedNamespace):
    """OWL classes and properties of policy-kg."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Document: URIRef
    Passage: URIRef
    Section: URIRef
    Organization: URIRef
    Bureau: URIRef
    Department: URIRef
    Team: URIRef
    ImplementingBody: URIRef
    Project: URIRef
    UnitProject: URIRef
    SubProject: URIRef
    PolicyGoal: URIRef
    PerformanceIndicator: URIRef
    IndicatorValue: URIRef
    BudgetAmount: URIRef
    BudgetLine: URIRef
    Region: URIRef
    Country: URIRef
    ProgrammeArea: URIRef
    Programme: URIRef
    Problem: URIRef
    Strategy: URIRef
    Phase: URIRef
    Alignment: URIRef
    ProjectSeries: URIRef

    # structure
    hasSection: URIRef
    hasDepartment: URIRef
    hasTeam: URIRef
    hasPolicyGoal: URIRef
    hasIndicator: URIRef
    hasUnitProject: URIRef
    hasSubProject: URIRef
    implementedBy: URIRef
    correspondsTo: URIRef
    partnerRegion: URIRef
    country: URIRef
    partnershipType: URIRef
    supportForm: URIRef
    inArea: URIRef
    subStrategyOf: URIRef
    inSection: URIRef
    describes: URIRef
    describedBy: URIRef
    seriesMember: URIRef

    # budgets and staff
    budget: URIRef
    budgetLine: URIRef
    fiscalYear: URIRef
    budgetKind: URIRef
    amount: URIRef
    previousAmount: URIRef
    changeAmount: URIRef
    currencyUnit: URIRef
    category: URIRef
    level: URIRef
    staffQuota: URIRef
    staffCurrent: URIRef
    indicatorCount: URIRef
    unitProjectCount: URIRef
    declaredSubProjectCount: URIRef
    account: URIRef

    # indicators
    indicatorType: URIRef
    weight: URIRef
    measurementUnit: URIRef
    formula: URIRef
    dataSource: URIRef
    rationale: URIRef
    target: URIRef
    actual: URIRef
    value: URIRef
    valueText: URIRef

    # texts
    text: URIRef
    purpose: URIRef
    mainContent: URIRef
    content: URIRef
    strategicGoal: URIRef
    direction: URIRef
    supportCondition: URIRef
    periodStart: URIRef
    periodEnd: URIRef
    ordinal: URIRef

    # provenance
    sourceDocument: URIRef
    startLine: URIRef
    endLine: URIRef
    sha256: URIRef
    documentFormat: URIRef
    sourceName: URIRef
    documentKind: URIRef
    issuer: URIRef
    issuerType: URIRef
    issuingBureau: URIRef
    documentYear: URIRef

    # alignments (plan ↔ brief)
    alignedEntity: URIRef
    alignedStrategy: URIRef
    score: URIRef
    method: URIRef
    evidence: URIRef
    supports: URIRef
    relevance: URIRef
    entityEvidence: URIRef
    strategyEvidence: URIRef
    theme: URIRef


class KGC(DefinedNamespace):
    """SKOS concepts of policy-kg (``ontology/concepts.ttl``)."""

    _NS = Namespace(BASE + "concept/")
    _fail = True

    # schemes
    PartnershipTypes: URIRef
    SupportForms: URIRef
    BudgetKinds: URIRef
    IndicatorTypes: URIRef
    Units: URIRef
    Themes: URIRef
    Countries: URIRef
    AbroadFacingThemes: URIRef  # skos:Collection of Themes
    IssuingGovernments: URIRef  # skos:Collection of glossary concepts (ontology/glossary.ttl)

    # partnership types
    SisterRelationship: URIRef
    FriendshipRelationship: URIRef
    # budget kinds
    Settlement: URIRef
    Budget: URIRef
    # indicator types
    CoreIndicator: URIRef
    GeneralIndicator: URIRef
    # units
    MillionKRW: URIRef
