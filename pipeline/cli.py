"""Command line: ``python -m pipeline run|lexicon|serve``.

Exit codes: 0 the run completed (quarantined articles are listed, not fatal); 2 bad
arguments, a missing corpus or a broken lexicon, with a one-line reason; 1 anything else.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from pathlib import Path

from pipeline.settings import SettingsError, add_arguments, from_args

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


def _run_options(p: argparse.ArgumentParser) -> None:
    """The options of ``run`` and ``serve``: one per field of ``Settings``, and ``--strict``."""
    add_arguments(p)
    p.add_argument("--strict", action="store_true", help="exit 1 if any article is quarantined")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Compare how Japanese news sources frame a story, with framing lexicons.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _run_options(sub.add_parser("run", help="score the corpus and write the dashboard"))
    serve = sub.add_parser("serve", help="serve the run as a Prefect deployment on a schedule")
    serve.add_argument("--cron", required=True, help='cron schedule, e.g. "0 6 * * *"')
    serve.add_argument("--name", default="daily", help="deployment name (default daily)")
    _run_options(serve)
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
    exp = lex.add_parser("export", help="write lexicons as a quanteda YAML dictionary")
    exp.add_argument("--lexicons", default="lexicons")
    exp.add_argument("--out", help="file to write (default: standard output)")
    return parser


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def check_corpus(corpus: Path) -> None:
    """Raise CorpusError unless ``corpus`` is a readable folder, .jsonl or .parquet file."""
    from pipeline.ingest.batches import BULK_SUFFIXES
    from pipeline.ingest.corpus import CorpusError, read_manifest

    if corpus.is_file():
        if corpus.suffix not in BULK_SUFFIXES:
            raise CorpusError(f"{corpus}: a corpus is a folder, a .jsonl or a .parquet file")
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
    if args.command == "run":  # first: it boots while the rest is checked and imported
        from pipeline.orchestration.server import start_embedded_server

        server = start_embedded_server()
    from pipeline.analyze.lexicons import LexiconError, load_lexicons
    from pipeline.analyze.stance_lexicon import STANCE_DIR, load_stance
    from pipeline.ingest.corpus import CorpusError

    try:
        load_lexicons(Path(args.lexicons))
        load_stance(Path(args.lexicons) / STANCE_DIR)
        check_corpus(Path(args.corpus))
    except (LexiconError, CorpusError) as exc:
        code = _usage_error(str(exc))
        if server is not None:
            server.stop()
        return code

    if args.command == "serve":
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=args.cron)
        except ValueError:
            return _usage_error(f"--cron {args.cron!r} is not a valid cron expression")
        from pipeline.orchestration.flows import serve

        serve(settings, args.cron, args.name)
        return EXIT_OK

    from pipeline.orchestration.flows import run
    from pipeline.runfolder.runs import RunBusy, ensure_free

    try:
        ensure_free(Path(settings.out))
        result = run(settings, server)
    except RunBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        if server is not None:
            server.stop()
        return EXIT_FAIL
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
    from pipeline.lexicon_tools import dictionaries as dic

    if args.action == "import":
        path = Path(args.file)
        if not path.is_file():
            return _usage_error(f"dictionary not found: {path}")
        try:
            imported = dic.read_liwc(path) if path.suffix == ".dic" else dic.read_quanteda(path)
        except dic.DictionaryError as exc:
            return _usage_error(str(exc))
        for note in imported.notes:
            print(f"note: {note}", file=sys.stderr)
        for written in dic.write_lexicons(imported, Path(args.to), path):
            print(f"wrote {written}")
        return EXIT_OK
    try:
        text = dic.to_quanteda(load_lexicons(Path(args.lexicons)))
    except LexiconError as exc:
        return _usage_error(str(exc))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("run", "serve"):
            return cmd_run(args)
        if args.command == "lexicon":
            return cmd_lexicon(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
