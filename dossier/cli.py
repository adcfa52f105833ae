"""Command line: `dossier check`, `dossier demo`, `dossier fixtures`.

Typed errors map to exit codes here and only here; the message says how to fix the problem.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import DossierError, InputNotFoundError, UsageError

DEMO_SEED = 2024
DEMO_SIZE = 4


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dossier", description="Check 职称评审 application dossiers.")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="check every package of a batch folder")
    c.add_argument("batch", type=Path, help="batch folder: one sub-folder or zip per applicant")
    c.add_argument("--out", type=Path, required=True, help="output folder (outside the batch)")
    _common(c)

    d = sub.add_parser("demo", help="build a sample batch with the fixture factory and check it")
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--n", type=int, default=DEMO_SIZE, help="applicants in the sample batch")
    d.add_argument("--seed", type=int, default=DEMO_SEED)
    _common(d)

    f = sub.add_parser("fixtures", help="write a synthetic batch with its truth.json")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--n", type=int, default=20)
    f.add_argument("--no-faults", action="store_true", help="only clean, eligible applicants")
    f.add_argument("--layouts", choices=("default", "alt", "mixed"), default="default",
                   help="document layouts and wordings: the default set, the alternative set, or both mixed")
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", type=Path, default=None, help="rules file of the notice (default: bundled)")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: CPU count; a Dask cluster has its `dask worker`s)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where the packages are checked: local processes, or a Dask cluster (--scheduler)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="address of the Dask scheduler (with --executor dask)")
    p.add_argument("--ocr-engine", default=None, help="OCR engine, e.g. rapidocr or tesseract")
    p.add_argument("--quiet", action="store_true", help="no progress bar, only errors")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache", type=Path, default=None, metavar="DIR",
                       help="folder of the OCR cache (default: the user's cache folder, or $DOSSIER_CACHE_DIR)")
    cache.add_argument("--no-cache", action="store_true", help="OCR every page afresh and write no cache")


def _options(args):
    from dossier.pipeline import Options
    from extract.ocr import ocr_engines

    if args.ocr_engine:
        ocr_engines.get(args.ocr_engine)  # fails listing the known engines
    if args.rules is not None and not args.rules.is_file():
        raise UsageError(f"rules file {args.rules} does not exist")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    rules = str(args.rules.resolve()) if args.rules else None
    if rules:
        from verify.rules import load_rules

        load_rules(rules)  # a bad rules file stops the run before any package is read
    cache = str(args.cache.resolve()) if args.cache else None
    return Options(engine=args.ocr_engine, rules=rules, cache=cache, use_cache=not args.no_cache)


def _executor(args):
    """The executor the options name: local processes, or the Dask cluster at --scheduler."""
    import os

    from dossier.executors import DaskExecutor, LocalExecutor

    if args.executor == "local":
        if args.scheduler:
            raise UsageError("--scheduler goes with --executor dask")
        return LocalExecutor(args.workers or os.cpu_count() or 1)
    if not args.scheduler:
        raise UsageError("--executor dask needs --scheduler tcp://HOST:8786, the address `dask scheduler` prints")
    if args.workers is not None:
        raise UsageError("--workers counts local processes; a Dask cluster has the workers `dask worker` started")
    return DaskExecutor(args.scheduler)


def _run_check(batch: Path, out: Path, args) -> int:
    from dossier.doctor import require
    from dossier.pipeline import run_batch

    if not batch.is_dir():
        raise InputNotFoundError(f"batch folder {batch} does not exist")
    require()
    options = _options(args)
    executor = _executor(args)
    bar = None
    show = not args.quiet and sys.stderr.isatty()
    if show:
        from tqdm import tqdm

        bar = tqdm(total=None, unit="dossier", desc="checking")

    def progress(done: int, total: int, key: str) -> None:
        if bar is not None:
            bar.total = total
            bar.set_postfix_str(key)
            bar.update(1)

    try:
        reports = run_batch(batch, out, options, executor=executor, progress=progress)
    finally:
        executor.close()
    if bar is not None:
        bar.close()
    if not args.quiet:
        counts = {v: sum(r.verdict == v for r in reports) for v in ("eligible", "needs_review", "ineligible")}
        print(
            f"checked {len(reports)} packages: eligible {counts['eligible']}, "
            f"needs review {counts['needs_review']}, ineligible {counts['ineligible']}; "
            f"汇总表 {(out / 'summary.xlsx').resolve()}"
        )
        print(f"open in a browser: {(out / 'index.html').resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _run_check(args.batch, args.out, args)
        if args.command == "demo":
            from fixtures import generate_batch

            batch = args.out / "sample-batch"
            generate_batch(batch, seed=args.seed, n=args.n)
            if not args.quiet:
                print(f"sample batch of {args.n} applicants written to {batch}")
            return _run_check(batch, args.out, args)
        if args.command == "fixtures":
            from fixtures import generate_batch

            generate_batch(args.out, seed=args.seed, n=args.n, faults=not args.no_faults, layouts=args.layouts)
            print(f"wrote {args.n} applicants and truth.json to {args.out}")
            return 0
    except DossierError as exc:
        print(f"dossier: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dossier: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
