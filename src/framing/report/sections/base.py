"""The section registry: each report section is a function of the study, with its data needs declared once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from framing.report.display import Builder, Shown
from framing.report.study import Needs, Study

Render = Callable[[Study, Builder], None]


@dataclass(frozen=True)
class Section:
    """One report section: what it needs, where it appears, and the function that renders it."""

    name: str
    title: str
    notebook: str
    needs: Needs
    render: Render

    def __call__(self, study: Study) -> Shown:
        """Render the section, or say in one sentence which of its needs the study does not meet."""
        show = study.builder(self.name)
        reason = self.needs.unmet(study)
        if reason is not None:
            show.shown.reason = reason
            return show.shown
        self.render(study, show)
        return show.done()


SECTIONS: dict[str, Section] = {}


def section(name: str, *, title: str, notebook: str, needs: Needs = Needs()) -> Callable[[Render], Section]:
    """Register a section function under ``name`` (the report shows ``title`` in ``notebook``)."""
    def register(render: Render) -> Section:
        if name in SECTIONS:
            raise ValueError(f"section {name!r} is registered twice")
        sec = Section(name, title, notebook, needs, render)
        SECTIONS[name] = sec
        return sec
    return register


def needs_table() -> str:
    """The README's table of what each section needs, as Markdown (a test keeps the README equal to it)."""
    rows = ["| notebook | section | needs at least |", "|---|---|---|"]
    for sec in sorted(SECTIONS.values(), key=lambda x: (x.notebook, list(SECTIONS).index(x.name))):
        needs = "nothing from the corpus" if sec.needs.docs == 0 else sec.needs.describe()
        rows.append(f"| `{sec.notebook}` | {sec.title} (`{sec.name}`) | {needs} |")
    return "\n".join(rows)
