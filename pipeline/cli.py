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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.orchestration.flows import Settings

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


def default_lexicons() -> str:
    """``lexicons/`` in the working directory if there is one, else the lexicons installed
    with the package (``pipeline/lexicons``), so that an installed ``framing`` runs anywhere."""
    if Path("lexicons").is_dir():
        return "lexicons"
    from importlib.resources import files

    return str(files("pipeline") / "lexicons")


def program_name() -> str:
    """``framing`` when run as the console script, ``python -m pipeline`` otherwise."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python -m pipeline" if name in ("", "__main__.py", "-c") else name


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--corpus",
        default="corpus",
        help="corpus: a folder (manifest.csv + texts), a .jsonl or a .parquet file",
    )
    p.add_argument(
        "--lexicons",
        default=None,
        help="folder of *.yaml lexicons, one per frame (default: ./lexicons, else the "
        "lexicons installed with the package)",
    )
    p.add_argument("--out", default="outputs", help="output folder (runs/, latest, history.csv)")
    p.add_argument("--workers", type=int, default=1, help="processes for the batches (default 1)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=0,
        help="articles per task (default 0: from the corpus size, 100 to 2,000)",
    )
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=20240618, help="bootstrap seed (recorded)")
    p.add_argument("--max-bytes", type=int, default=5_000_000, help="larger files are quarantined")
    p.add_argument(
        "--min-tokens",
        type=int,
        default=100,
        help="fewer content tokens: low evidence, no share (default 100)",
    )
    p.add_argument(
        "--min-hits",
        type=int,
        default=3,
        help="fewer counted matches: low evidence, no share (default 3)",
    )
    p.add_argument(
        "--permutations",
        type=int,
        default=1000,
        help="permutations per source pair and frame (default 1000)",
    )
    p.add_argument("--keep", type=int, default=0, help="keep only the newest N runs (0 = all)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any article is quarantined")
    p.add_argument("--no-cache", action="store_true", help="re-analyze every article")
    p.add_argument(
        "--excel-csv",
        action="store_true",
        help="write data/*.csv as UTF-8 with a byte-order mark, which Excel needs to read "
        "Japanese (default: UTF-8 without one)",
    )
    p.add_argument("--dask", action="store_true", help="run batches on a local Dask cluster")
    p.add_argument("--dask-address", help="run batches on this Dask scheduler (tcp://HOST:PORT)")
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="no progress, warnings only")
    talk.add_argument("-v", "--verbose", action="store_true", help="Prefect's debug logs too")


def build_parser() -> argparse.ArgumentParser:
    from pipeline import __version__

    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Compare how Japanese news sources frame a story, with framing lexicons.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _run_options(sub.add_parser("run", help="score the corpus and write the dashboard"))
    serve = sub.add_parser("serve", help="serve the run as a Prefect deployment on a schedule")
    serve.add_argument("--cron", required=True, help='cron schedule, e.g. "0 6 * * *"')
    serve.add_argument("--name", default="daily", help="deployment name (default daily)")
    serve.add_argument(
        "--timezone",
        default=None,
        help="IANA time zone of the cron, e.g. Asia/Tokyo (default: this machine's, else UTC)",
    )
    _run_options(serve)
    lex = sub.add_parser("lexicon", help="lexicon tools").add_subparsers(
        dest="action", required=True
    )
    lint = lex.add_parser("lint", help="check lexicons; exit 2 on errors")
    lint.add_argument("--lexicons", default=None)
    lint.add_argument("--json", action="store_true", help="machine-readable report")
    sug = lex.add_parser("suggest", help="candidate entries for a frame, from a finished run")
    sug.add_argument(
        "--frame", required=True, help="frame id = the manifest perspective to contrast"
    )
    sug.add_argument("--run", default="outputs/latest", help="run folder (default outputs/latest)")
    sug.add_argument("--lexicons", default=None, help="existing entries are left out")
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
    exp.add_argument("--lexicons", default=None)
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
    for name in ("workers", "bootstrap"):
        if getattr(args, name) < 1:
            return _usage_error(f"--{name.replace('_', '-')} must be at least 1")
    if args.batch_size < 0:
        return _usage_error("--batch-size must be 0 (automatic) or more")
    server = None
    if args.command == "run":  # first: it boots while the rest is checked and imported
        from pipeline.orchestration.server import start_embedded_server

        server = start_embedded_server()
    from pipeline.analyze.lexicons import LexiconError, load_lexicons
    from pipeline.ingest.corpus import CorpusError

    try:
        load_lexicons(Path(args.lexicons))
        check_corpus(Path(args.corpus))
    except (LexiconError, CorpusError) as exc:
        code = _usage_error(str(exc))
        if server is not None:
            server.stop()
        return code

    settings = _settings(args)
    if args.command == "serve":
        return cmd_serve(args, settings)

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
    serve(settings, args.cron, args.name, timezone)
    return EXIT_OK


def _settings(args: argparse.Namespace) -> Settings:
    from pipeline.orchestration.flows import Settings

    return Settings(
        corpus=args.corpus,
        lexicons=args.lexicons,
        out=args.out,
        batch_size=args.batch_size,
        workers=args.workers,
        bootstrap=args.bootstrap,
        seed=args.seed,
        max_bytes=args.max_bytes,
        keep=args.keep,
        cache=not args.no_cache,
        dask=args.dask,
        min_tokens=args.min_tokens,
        min_hits=args.min_hits,
        permutations=args.permutations,
        dask_address=args.dask_address,
        strict=args.strict,
        excel_csv=args.excel_csv,
    )


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
    if getattr(args, "lexicons", "") is None:
        args.lexicons = default_lexicons()
    _talk(args)
    if args.command == "serve":  # Prefect's serve stops on SIGINT/SIGTERM by itself
        return cmd_run(args)
    with interruptible() as received:
        try:
            if args.command == "run":
                return cmd_run(args)
            if args.command == "lexicon":
                return cmd_lexicon(args)
        except BaseException:
            if (sig := received()) is None:
                raise
            print(f"interrupted ({sig.name}): the run was stopped, latest is unchanged",
                  file=sys.stderr)  # fmt: skip
            return EXIT_FAIL
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
