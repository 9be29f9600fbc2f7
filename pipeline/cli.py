"""Command line: ``python -m pipeline run|collect|lexicon|serve``.

Exit codes: 0 the run completed (quarantined articles are listed, not fatal); 2 bad
arguments, a missing corpus or a broken lexicon, with a one-line reason; 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import DEFAULTS, SettingsError, add_arguments, from_args

if TYPE_CHECKING:
    from pipeline.settings import Settings

# Prefect reads these at import: no telemetry from an offline machine, and enough time for a
# cold embedded server (database migrations) on a small machine.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# Freed memory goes back to the system sooner: Arrow's own allocator (jemalloc) and glibc's
# per-thread heaps each kept some of what the batches used (−55 MB peak on 10k articles, see
# bench/RESULTS.md). Child processes read these; this process is told below.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
os.environ.setdefault("MALLOC_ARENA_MAX", "2")


def _limit_malloc_arenas() -> None:
    """Apply MALLOC_ARENA_MAX to this process, which glibc read before the line above."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, int(os.environ["MALLOC_ARENA_MAX"]))  # -8: M_ARENA_MAX
    except (OSError, AttributeError, ValueError):  # not glibc: nothing to limit
        return


_limit_malloc_arenas()

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def default_lexicons(given: str) -> str:
    """``given``, except that the default ``lexicons`` with no such folder in the working
    directory is the lexicons installed with the package (``pipeline/lexicons``), so that an
    installed ``framing`` runs anywhere."""
    if given != DEFAULTS.lexicons or Path(given).is_dir():
        return given
    from importlib.resources import files

    return str(files("pipeline") / "lexicons")


def program_name() -> str:
    """``framing`` when run as the console script, ``python -m pipeline`` otherwise."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python -m pipeline" if name in ("", "__main__.py", "-c") else name


def _run_options(p: argparse.ArgumentParser) -> None:
    """The options of ``run`` and ``serve``: one per field of ``Settings``, and how much to
    say."""
    add_arguments(p)
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="no progress, warnings only")
    talk.add_argument("-v", "--verbose", action="store_true", help="Prefect's debug logs too")


def build_parser() -> argparse.ArgumentParser:
    from pipeline import __version__

    parser = argparse.ArgumentParser(
        prog=program_name(),
        description=(
            "Compare Japanese news outlets on one story: the stance each takes toward its "
            "targets (Russia, North Korea, their alliance ...), whom it lets speak, and how it "
            "frames the story; with bootstrap intervals and the passages behind every number."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _run_options(sub.add_parser("run", help="stance, sourcing, framing; then the dashboard"))
    serve = sub.add_parser("serve", help="serve the run as a Prefect deployment on a schedule")
    serve.add_argument("--cron", required=True, help='cron schedule, e.g. "0 6 * * *"')
    serve.add_argument("--name", default="daily", help="deployment name (default daily)")
    serve.add_argument(
        "--timezone",
        default=None,
        help="IANA time zone of the cron, e.g. Asia/Tokyo (default: this machine's, else UTC)",
    )
    _run_options(serve)
    serve.add_argument("--feeds", help="collect from this feeds file before each scheduled run")
    _collect_parser(sub)
    lex = sub.add_parser("lexicon", help="lexicon tools").add_subparsers(
        dest="action", required=True
    )
    lint = lex.add_parser("lint", help="check lexicons; exit 2 on errors")
    lint.add_argument("--lexicons", default="lexicons")
    lint.add_argument("--json", action="store_true", help="machine-readable report")
    sug = lex.add_parser("suggest", help="candidate entries for a frame, from a finished run")
    sug.add_argument(
        "--frame", required=True, help="frame id = the manifest perspective to contrast"
    )
    sug.add_argument("--run", default="outputs/latest", help="run folder (default outputs/latest)")
    sug.add_argument("--lexicons", default="lexicons", help="existing entries are left out")
    sug.add_argument("--top", type=int, default=30)
    sug.add_argument(
        "--by",
        choices=("articles", "sources"),
        default="articles",
        help="contrast tagged articles, or all articles of tagged sources",
    )
    sug.add_argument("--json", action="store_true")
    imp = lex.add_parser("import", help="convert a quanteda YAML or LIWC .dic dictionary")
    imp.add_argument("file", help="dictionary file (.yml/.yaml = quanteda, .dic = LIWC)")
    imp.add_argument("--to", required=True, help="folder to write one lexicon YAML per frame")
    imp.add_argument("--force", action="store_true", help="overwrite existing lexicon files")
    imp.add_argument(
        "--frame",
        help="one frame of this name, the dictionary's keys (LIWC: categories) its categories",
    )
    check = sub.add_parser(
        "stance-check",
        help="a run's stance against gold labels: κ, coverage, precision per target",
    )
    check.add_argument("run", nargs="?", default="outputs/latest", help="run folder")
    check.add_argument("--gold", help="stance_gold.csv (default: the one beside the run's corpus)")
    check.add_argument("--lexicons", default="lexicons", help="for the stance target ids")
    check.add_argument("--json", action="store_true", help="machine-readable figures")
    exp = lex.add_parser("export", help="write lexicons as a quanteda YAML dictionary")
    exp.add_argument("--lexicons", default="lexicons")
    exp.add_argument("--out", help="file to write (default: standard output)")
    return parser


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def check_corpus(corpus: Path) -> None:
    """Raise CorpusError unless ``corpus`` is a readable folder, .jsonl or .parquet file."""
    from pipeline.ingest.batches import BULK_SUFFIXES, check_bulk
    from pipeline.ingest.corpus import CorpusError, read_manifest

    if corpus.is_file():
        if corpus.suffix not in BULK_SUFFIXES:
            raise CorpusError(f"{corpus}: a corpus is a folder, a .jsonl or a .parquet file")
        check_bulk(corpus)
    elif corpus.is_dir():
        read_manifest(corpus)
    else:
        raise CorpusError(f"corpus not found: {corpus}")


def cmd_run(args: argparse.Namespace) -> int:
    try:
        settings = from_args(args)
    except SettingsError as exc:
        return _usage_error(str(exc))
    server = None
    # First: the server boots while the rest is checked and imported. A run on a remote Dask
    # cluster leaves it to Prefect (orchestration.embedded.start_server, after the imports).
    if args.command == "run" and not (settings.dask and settings.dask_address):
        from pipeline.orchestration import server as server_module

        server = server_module.start_embedded_server()
    from pipeline.analyze.lexicon_set import lexicon_set
    from pipeline.analyze.lexicon_yaml import LexiconError
    from pipeline.ingest.corpus import CorpusError
    from pipeline.ingest.stance_gold import corpus_stance_gold
    from pipeline.lexicon_tools.gate import refuse_what_lint_refuses

    try:  # the set is kept: the flow in this process uses it without reading it again
        lexicons = lexicon_set(args.lexicons)
        stance = lexicons.stance
        check_corpus(Path(args.corpus))
        if stance is not None:
            corpus_stance_gold(Path(args.corpus), stance.target_ids)
        lint_cache = Path(settings.out) / "cache" / "lint" if settings.cache else None
        refuse_what_lint_refuses(Path(args.lexicons), lexicons.sha256, lint_cache)
    except (LexiconError, CorpusError) as exc:
        code = _usage_error(str(exc))
        if server is not None:
            server.stop()
        return code

    if args.command == "serve":
        return cmd_serve(args, settings)

    from pipeline.orchestration.failures import MACHINE_ERRORS, describe, hide_tracebacks
    from pipeline.orchestration.flows import run
    from pipeline.runfolder.runs import RunBusy, ensure_free

    hide_tracebacks()
    try:
        ensure_free(Path(settings.out))
        result = run(settings, server)
    except (RunBusy, CorpusError, LexiconError, *MACHINE_ERRORS) as exc:
        bad_input = isinstance(exc, CorpusError | LexiconError)
        print(f"error: {exc if bad_input else describe(exc)}", file=sys.stderr)
        if server is not None and isinstance(exc, RunBusy):
            server.stop()
        return EXIT_USAGE if bad_input else EXIT_FAIL
    print(
        f"run {result['run_id']}: {result['scored']} articles scored, "
        f"{len(result['quarantined'])} quarantined"
    )
    for q in result["quarantined"]:
        print(f"  quarantined {q['article_id']}: {q['reason']}")
    print(f"dashboard: {result['dashboard']}")
    if args.strict and result["quarantined"]:
        return EXIT_FAIL
    return EXIT_OK


def cmd_stance_check(args: argparse.Namespace) -> int:
    """Print a run's stance validation; exit 2 when there is no run, no gold or a bad one."""
    from pipeline.aggregate.stance_check_run import format_validation, validation_for_run
    from pipeline.analyze.lexicons import LexiconError
    from pipeline.ingest.corpus import CorpusError

    try:
        table = validation_for_run(args.run, args.gold, args.lexicons)
    except (CorpusError, LexiconError) as exc:
        return _usage_error(str(exc))
    if args.json:
        print(table.to_json(orient="records", force_ascii=False))
    else:
        print(format_validation(table))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from prefect.client.schemas.schedules import CronSchedule

    from pipeline.orchestration.serving import local_timezone, serve, valid_timezone

    timezone = args.timezone or local_timezone()
    if not valid_timezone(timezone):
        return _usage_error(f"--timezone {timezone!r} is not an IANA time zone (Asia/Tokyo)")
    try:
        CronSchedule(cron=args.cron, timezone=timezone)
    except ValueError:
        return _usage_error(f"--cron {args.cron!r} is not a valid cron expression")
    from pipeline.orchestration.signals import insistent_interrupt

    with insistent_interrupt(), contextlib.suppress(KeyboardInterrupt):
        serve(settings, args.cron, args.name, timezone)
    return EXIT_OK


def cmd_lexicon(args: argparse.Namespace) -> int:
    from pipeline.analyze.lexicons import LexiconError, load_lexicons

    if args.action == "lint":
        from pipeline.lexicon_tools.lint import lint_command

        return lint_command(Path(args.lexicons), as_json=args.json)
    if args.action == "suggest":
        import json

        from pipeline.lexicon_tools.suggest import SuggestError, format_candidates, suggest

        try:
            lexicons = load_lexicons(Path(args.lexicons))
            found = suggest(Path(args.run), args.frame, lexicons, top=args.top, by=args.by)
        except (LexiconError, SuggestError) as exc:
            return _usage_error(str(exc))
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "term": c.term,
                            "lemmas": c.lemmas,
                            "z": round(c.z, 3),
                            "count": c.count,
                            "count_rest": c.count_rest,
                            "contexts": c.contexts,
                        }
                        for c in found
                    ],
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            print(format_candidates(found, args.frame))
        return EXIT_OK
    if args.action == "import":
        return _import(args)
    from pipeline.lexicon_tools.export_dictionary import to_quanteda

    try:
        text = to_quanteda(load_lexicons(Path(args.lexicons)))
    except LexiconError as exc:
        return _usage_error(str(exc))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    """``lexicon import``: bad entries are reported and left out, the rest written."""
    from pipeline.lexicon_tools.dictionaries import DictionaryError, read_dictionary
    from pipeline.lexicon_tools.import_dictionary import import_dictionary

    path = Path(args.file)
    if not path.is_file():
        return _usage_error(f"dictionary not found: {path}")
    try:
        imported = read_dictionary(path, args.frame)
        result = import_dictionary(imported, Path(args.to), path, force=args.force)
    except DictionaryError as exc:
        return _usage_error(str(exc))
    for line in result.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    for written, entries in result.written:
        print(f"wrote {written} ({entries} entries)")
    print(
        f"{sum(n for _, n in result.written)} entries in {len(result.written)} files, "
        f"{len(result.skipped)} skipped or merged (read as {imported.encoding})"
    )
    if not result.written:
        return _usage_error(f"{path}: no usable entry")
    return EXIT_OK


def _collect_parser(sub: argparse._SubParsersAction) -> None:
    col = sub.add_parser("collect", help="collect new articles from outlets' feeds into a corpus")
    col.add_argument("--feeds", default="feeds.yaml", help="feeds file (default feeds.yaml)")
    col.add_argument("--corpus", default="corpus", help="corpus folder to append to")
    col.add_argument(
        "--source", action="append", default=[], help="collect only this source (repeatable)"
    )


def cmd_collect(args: argparse.Namespace) -> int:
    """Collect into the corpus folder; exit 0 when every source could be read (failed
    pages are listed), 3 when some sources failed, 4 when all did, 2 for a bad feeds file
    or corpus path, 1 otherwise."""
    from pipeline.collect.collect import collect
    from pipeline.collect.feeds import FeedsError, load_feeds

    try:
        config = load_feeds(Path(args.feeds))
    except FeedsError as exc:
        return _usage_error(str(exc))
    from pipeline.ingest.sources import source_key

    known = {source_key(s.source) for s in config.sources}
    unknown = sorted(name for name in args.source if source_key(name) not in known)
    if unknown:
        return _usage_error(f"--source {', '.join(unknown)}: not in {args.feeds}")
    corpus = Path(args.corpus)
    if corpus.exists() and not corpus.is_dir():
        return _usage_error(f"--corpus {corpus} is not a folder")
    try:
        result = collect(config, corpus, tuple(args.source))
    except OSError as exc:  # AppendError: the corpus cannot be written; or the log
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    for url, reason in result.failures:
        print(f"  failed {url}: {reason}")
    for name, reason in result.failed_sources:
        print(f"source {name} failed: {reason}", file=sys.stderr)
    print(result.summary)
    return result.exit_code


def cmd_serve_collect(args: argparse.Namespace) -> int:
    """``serve --feeds``: each scheduled run collects, then scores the corpus."""
    from prefect.client.schemas.schedules import CronSchedule

    from pipeline.analyze.lexicon_set import lexicon_set
    from pipeline.analyze.lexicon_yaml import LexiconError
    from pipeline.collect.feeds import FeedsError, load_feeds
    from pipeline.orchestration.serving import local_timezone, valid_timezone

    timezone = args.timezone or local_timezone()
    if not valid_timezone(timezone):
        return _usage_error(f"--timezone {timezone!r} is not an IANA time zone (Asia/Tokyo)")
    try:
        load_feeds(Path(args.feeds))
        lexicon_set(args.lexicons)
        CronSchedule(cron=args.cron, timezone=timezone)
        settings = from_args(args)
    except (FeedsError, LexiconError, SettingsError) as exc:
        return _usage_error(str(exc))
    except ValueError:
        return _usage_error(f"--cron {args.cron!r} is not a valid cron expression")
    from pipeline.orchestration.collect_flow import serve_collect

    serve_collect(settings, args.feeds, args.cron, args.name, timezone)
    return EXIT_OK


def _talk(args: argparse.Namespace) -> None:
    """``-q``: no progress, Prefect's warnings only; ``-v``: Prefect's debug logs. Set before
    Prefect is imported (it reads its logging settings then)."""
    from pipeline.orchestration import progress

    if getattr(args, "quiet", False):
        os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
        progress.set_mode("quiet")
    elif getattr(args, "verbose", False):
        os.environ["PREFECT_LOGGING_LEVEL"] = "DEBUG"


def main(argv: list[str] | None = None) -> int:
    from pipeline.orchestration.signals import interruptible

    args = build_parser().parse_args(argv)
    if hasattr(args, "lexicons"):
        args.lexicons = default_lexicons(args.lexicons)
    _talk(args)
    if args.command == "serve":  # Prefect's serve stops on SIGINT/SIGTERM by itself
        return cmd_serve_collect(args) if args.feeds else cmd_run(args)
    with interruptible() as received:
        try:
            if args.command == "run":
                return cmd_run(args)
            if args.command == "collect":
                return cmd_collect(args)
            if args.command == "lexicon":
                return cmd_lexicon(args)
            if args.command == "stance-check":
                return cmd_stance_check(args)
        except BaseException:
            if (sig := received()) is None:
                raise
            print(f"interrupted ({sig.name}): the run was stopped, latest is unchanged",
                  file=sys.stderr)  # fmt: skip
            return EXIT_FAIL
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
