"""`mlcoach jobspec`: a job posting against your résumé, ratings or practice."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.panel import Panel
from rich.table import Table

from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, print_json

if TYPE_CHECKING:
    pass

from mlcoach.cli.interview.common import (
    _load_yaml,
    _parse_date,
)

# --- jobspec ------------------------------------------------------------------------------------


def jobspec(
    posting: Path = typer.Argument(..., help="The job posting, as a text or Markdown file."),
    resume: Path | None = typer.Option(None, "--resume", help="Your résumé, as a text file."),
    ratings: Path | None = typer.Option(
        None, "--ratings", help="A YAML file rating your skills 1-5 (skill or topic: rating)."
    ),
    interview_date: str | None = typer.Option(
        None, "--interview-date", "-d", help="For the plan (default: three weeks from today)."
    ),
    hours_per_week: float = typer.Option(6.0, "--hours-per-week", "-w", help="For the plan."),
    save_plan: bool = typer.Option(
        False, "--save-plan", help="Store the tailored plan as your study plan."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Read a job posting into the skills it asks for, your gaps and the questions to expect.

    Your side comes from --resume, --ratings, or your practice so far; a study plan tailored to
    the gaps follows."""
    from mlcoach.interview import (
        compare,
        read_posting,
        skills_from_mastery,
        skills_from_ratings,
        skills_from_resume,
    )
    from mlcoach.interview.jobspec import CandidateSkills
    from mlcoach.interview.matching import default_embedder, read_text_file
    from mlcoach.interview.plan_builder import PlanRequest, build_plan, minutes_by_topic
    from mlcoach.practice.mastery import user_topic_mastery
    from mlcoach.store.models import utcnow

    embedder = default_embedder(ctx.settings)
    profile = read_posting(read_text_file(posting, "job posting"), embedder=embedder)
    catalog, db, user = ctx.catalog, ctx.database, ctx.user
    with db.session() as s:
        standings, known = user_topic_mastery(s, user.id, catalog, utcnow())
    history = dict(known.scores)
    sources: list[CandidateSkills] = []
    if resume is not None:
        sources.append(skills_from_resume(read_text_file(resume, "résumé"), embedder=embedder))
    if ratings is not None:
        sources.append(skills_from_ratings(_load_yaml(ratings, "ratings file") or {}))
    if not sources:
        sources.append(skills_from_mastery(standings))
    candidate = sources[0]
    if len(sources) > 1:  # résumé and ratings: the better evidence of each skill wins
        levels = dict(sources[0].levels)
        evidence = dict(sources[0].evidence)
        for sid, level in sources[1].levels.items():
            if level > levels.get(sid, -1):
                levels[sid], evidence[sid] = level, sources[1].evidence.get(sid, "")
        candidate = CandidateSkills("resume", levels, evidence)
    report = compare(profile, candidate, catalog, history=history)

    when = _parse_date(interview_date, "interview date") or date.today() + timedelta(days=21)
    request = PlanRequest(
        role=profile.role,
        start=date.today(),
        interview_date=when,
        hours_per_week=hours_per_week,
        mastery={t: st.mastery for t, st in standings.items()},
        focus=report.focus,
        history=history,
    )
    plan_days = build_plan(catalog, request)
    stored = None
    if save_plan:
        from mlcoach.interview.stored_plans import create_plan

        stored = create_plan(
            db,
            catalog,
            user.id,
            role=profile.role,
            interview_date=when,
            hours_per_week=hours_per_week,
            today=date.today(),
            focus=report.focus,
        )
    if as_json:
        print_json(
            {
                **report.as_dict(),
                "plan": {
                    "interview_date": when.isoformat(),
                    "minutes_by_topic": minutes_by_topic(plan_days),
                    "saved_plan_id": stored.id if stored else None,
                },
            }
        )
        return
    _show_jobspec(report, plan_days, when, stored is not None)


def _show_jobspec(report: Any, plan_days: list[Any], when: date, saved: bool) -> None:
    from mlcoach.interview.plan_builder import minutes_by_topic

    catalog = ctx.catalog
    posting = report.posting
    source = {"resume": "your résumé", "ratings": "your ratings", "mastery": "your practice so far"}
    console.print(
        Panel(
            f"[bold]{posting.title}[/]\nRole: {posting.role} · compared with "
            f"{source.get(report.source, report.source)}",
            title="Job posting",
            border_style="cyan",
        )
    )
    table = Table(title="Skills asked for", title_justify="left")
    table.add_column("skill")
    table.add_column("asked", justify="center")
    table.add_column("you", justify="center")
    table.add_column("why it counts", style="dim")
    style = {"gap": "red", "partial": "yellow", "strong": "green"}
    for c in report.comparisons:
        mark = {"gap": "✗ gap", "partial": "~ partial", "strong": "✓"}[c.status]
        table.add_row(
            c.ask.skill.name,
            c.ask.level,
            f"[{style[c.status]}]{mark}[/]",
            c.ask.evidence[:80] + (" (by meaning)" if c.ask.via == "meaning" else ""),
        )
    console.print(table)
    if report.questions:
        console.print("[bold]Questions to expect[/] (on your gap topics)")
        for qid in report.questions:
            q = catalog.questions[qid]
            console.print(f"  • {q.prompt} [dim]({qid})[/]")
    if report.scenarios:
        names = ", ".join(f"{catalog.scenarios[s].title} ({s})" for s in report.scenarios)
        console.print(f"[bold]Design scenarios to rehearse:[/] {names}")
    minutes = minutes_by_topic(plan_days)
    top = sorted(minutes.items(), key=lambda kv: -kv[1])[:8]
    console.print(
        f"[bold]Tailored plan[/] until {when}: {len(plan_days)} study days; most time on "
        + ", ".join(
            f"{catalog.topics[k].title if k in catalog.topics else k} ({v} min)" for k, v in top
        )
    )
    for d in plan_days[:5]:
        console.print(f"  {d.day.strftime('%a %d %b')}: {d.summary}", style="dim")
    if saved:
        console.print("Saved as your study plan: `mlcoach plan` shows it.", style="green")
    else:
        console.print("Add --save-plan to keep it as your study plan.", style="dim")
