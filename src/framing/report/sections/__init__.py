"""Report sections, one function each: ``sections.tone_by_outlet(study)`` renders, or says what it lacks.

Each is registered in :data:`SECTIONS` with its notebook, title and declared :class:`~framing.report.study.Needs`.
"""

from framing.report.sections.actors import (
    actor_evidence,
    actor_portrayal,
    actor_portrayal_quoted,
    actor_roles,
    actor_table,
    sources,
    who_speaks,
    word_choice,
)
from framing.report.sections.base import SECTIONS, Section, needs_table, section
from framing.report.sections.corpus import (
    attention_over_time,
    corpus_overview,
    duplicates,
    languages,
    rejects_ledger,
    topic_tags,
)
from framing.report.sections.findings import all_comparisons, headline, key_findings, tone_over_time
from framing.report.sections.frames import (
    conflict_vocabulary,
    distinctive_terms,
    generic_frame_evidence,
    generic_frames,
    issue_frame_evidence,
    issue_frames,
    issue_frames_quoted,
    topics,
)
from framing.report.sections.methods import lexicon_versions, model_tuning, validation_figures
from framing.report.sections.tone import tone_by_outlet, tone_evidence, tone_focus, tone_table

__all__ = [
    "SECTIONS", "Section", "actor_evidence", "actor_portrayal", "actor_portrayal_quoted", "actor_roles",
    "actor_table", "all_comparisons", "attention_over_time", "conflict_vocabulary", "corpus_overview",
    "distinctive_terms", "duplicates", "generic_frame_evidence", "generic_frames", "headline", "issue_frame_evidence",
    "issue_frames", "issue_frames_quoted", "key_findings", "languages", "lexicon_versions", "model_tuning",
    "needs_table", "rejects_ledger", "section", "tone_by_outlet", "tone_evidence", "tone_focus", "tone_over_time",
    "tone_table", "topic_tags", "topics", "validation_figures", "who_speaks", "word_choice", "sources",
]
