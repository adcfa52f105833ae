"""Executors (dossier/executors.py): a Dask cluster gives the reports the local processes give, with
every evidence picture brought back to OUT; a task that raises or a worker that dies fails only its
own package. One fixture batch (two applicants) is checked once locally and compared against."""
import json
import os
import socket
import zipfile
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import dask
import pytest
from distributed import KilledWorker, LocalCluster

from dossier.cli import main
from dossier.executors import DaskExecutor, LocalExecutor
from dossier.pipeline import Options, run_batch
from unrun import NothingRuns

pytestmark = pytest.mark.xdist_group("executors")


def die_for(victim, job):
    """A job function whose worker process ends abruptly on `victim` (as a kill or out-of-memory does)."""
    if job == victim:
        os._exit(137)
    return job * 10


def raise_for(key, check, job):
    """The pipeline's own job function, except that its task raises for the package `key`."""
    if job.ref.key == key:
        raise RuntimeError(f"worker lost its footing on {key}")
    return check(job)


class FailingFor:
    """An executor that runs the pipeline's jobs on `inner`, the package `key`'s task raising."""

    def __init__(self, inner, key: str):
        self.inner, self.key = inner, key
        self.ships_packages = inner.ships_packages

    def map_unordered(self, fn, jobs):
        return self.inner.map_unordered(partial(raise_for, self.key, fn), jobs)


class ShipThenHide:
    """An executor that takes every job (so the driver reads and ships every package) and then moves
    the batch folder away while `inner` runs them: a worker that read the batch by path would fail."""

    ships_packages = True

    def __init__(self, inner, batch: Path):
        self.inner, self.batch = inner, batch

    def map_unordered(self, fn, jobs):
        jobs = list(jobs)
        hidden = self.batch.with_name(self.batch.name + "-hidden")
        self.batch.rename(hidden)
        try:
            yield from self.inner.map_unordered(fn, jobs)
        finally:
            hidden.rename(self.batch)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from fixtures import generate_batch

    folder = tmp_path_factory.mktemp("executors") / "batch"
    generate_batch(folder, seed=7, n=2)
    return folder


@contextmanager
def environ(**values: str):
    """Environment variables for the worker processes started inside the block."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def local_out(batch):
    """The batch checked by two local processes, with an OCR cache of their own (every page OCR'd)."""
    out = batch.parent / "local-out"
    with environ(DOSSIER_CACHE_DIR=str(batch.parent / "local-cache")):
        run_batch(batch, out, Options(), executor=LocalExecutor(2))
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes of one thread, with their own OCR cache (the pages are OCR'd there, not
    taken from the local run's) and temporary folder (to see that none is left). A task whose worker
    dies is given up at once, without Dask's retries on other workers."""
    root = tmp_path_factory.mktemp("cluster")
    (root / "tmp").mkdir()
    with environ(TMPDIR=str(root / "tmp"), DOSSIER_CACHE_DIR=str(root / "cache")):
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
                yield c, root / "tmp"


def reports(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/report.json")}


def evidence_names(out: Path, key: str) -> set[str]:
    return {p.name for p in (out / key / "evidence").glob("*")}


def test_a_dask_cluster_gives_the_reports_and_evidence_of_local_processes(batch, local_out, cluster):
    out = batch.parent / "dask-out"
    client = DaskExecutor(cluster[0])
    try:
        # not served from this machine's cache (an earlier run may have filled it): checked on the cluster
        run_batch(batch, out, Options(reuse_packages=False), executor=ShipThenHide(client, batch))
    finally:
        client.close()
    local, remote = reports(local_out), reports(out)
    assert sorted(local) == sorted(remote) and len(local) == 2
    for key in local:
        assert remote[key] == local[key], key
        assert evidence_names(local_out, key) and evidence_names(out, key) == evidence_names(local_out, key)
        assert not (out / key / "error.log").exists()
    batch_json = [json.loads((o / "batch.json").read_text(encoding="utf-8"))["applicants"] for o in (local_out, out)]
    assert batch_json[0] == batch_json[1]
    assert not [p.name for p in cluster[1].iterdir() if p.name.startswith("dossier-")]


def test_a_task_that_raises_fails_its_package_only(batch, local_out, cluster):
    keys = sorted(reports(local_out))
    out = batch.parent / "raise-out"
    client = DaskExecutor(cluster[0])
    try:
        run_batch(batch, out, Options(reuse_packages=False), executor=FailingFor(client, keys[0]))
    finally:
        client.close()
    got = reports(out)
    failed = got[keys[0]]
    assert [f["rule"] for f in failed["findings"]] == ["INGEST.UNREADABLE"]
    assert "worker lost its footing" in failed["findings"][0]["message"]
    assert "RuntimeError" in (out / keys[0] / "error.log").read_text(encoding="utf-8")
    assert got[keys[1]] == reports(local_out)[keys[1]]


def test_a_dying_local_worker_fails_its_job_only():
    outcomes = dict(LocalExecutor(2).map_unordered(partial(die_for, 3), range(6)))
    assert sorted(outcomes) == list(range(6))
    assert isinstance(outcomes.pop(3), Exception)
    assert outcomes == {n: n * 10 for n in (0, 1, 2, 4, 5)}


def test_a_dying_dask_worker_fails_its_job_only(cluster):
    client = DaskExecutor(cluster[0])
    try:
        outcomes = dict(client.map_unordered(partial(die_for, 2), range(5)))
    finally:
        client.close()
    assert isinstance(outcomes.pop(2), KilledWorker)
    assert outcomes == {n: n * 10 for n in (0, 1, 3, 4)}


def test_one_local_worker_runs_in_this_process():
    assert dict(LocalExecutor(1).map_unordered(lambda _: os.getpid(), ["a"])) == {"a": os.getpid()}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dask_without_a_scheduler_is_a_usage_error(batch, tmp_path, capsys):
    assert main(["check", str(batch), "--out", str(tmp_path / "o"), "--executor", "dask"]) == 2
    assert "--scheduler tcp://HOST:8786" in capsys.readouterr().err


def test_an_unreachable_scheduler_says_how_to_start_one(batch, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"
    code = main(["check", str(batch), "--out", str(tmp_path / "o"), "--executor", "dask", "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 9
    assert address in err and "dask scheduler" in err and "dask worker" in err
    assert not (tmp_path / "o").exists()


def test_the_largest_packages_go_to_the_workers_first_and_reports_keep_the_batchs_order(tmp_path):
    # a large package started last keeps one worker busy while the others wait at the end of the batch
    batch = tmp_path / "batch"
    for key, size in (("a-small", 1_000), ("b-large", 90_000), ("c-medium", 30_000)):
        (batch / key).mkdir(parents=True)
        (batch / key / "scan.pdf").write_bytes(b"%PDF-1.4\n" + bytes(size))
    with zipfile.ZipFile(batch / "d-zip.zip", "w") as z:
        z.writestr("d-zip/x.pdf", os.urandom(60_000))  # stored random bytes: the zip's size on disk
    executor = NothingRuns()
    reports = run_batch(batch, tmp_path / "out", Options(), executor=executor)
    assert executor.asked == ["b-large", "d-zip", "c-medium", "a-small"]
    assert [r.applicant for r in reports] == ["a-small", "b-large", "c-medium", "d-zip"]
    assert all(r.verdict for r in reports)  # every package listed, failed with the reason
