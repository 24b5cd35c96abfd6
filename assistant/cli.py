"""The ``jsna`` command. Progress bars and printing live here and nowhere else."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from assistant import embed, gaps, jobs, staff, store
from assistant.answer import Response, indicator_tables, respond
from assistant.config import ENV_PREFIX, Settings, load_settings, settings_file
from assistant.errors import JsnaError
from assistant.export import (
    register_csv,
    register_docx,
    register_xlsx,
    table_reference_parts,
    to_docx,
    to_markdown,
)
from assistant.indicators import IndicatorTable
from assistant.ingest import ProgressEvent, ingest
from assistant.model import dated
from assistant.present import (
    STAGE_UNITS,
    also_in_text,
    codes_text,
    format_report,
    groups_label,
    headline,
    job_progress,
    newer_text,
    profile_cells,
    profile_groups,
    ranking_text,
    recommendation_place,
    stage_label,
    version_lines,
)
from assistant.profile import AreaProfile, area_profile
from assistant.recommendations.register import listing
from assistant.retrieve import Filters, Retriever

MIN_PASSWORD_LENGTH = 12


class _Command(click.Group):
    """Turns the errors users can act on into a message and advice instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JsnaError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            if exc.advice:
                click.echo(exc.advice, err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo(
                "\nInterrupted. The index is as it was before this command; an ingest run again carries on from"
                " the passages already embedded.",
                err=True,
            )
            ctx.exit(130)


@click.group(cls=_Command)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (default: jsna.toml).",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Find cited evidence in a Joint Strategic Needs Assessment."""
    ctx.obj = load_settings(config_file=config)


@main.command("ingest")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), help="Corpus folder (default: corpus/).")
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.option("--full", is_flag=True, help="Rebuild every document, not only new and changed ones.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any file was skipped.")
@click.option("--job", "job_by", metavar="WHO", help="Report progress and outcome beside the index (the staff page).")
@click.pass_obj
def ingest_command(
    settings: Settings, corpus: Path | None, index: Path | None, full: bool, strict: bool, job_by: str | None
) -> None:
    """Index new and changed documents in the corpus; drop removed ones."""
    settings = settings.replace(corpus=corpus, index=index)
    click.echo(f"Indexing {settings.corpus}/ into {settings.index}/ ...", err=True)
    job = jobs.JobReporter(settings.index, job_by) if job_by else None
    with _ProgressBars() as bars:

        def progress(event: ProgressEvent) -> None:
            bars.update(event)
            if job is not None:
                job.progress(event)

        try:
            report = ingest(settings, embed.load_embedder(settings), full=full, progress=progress)
        except BaseException as exc:  # the staff page must hear of any end, Ctrl-C included
            if job is not None:
                message = (
                    f"{exc.message} {exc.advice}" if isinstance(exc, JsnaError) else f"{type(exc).__name__}: {exc}"
                )
                job.finish(message.strip(), failed=True)
            raise
    if job is not None:
        job.finish(format_report(report))
    click.echo(format_report(report))
    if strict and report.skipped:
        sys.exit(1)


class _ProgressBars:
    """One tqdm bar per stage, on stderr."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __enter__(self) -> _ProgressBars:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()

    def update(self, event: ProgressEvent) -> None:
        from tqdm import tqdm

        bar = self.bars.get(event.stage)
        if bar is None:
            if event.total == 0:
                return
            bar = self.bars[event.stage] = tqdm(
                total=event.total,
                desc=stage_label(event.stage),
                unit=STAGE_UNITS.get(event.stage, "step"),
                file=sys.stderr,
                leave=True,
            )
        bar.n = event.done
        bar.set_postfix_str(event.item[-40:], refresh=False)
        bar.refresh()


def filter_options(command: Any) -> Any:
    """The search filters, shared by `search` and `recommendations`, handed to the command as one ``filters``."""
    options = [
        click.option(
            "--kind",
            "kinds",
            multiple=True,
            help="Only this kind of document (repeatable): chapter, briefing, overview, pna, dphar, other.",
        ),
        click.option("--publisher", help="Only documents whose publisher or title contains this (e.g. Trafford)."),
        click.option("--year-from", type=int, help="Only documents from this year on."),
        click.option("--year-to", type=int, help="Only documents up to this year."),
        click.option("--doc", "docs", multiple=True, help="Only this document, as its corpus path (repeatable)."),
    ]

    @functools.wraps(command)
    def with_filters(
        *args: Any,
        kinds: tuple[str, ...],
        publisher: str | None,
        year_from: int | None,
        year_to: int | None,
        docs: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        filters = Filters(tuple(kinds), publisher or "", year_from, year_to, False, tuple(docs))
        return command(*args, filters=filters, **kwargs)

    wrapped: Any = with_filters
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


@main.command("search")
@click.argument("question", required=False)
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.option("--k", type=click.IntRange(1, 100), help="Number of passages (default 8).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON interface).")
@click.option(
    "--questions",
    type=click.File("r", encoding="utf-8"),
    help='Batch mode: a JSONL file of {"id": ..., "question": ...} lines ("-" for stdin); prints one JSON line each.',
)
@click.option("--recommendations", is_flag=True, help="Only passages that are recommendations.")
@filter_options
@click.pass_obj
def search_command(
    settings: Settings,
    question: str | None,
    index: Path | None,
    k: int | None,
    as_json: bool,
    questions: TextIO | None,
    recommendations: bool,
    filters: Filters,
) -> None:
    """Find passages that answer QUESTION, with document and page."""
    settings = settings.replace(index=index, k=k)
    if (question is None) == (questions is None):
        raise click.UsageError("Give either a QUESTION or --questions FILE.")
    filters = dataclasses.replace(filters, recommendations=recommendations)
    retriever = Retriever(settings, embed.load_embedder(settings))
    retriever.snapshot  # noqa: B018 - fail early, before reading questions, when there is no usable index
    if questions is not None:
        for item in _read_questions(questions):
            click.echo(json.dumps(_result(retriever, item, filters), ensure_ascii=False))
        return
    assert question is not None
    response = respond(retriever, question, filters=filters)
    if as_json:
        result = {"id": None, "question": question, **response.to_dict()}
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(format_response(response))


def _read_questions(handle: TextIO) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError("needs a string field 'question'")
            history = item.get("history", [])
            if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
                raise ValueError("'history' must be a list of earlier questions")
        except ValueError as exc:
            yield {"id": None, "error": f"line {number}: not a question object ({exc})"}
            continue
        yield {"id": item.get("id", number), "question": item["question"], "history": history}


def _result(retriever: Retriever, item: dict[str, Any], filters: Filters) -> dict[str, Any]:
    if "error" in item:
        return item
    response = respond(retriever, item["question"], filters=filters, history=item.get("history", ()))
    return {"id": item["id"], "question": item["question"], **response.to_dict()}


@main.command("indicators")
@click.argument("question", required=False)
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.option("--k", type=click.IntRange(1, 20), default=3, show_default=True, help="Number of indicators.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON interface).")
@click.option("--questions", type=click.File("r", encoding="utf-8"), help="Batch mode, as for `jsna search`.")
@click.pass_obj
def indicators_command(
    settings: Settings, question: str | None, index: Path | None, k: int, as_json: bool, questions: TextIO | None
) -> None:
    """Indicator tables matching QUESTION: value, 95% CI, England and region, comparison, trend."""
    settings = settings.replace(index=index)
    if (question is None) == (questions is None):
        raise click.UsageError("Give either a QUESTION or --questions FILE.")
    retriever = Retriever(settings, embed.load_embedder(settings))
    items: Iterator[dict[str, Any]] = (
        _read_questions(questions) if questions is not None else iter([{"id": None, "question": question or ""}])
    )
    for item in items:
        if "error" in item:
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        tables = indicator_tables(retriever, str(item["question"]), list(item.get("history", [])), k)
        result = {"id": item["id"], "question": item["question"], "tables": [t.to_dict() for t in tables]}
        if as_json or questions is not None:
            click.echo(json.dumps(result, ensure_ascii=False, indent=None if questions is not None else 1))
        else:
            click.echo(format_tables(tables))


def format_tables(tables: list[IndicatorTable]) -> str:
    if not tables:
        return "No indicator matches this question."
    out = []
    for t in tables:
        out.append(f"{t.indicator_name} [{t.unit}] - {headline(t)}")
        out.append(f"    source: {''.join(table_reference_parts(t))} ({t.source})")
        if t.note:
            out.append(f"    note: {t.note}")
        if t.ranking:
            out.append(f"    ranking: {ranking_text(t)}")
    return "\n".join(out)


@main.command("recommendations")
@click.argument("topic", required=False)
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines, one recommendation each (see README).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "docx"]),
    help="Write the list as a spreadsheet or Word document instead (to --output, or standard output).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write --format to.")
@click.option("--possible", is_flag=True, help="With TOPIC: also the items that may be on it, after those that are.")
@filter_options
@click.pass_obj
def recommendations_command(
    settings: Settings,
    topic: str | None,
    index: Path | None,
    as_json: bool,
    fmt: str | None,
    output: Path | None,
    possible: bool,
    filters: Filters,
) -> None:
    """List each recommendation in the corpus as one item, by document (newest first), or those on TOPIC (closest
    first), with its document, page and section and the other places that restate it."""
    settings = settings.replace(index=index)
    retriever = Retriever(settings, embed.load_embedder(settings))
    found, more = listing(retriever, topic, filters)
    if possible:
        found, more = found + more, []
    if fmt:
        data = {"csv": register_csv, "xlsx": register_xlsx, "docx": register_docx}[fmt](found)
        if output is None:
            if fmt != "csv" and sys.stdout.isatty():
                raise click.UsageError(f"A .{fmt} file is binary: give --output FILE, or redirect the output.")
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            click.echo(f"{len(found)} recommendations written to {output}", err=True)
        return
    if as_json:
        for item in found:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
        return
    if not found:
        click.echo("No recommendations found" + (f" on {topic!r}." if topic else "."))
    current = None
    for item in found:
        if item.doc != current:
            current = item.doc
            click.echo(f"\n{dated(item.title, item.year)}  [{item.doc}]")
        click.echo(textwrap.indent(textwrap.fill(f"- {item.text}", 96, subsequent_indent="  "), "  "))
        click.echo(textwrap.indent(textwrap.fill(recommendation_place(item), 92), "    "))
    if more:
        click.echo(f"\n{len(more)} more may be on {topic!r}: add --possible to list them too.")


@main.command("gaps")
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines, one group of questions each (see README).")
@click.pass_obj
def gaps_command(settings: Settings, index: Path | None, as_json: bool) -> None:
    """What people asked in the app and the JSNA could not answer (declined or answered weakly), questions worded
    alike grouped, the most asked first: evidence the next JSNA should cover."""
    settings = settings.replace(index=index)
    entries = gaps.read_log(settings.index)
    if not entries:
        off = " (the gaps log is off: gaps_log = false)" if not settings.gaps_log else ""
        click.echo(f"No declined or weakly answered questions logged in {gaps.log_path(settings.index)}{off}.")
        return
    found = gaps.report(entries, embed.load_embedder(settings).embed)
    for gap in found:
        if as_json:
            click.echo(json.dumps(gap.to_dict(), ensure_ascii=False))
            continue
        counts = f"asked {gap.count}x ({gap.declined} declined, {gap.weak} weak), last {gap.last}"
        click.echo(f"- {gap.question}  [{counts}]")
        for other in gap.wordings[1:]:
            click.echo(f"    also: {other}")


@main.command("profile")
@click.argument("area")
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.option("--json", "as_json", is_flag=True, help="Print the profile as one JSON object (see README).")
@click.option("--format", "fmt", type=click.Choice(["md", "docx"]), help="Write it as an evidence pack instead.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File for --format (default: stdout).")
@click.pass_obj
def profile_command(
    settings: Settings, area: str, index: Path | None, as_json: bool, fmt: str | None, output: Path | None
) -> None:
    """AREA at a glance: every indicator with a value for it (value, 95% CI, England, Better / Similar / Worse,
    trend, period), those where it is worse than England first, then by theme; and the passages most about it."""
    settings = settings.replace(index=index)
    found = area_profile(Retriever(settings, embed.load_embedder(settings)), area)
    if fmt:
        data = to_docx([], profiles=[found]) if fmt == "docx" else to_markdown([], profiles=[found]).encode()
        if output is None:
            if fmt == "docx" and sys.stdout.isatty():
                raise click.UsageError("A .docx file is binary: give --output FILE, or redirect the output.")
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            click.echo(f"Profile of {found.area} written to {output}", err=True)
        return
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(format_profile(found))


def format_profile(found: AreaProfile) -> str:
    rows = found.indicators.rows
    out = [f"{found.area} ({found.indicators.area_type}): {len(rows)} indicators with a value"]
    for heading, group in profile_groups(rows):
        out += ["", heading]
        for row in group:
            name, period, value, england, comparison, trend = profile_cells(row)
            england = f", England {england}" if england else ""
            named = f"{name}, {period}" if period else name  # a census table may give no period
            line = f"- {named}: {value}{england}: {comparison}" + (f" ({trend})" if trend else "")
            out.append(textwrap.fill(line, 110, subsequent_indent="    "))
    out += ["", "Passages most about " + found.area]
    out += [f"[{n}] {hit.chunk.citation}" for n, hit in enumerate(found.hits, 1)] or ["  (none name it)"]
    return "\n".join(out)


def format_response(response: Response) -> str:
    lines = (response.put_right, response.answer.text, response.answer.caution)
    out = [textwrap.fill(line, 100) for line in lines if line] + [""]
    for number, hit in enumerate(response.hits, 1):
        c = hit.chunk
        badge = " [recommendation]" if c.recommendation else ""
        out.append(f"[{number}] {c.citation}{badge}  score {hit.score:.2f}")
        out.append(f"    {c.doc}" + (f" - {c.section}" if c.section else ""))
        text = hit.text if len(hit.text) <= 400 else hit.text[:400].rsplit(" ", 1)[0] + " ..."
        out.append(textwrap.indent(textwrap.fill(text, 96), "    "))
        notes = [newer_text(note) for note in response.newer_for(number)]
        for line in [*notes, also_in_text(hit), codes_text(hit)]:
            if line:
                out.append(textwrap.indent(textwrap.fill(line, 96), "    "))
        out.append("")
    return "\n".join(out)


@main.group("admin")
def admin_group() -> None:
    """Setting up the staff page."""


@admin_group.command("set-password")
@click.pass_context
def set_password_command(ctx: click.Context) -> None:
    """Store the staff password as a salted hash in the settings file (the --config file, else JSNA_CONFIG, else
    jsna.toml here); the password itself is never stored."""
    path = settings_file(ctx.find_root().params.get("config"))
    password = click.prompt("New staff password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    staff.set_password_in(path, staff.hash_password(password))
    load_settings(config_file=path)  # the file still reads as settings
    click.echo(f"Staff password hash written to {path}. Restart the app to use it.")


@main.command("serve")
@click.pass_context
def serve_command(ctx: click.Context) -> None:
    """Serve the app as a product: on the address, port and base URL path of the settings, the viewer's toolbar only,
    XSRF protection on, uploads limited to max_file_mb, no usage statistics."""
    settings: Settings = ctx.obj
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.is_file():
        raise JsnaError(f"app.py is not beside the assistant package ({app}).", "Run jsna serve from a clone.")
    root = ctx.find_root().params.get("config")
    if root:  # the app reads its settings itself: from the same file
        os.environ[f"{ENV_PREFIX}CONFIG"] = str(Path(root).resolve())
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app), *serve_flags(settings)])


def serve_flags(settings: Settings) -> list[str]:
    """Streamlit's flags for serving the app to everyone (also in .streamlit/config.toml, for `streamlit run`)."""
    flags = {
        "server.address": settings.address,
        "server.port": str(settings.port),
        "server.baseUrlPath": settings.base_url_path.strip("/"),
        "server.maxUploadSize": str(max(1, math.ceil(settings.max_file_mb))),
        "server.headless": "true",
        "server.enableXsrfProtection": "true",
        "server.fileWatcherType": "none",
        "runner.postScriptGC": "false",
        "client.toolbarMode": "viewer",
        "client.showErrorDetails": "type",
        "browser.gatherUsageStats": "false",
    }
    return [part for key, value in flags.items() for part in (f"--{key}", value)]


@main.command("status")
@click.option("--index", type=click.Path(file_okay=False, path_type=Path), help="Index folder (default: index/).")
@click.pass_obj
def status_command(settings: Settings, index: Path | None) -> None:
    """What the live index holds and how it was built."""
    settings = settings.replace(index=index)
    snap = store.load(settings.index)
    m = snap.manifest
    click.echo(f"Index {settings.index}/{snap.version}, built {m.created}")
    click.echo(f"Model {m.model} ({m.dimension} dimensions, {m.window} word pieces); chunking {m.chunking}")
    ocr = sum(c.ocr for c in snap.chunks)
    click.echo(
        f"{len(m.documents)} documents, {len(snap.chunks)} chunks ({ocr} read by OCR), "
        f"{len(snap.sentences.texts)} sentences, {len(m.skipped)} files skipped"
    )
    for info in m.documents.values():
        click.echo(f"  {info.path}: {info.title} ({info.kind}, {info.year or 'n.d.'}, {info.pages} pages)")
    for skipped in m.skipped:
        click.echo(f"  skipped: {skipped.label}")
    click.echo(f"{groups_label(len(m.versions))} (documents holding the same text; results show the first of each)")
    for line in version_lines(m.versions, m.documents):
        click.echo(f"  {line}")
    job = jobs.read(settings.index)
    if job is not None and job.running:
        done = job_progress(job.stage, job.done, job.total)
        click.echo(f"Rebuild running: started by {job.who} at {job.started} ({done})")
    elif job is not None:
        click.echo(f"Last rebuild from the staff page: {job.state}, started by {job.who} at {job.started}")
