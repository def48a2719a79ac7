"""Benchmark postmortem-kb against its floors, measured in the same run (issues 6 and 12).

    python bench/run.py [--sizes 1000,5000] [--repeat 3] [--big] [--seed 1] [--work DIR]
                        [--no-one-core] [--one-core-repeat 1]

For each N it generates (or reuses) a synthetic archive, then times, as alternating runs and
medians, the plugin build against a plain MkDocs + Material + search build of the same
Markdown: cold (no ``.cache``), warm (the cache of the previous run, nothing changed) and
with one postmortem edited; ``postmortem check``, cold and warm, against a CSafeLoader parse
of every front matter; and the language rules alone (in-process) against the same parse.
Each timed figure is reported as wall time and as CPU time. With ``--one-core`` (the
default) the cold and warm builds and checks run again under ``taskset -c 0``. It prints a
table of ratios with the targets of the issues and writes it to ``bench/last-results.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  (bench/generate.py, next to this file)

SOURCE_DATE_EPOCH = "1780272000"  # 2026-06-01T00:00:00Z, the day after the newest incident
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
RSS_INTERVAL = 0.05  # seconds between two samples of the build's process tree
PR_SET_CHILD_SUBREAPER = 36  # prctl(2) option, Linux 3.4+
LEFTOVER_GRACE = 2.0  # s an orphan of a measured command may run on before it is reported
LEFTOVER_TIMEOUT = 60.0  # s after which such orphans are killed
CACHE = ".cache"  # beside mkdocs.yml: the plugin's cache is .cache/plugin/postmortems/
ONE_CORE = ["taskset", "-c", "0"]
# Appended to one postmortem for the "edited" build; the number makes each edit new bytes,
# which no cache can hold. EDIT_MARK finds an edit an interrupted run left behind.
EDIT_MARK = "Benchmark edit "
EDIT = "\n" + EDIT_MARK + "{count}: the dashboard link in this section was checked again.\n"

# Targets of issue 12 (builds, checks, single file) and issue 6 (the others).
COLD_BUILD_CPU_TARGET = 1.30
WARM_BUILD_TARGET = 1.10  # wall and CPU
EDITED_BUILD_TARGET = 1.10  # wall
WARM_CHECK_TARGET = 1.5  # wall
COLD_CHECK_CPU_TARGET = 3.0
SINGLE_TARGET = 0.25  # s
SCALING_SLACK = 1.10  # 5.5x for 1,000 -> 5,000: linear plus 10%
RSS_TARGET = 1.3  # cold build
SEARCH_TARGET = 1.2
LANGUAGE_TARGET = 2.0
TARGET_N = 5000  # targets are stated at N = 5,000


@dataclass
class Run:
    seconds: float
    rss_kb: int | None  # peak PSS of the process tree (see TreeSampler), if asked for
    stdout: str
    cpu: float = 0.0  # user + sys of the child, its descendants and adopted orphans
    processes: int = 1  # most processes seen at once in the tree (sampled, with rss)
    late: int = 0  # descendants still running LEFTOVER_GRACE s after the child exited


def become_subreaper() -> bool:
    """Adopt the orphans of the measured commands (Linux), so that their CPU time counts.

    A process that exits without waiting for its children (a ``multiprocessing`` forkserver,
    which reaps the workers it forks, or its resource tracker) hands them to init, out of
    reach of ``wait4``; a subreaper gets them instead, and ``run`` waits for them.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _ppid(pid: str) -> int | None:
    """Parent pid of a process from /proc/PID/stat, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:  # noqa: PTH123  (cheap, runs often)
            data = handle.read()
    except OSError:
        return None
    return int(data[data.rfind(b")") + 2 :].split()[1])  # the name in (...) may hold spaces


def descendants(root: int) -> list[int]:
    """Pids of all descendants of ``root`` (not ``root`` itself), from a scan of /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (ppid := _ppid(entry.name)) is not None:
            children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def pss_kb(pid: int) -> int:
    """Proportional set size of ``pid`` in KB (``Pss`` of /proc/PID/smaps_rollup), 0 if gone.

    A page shared by n processes counts 1/n in each: summed over a tree, a forked worker's
    copy-on-write pages count once, as the memory the machine really spends.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:  # noqa: PTH123
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak of the summed PSS of every descendant of this process, sampled from /proc.

    ``run`` measures one command at a time, so these are the command, its descendants (a
    worker process of the build) and the orphans it leaves. ``wait4`` reports only the
    largest single process (``ru_maxrss``); this sums them every ``RSS_INTERVAL`` seconds.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.root = os.getpid()
        self.peak_kb = 0
        self.processes = 1
        self._done = threading.Event()

    def sample(self) -> None:
        tree = descendants(self.root)
        self.processes = max(self.processes, len(tree))
        self.peak_kb = max(self.peak_kb, sum(pss_kb(pid) for pid in tree))

    def run(self) -> None:
        self.sample()
        while not self._done.wait(RSS_INTERVAL):
            self.sample()

    def stop(self) -> None:
        self._done.set()
        self.join()


def reap_leftovers() -> tuple[float, int]:
    """Wait for the orphans adopted from the command that just exited (see become_subreaper).

    Returns their CPU time (user + sys, with the children they reaped) and how many ran on
    longer than ``LEFTOVER_GRACE`` s; those still running after ``LEFTOVER_TIMEOUT`` s are
    killed, so that they do not run alongside the next measurement.
    """
    cpu = 0.0
    late: set[int] = set()
    start = time.monotonic()
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:  # no child left
            return cpu, len(late)
        if pid:
            cpu += usage.ru_utime + usage.ru_stime
            continue
        waited = time.monotonic() - start
        if waited > LEFTOVER_GRACE:
            alive = descendants(os.getpid())
            late.update(alive)
            if waited > LEFTOVER_TIMEOUT:
                for pid in alive:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


# How a figure is read from a Run, and how it is shown in a table cell.
METRICS: dict[str, tuple[Callable[[Run], float], Callable[[float], str]]] = {
    "wall": (lambda m: m.seconds, lambda s: f"{s:.2f} s"),
    "CPU": (lambda m: m.cpu, lambda s: f"{s:.2f} s"),
    "PSS": (lambda m: (m.rss_kb or 0) / 1024, lambda mb: f"{mb:.0f} MB"),
}


@dataclass
class SizeResult:
    """Everything measured at one N; the runs of each step are kept under its key."""

    n: int
    mean_bytes: int = 0
    runs: dict[str, list[Run]] = field(default_factory=dict)
    cache: dict[str, tuple[int, int]] = field(default_factory=dict)  # files, bytes after cold
    search_plugin: int = 0
    search_plain: int = 0
    site_plugin: int = 0
    site_plain: int = 0
    nav_plugin: tuple[int, int] = (0, 0)  # md-nav__link count, bytes of the home page
    nav_plain: tuple[int, int] = (0, 0)
    nav_page: tuple[int, int] = (0, 0)  # the same for one postmortem page of the plugin
    language: dict[str, float] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return bool(self.runs.get(key))

    def value(self, key: str, metric: str = "wall") -> float:
        """Median of ``metric`` (wall, CPU or PSS) over the runs of ``key``."""
        return median([METRICS[metric][0](m) for m in self.runs.get(key, [])])


def nothing() -> None:
    """The default set-up and clean-up of a step."""


@dataclass(frozen=True)
class Step:
    """One measured command. ``cold`` removes ``.cache`` beside its mkdocs.yml first."""

    key: str  # the series it belongs to, e.g. "build warm"; SizeResult.runs[key]
    cmd: list[str]
    cwd: Path
    rss: bool = False  # sample the peak PSS of the process tree
    cold: bool = False
    before: Callable[[], None] = nothing
    after: Callable[[], None] = nothing  # runs even when the command fails

    def pinned(self) -> Step:
        """The same step on one core (``taskset -c 0``), kept under "1 core <key>"."""
        return replace(self, key=f"1 core {self.key}", cmd=[*ONE_CORE, *self.cmd])


@dataclass
class Edit:
    """Appends a new sentence to the end of one postmortem, then restores its bytes and times."""

    file: Path
    count: int = 0
    original: bytes = b""
    times: tuple[int, int] = (0, 0)

    def apply(self) -> None:
        self.count += 1
        self.original = self.file.read_bytes()
        stat = self.file.stat()
        self.times = (stat.st_atime_ns, stat.st_mtime_ns)
        self.file.write_bytes(self.original + EDIT.format(count=self.count).encode())

    def restore(self) -> None:
        self.file.write_bytes(self.original)
        os.utime(self.file, ns=self.times)


def clear_cache(site: Path) -> None:
    """Remove ``.cache`` beside ``site``'s mkdocs.yml, so that the next run starts cold."""
    shutil.rmtree(site / CACHE, ignore_errors=True)
    if (site / CACHE).exists():
        raise SystemExit(f"ERROR: could not remove {site / CACHE} before a cold run")


def tree_size(folder: Path) -> tuple[int, int]:
    """Number of files under ``folder`` and their bytes; (0, 0) if it does not exist."""
    files = [f for f in folder.rglob("*") if f.is_file()]
    return len(files), sum(f.stat().st_size for f in files)


def median(values: list[float] | list[int]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def run(cmd: list[str], cwd: Path, *, rss: bool = False) -> Run:
    """Run ``cmd``; wall time, CPU time, stdout and, with ``rss``, peak RSS (KB) of its tree.

    CPU time is ``wait4``'s user + sys of the child, which includes every descendant it
    waited for (a joined ``multiprocessing`` worker), plus that of the orphans it left
    (adopted, see ``become_subreaper``). Wall time ends when the child exits. Fails loudly.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = Path(tmp, "out"), Path(tmp, "err")
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=out, stderr=err)
            sampler = TreeSampler() if rss else None
            if sampler:
                sampler.start()
            try:
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                if sampler:
                    sampler.stop()
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            leftover_cpu, late = reap_leftovers()
        stdout = out_path.read_text(errors="replace")
        if process.returncode not in (0,):
            stderr = err_path.read_text(errors="replace")
            raise RuntimeError(
                f"{' '.join(cmd)} (in {cwd}) exited with {process.returncode}:\n"
                f"{(stdout + stderr)[-3000:]}"
            )
    cpu = usage.ru_utime + usage.ru_stime + leftover_cpu
    if sampler is None:
        return Run(seconds, None, stdout, cpu, late=late)
    return Run(seconds, sampler.peak_kb, stdout, cpu, sampler.processes, late)


def alternate(commands: list[Callable[[], None]], repeat: int) -> None:
    """Run each command ``repeat`` times, alternating the order (ABBA...)."""
    for index in range(repeat):
        for command in commands if index % 2 == 0 else list(reversed(commands)):
            command()


def perform(steps: list[Step], result: SizeResult) -> None:
    """Run ``steps`` in order (one turn of a series), keeping each run under its key."""
    for step in steps:
        if step.cold:
            clear_cache(step.cwd)
        step.before()
        try:
            measured = run(step.cmd, step.cwd, rss=step.rss)
        finally:
            step.after()
        result.runs.setdefault(step.key, []).append(measured)
        memory = ""
        if measured.rss_kb is not None:
            memory = f"  {measured.rss_kb / 1024:6.0f} MB  processes {measured.processes}"
        print(
            f"    {step.key:<20} {measured.seconds:7.2f} s  CPU {measured.cpu:6.2f} s{memory}",
            flush=True,
        )
        if measured.late:
            print(
                f"    WARNING: {measured.late} process(es) of {step.key} ran on more than "
                f"{LEFTOVER_GRACE:.0f} s after it exited (their CPU time counts, not their time)",
                flush=True,
            )
        if step.cold:
            result.cache[step.key] = tree_size(step.cwd / CACHE)
            if not result.cache[step.key][0]:
                print(f"    WARNING: {step.key} left no {CACHE}/ (nothing is cached)", flush=True)


def series(floor: list[Step], product: list[Step], result: SizeResult, repeat: int) -> None:
    """``repeat`` alternating turns of the floor's steps and the product's steps."""
    alternate([lambda: perform(floor, result), lambda: perform(product, result)], repeat)


def ensure_archive(n: int, seed: int, work: Path) -> tuple[Path, dict[str, object]]:
    """Generate the archive for (n, seed) unless the cached one matches the generator.

    An archive that still holds the edit of an interrupted run is generated again.
    """
    out = work / f"n{n}-s{seed}"
    stamp = out / "archive.json"
    wanted = generate.hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()[:16]
    if stamp.is_file():
        summary = json.loads(stamp.read_text())
        archive = out / "plugin" / "postmortems"
        if (
            summary.get("n") == n
            and summary.get("seed") == seed
            and summary.get("generator") == wanted
            and archive.is_dir()
            and EDIT_MARK not in edited_file(archive).read_text(encoding="utf-8")
        ):
            print(f"  reusing {out}", flush=True)
            return out, summary
    print(f"  generating {n} postmortems into {out} ...", flush=True)
    start = time.perf_counter()
    summary = generate.generate(n, out, seed)
    print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    return out, summary


def edited_file(archive: Path) -> Path:
    """The postmortem the "edited" build changes: the first by name (not the single file)."""
    return min(archive.glob("[0-9]*.md"))


def nav_figures(page: Path) -> tuple[int, int]:
    html = page.read_text(encoding="utf-8", errors="replace")
    return html.count("md-nav__link"), len(html.encode("utf-8"))


def language_cost(archive_dir: Path, repeat: int) -> dict[str, float]:
    """In-process: the language rules over the archive against a CSafeLoader front-matter parse.

    Times ``check.postmortem._check_language`` (body prose and action-item titles, exactly
    as the per-file check calls it), with ``prose`` and ``check_language`` wrapped to split
    the time between prose extraction and rule matching. Reading (``read_source``: YAML with
    positions), ``check_front_matter`` and ``parse_body`` run before and are timed apart.
    """
    from postmortem_kb.check import postmortem as pm_module
    from postmortem_kb.check.front_matter import check_front_matter
    from postmortem_kb.model.report import Report
    from postmortem_kb.model.settings import Settings
    from postmortem_kb.source.body import parse_body
    from postmortem_kb.source.front_matter import read_source

    settings = Settings()
    files = sorted(archive_dir.glob("*.md"))
    headers = []
    for file in files:
        lines = file.read_text(encoding="utf-8").split("\n")
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
        headers.append("\n".join(lines[1:end]))

    def floor() -> None:
        for header in headers:
            yaml.load(header, Loader=yaml.CSafeLoader)

    sources: list[Any] = []
    metas: list[Any] = []
    bodies: list[Any] = []
    spent = {"prose": 0.0, "rules": 0.0}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return wrapper

    def read() -> None:
        sources[:] = [
            read_source(f, f.name, Report(f.name, {}), settings.max_file_kb * 1024) for f in files
        ]
        metas[:] = [
            check_front_matter(
                s.front_matter,
                s.positions,
                (s.body_line - 1, 1),  # the closing ---
                Path(s.path).stem,
                settings,
                Report(s.path, {}),
            )
            if s.front_matter is not None
            else None
            for s in sources
        ]

    def parse() -> None:
        bodies[:] = [parse_body(s.body, s.body_line) for s in sources]

    findings = [0]

    def language() -> None:
        spent["prose"] = spent["rules"] = 0.0
        count = 0
        for source, meta, body in zip(sources, metas, bodies, strict=True):
            report = Report(source.path, {})
            pm_module._check_language(source, body, meta, source.positions, settings, report)
            count += len(report.findings)
        findings[0] = count

    originals = {"prose": pm_module.prose, "check_language": pm_module.check_language}
    pm_module.prose = timed("prose", originals["prose"])  # type: ignore[assignment]
    pm_module.check_language = timed("rules", originals["check_language"])  # type: ignore[assignment]
    timings: dict[str, list[float]] = {"floor": [], "read": [], "parse_body": [], "language": []}
    prose_times: list[float] = []
    rules_times: list[float] = []
    try:
        for _ in range(repeat):
            for name, function in (
                ("floor", floor),
                ("read", read),
                ("parse_body", parse),
                ("language", language),
            ):
                start = time.perf_counter()
                function()
                timings[name].append(time.perf_counter() - start)
            prose_times.append(spent["prose"])
            rules_times.append(spent["rules"])
    finally:
        pm_module.prose = originals["prose"]  # type: ignore[assignment]
        pm_module.check_language = originals["check_language"]  # type: ignore[assignment]
    result = {name: median(values) for name, values in timings.items()}
    result["prose"] = median(prose_times)
    result["rules"] = median(rules_times)
    result["findings"] = float(findings[0])
    return result


def verify_check(site: Path, postmortem: list[str]) -> None:
    """Untimed: the archive must pass ``postmortem check --strict`` with no error or warning
    (notes, such as open items without a tracker link, are part of a realistic archive)."""
    result = subprocess.run(
        [*postmortem, "check", "--strict", "--format", "json"],
        cwd=site,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = []
    with contextlib.suppress(json.JSONDecodeError, AttributeError):
        findings = json.loads(result.stdout).get("findings", [])
    failing = [f for f in findings if f.get("level") != "info"]
    if result.returncode != 0 or failing:
        shown = "\n".join(json.dumps(f) for f in failing[:10]) or result.stdout[-2000:]
        raise SystemExit(
            f"ERROR: the generated archive in {site} does not pass `postmortem check --strict` "
            f"(exit {result.returncode}, {len(findings)} findings):\n{shown}\n"
            f"{result.stderr[-2000:]}"
        )


def measure(
    n: int, seed: int, repeat: int, one_core_repeat: int, work: Path, postmortem: list[str]
) -> SizeResult:
    """Every figure at one N; ``one_core_repeat`` 0 skips the runs under ``taskset -c 0``."""
    print(f"\nN = {n:,}", flush=True)
    out, summary = ensure_archive(n, seed, work)
    result = SizeResult(n, mean_bytes=int(summary.get("mean_bytes", 0)))
    plugin, plain = out / "plugin", out / "plain"
    print("  verifying with postmortem check --strict ...", flush=True)
    verify_check(plugin, postmortem)

    build = [sys.executable, "-m", "mkdocs", "build", "--quiet"]
    check = [*postmortem, "check", "--format", "json"]
    edit = Edit(edited_file(plugin / "postmortems"))
    plain_build = Step("build plain", build, plain, rss=True)
    builds = [  # in this order: warm reuses the cache of cold, edited that of warm
        Step("build cold", build, plugin, rss=True, cold=True),
        Step("build warm", build, plugin, rss=True),
        Step("build edited", build, plugin, rss=True, before=edit.apply, after=edit.restore),
    ]
    parse_floor = Step(
        "check floor", [sys.executable, str(BENCH / "parse_floor.py"), "postmortems"], plugin
    )
    checks = [Step("check cold", check, plugin, cold=True), Step("check warm", check, plugin)]

    print("  builds: plain | cold, warm, one postmortem edited (alternating):", flush=True)
    series([plain_build], builds, result, repeat)
    print("  checks: parse floor | cold, warm (alternating):", flush=True)
    series([parse_floor], checks, result, repeat)
    if one_core_repeat:
        print(f"  on one core (taskset -c 0), {one_core_repeat} turn(s):", flush=True)
        cold_warm = [step.pinned() for step in builds[:2]]
        series([plain_build.pinned()], cold_warm, result, one_core_repeat)
        series([parse_floor.pinned()], [step.pinned() for step in checks], result, one_core_repeat)

    result.search_plugin = (plugin / "site/search/search_index.json").stat().st_size
    result.search_plain = (plain / "site/search/search_index.json").stat().st_size
    result.site_plugin = tree_size(plugin / "site")[1]
    result.site_plain = tree_size(plain / "site")[1]
    result.nav_plugin = nav_figures(plugin / "site/index.html")
    result.nav_plain = nav_figures(plain / "site/index.html")
    one = Path(str(summary["one_file"])).stem
    result.nav_page = nav_figures(plugin / "site/postmortems" / one / "index.html")

    print("  language rules (in-process) ...", flush=True)
    try:
        result.language = language_cost(plugin / "postmortems", repeat)
    except Exception as error:
        print(f"  ERROR: language measurement failed ({type(error).__name__}: {error})")
        result.language = {}
        return result
    if result.language.get("findings"):
        print(f"  WARNING: language rules reported {result.language['findings']:.0f} findings")
    print(
        f"  language {result.language['language']:.2f} s, "
        f"front-matter parse {result.language['floor']:.2f} s",
        flush=True,
    )
    return result


def single_file_checks(result: SizeResult, site: Path, postmortem: list[str], repeat: int) -> bool:
    """``postmortem check FILE`` (no ``.cache``, as in a fresh CI checkout) against ``import
    yaml``, kept in ``result`` as "single check" and "single floor"; True if the check
    imports MkDocs or Material."""
    one = (site.parent / "one-file.md").read_text().strip()
    series(
        [Step("single floor", [sys.executable, "-c", "import yaml"], site)],
        [Step("single check", [*postmortem, "check", one], site, cold=True)],
        result,
        repeat,
    )
    probe = (
        "import sys\n"
        "from postmortem_kb.cli.main import main\n"
        "try:\n"
        f"    main(['check', {one!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(any(m == 'mkdocs' or m.startswith(('mkdocs.', 'material')) for m in sys.modules))\n"
    )
    return run([sys.executable, "-c", probe], site).stdout.strip().splitlines()[-1] == "True"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "mkdocs": version("mkdocs"),
        "material": version("mkdocs-material"),
        "postmortem-kb": version("postmortem-kb"),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def per_size(
    results: list[SizeResult],
    target_n: int,
    label: str,
    pick: Callable[[SizeResult], tuple[float, float]],
    show: Callable[[float], str],
    target: float | None = None,
) -> list[list[str]]:
    """One row per N: the product against its floor, their ratio, and at ``target_n`` the
    target (the highest ratio allowed) when there is one."""
    rows = []
    for r in results:
        measured, floor = pick(r)
        ratio = measured / floor if floor else None
        judged = target is not None and ratio is not None and r.n == target_n
        rows.append(
            [
                label,
                f"{r.n:,}",
                show(measured),
                show(floor),
                "" if ratio is None else f"{ratio:.2f}",
                f"<= {target:.2f}" if judged else "",
                mark(ratio <= target) if judged and target and ratio is not None else "",
            ]
        )
    return rows


def timed_rows(
    results: list[SizeResult],
    target_n: int,
    label: str,
    key: str,
    floor_key: str,
    metric: str,
    target: float | None = None,
) -> list[list[str]]:
    """Rows of one timed figure (a metric of ``METRICS``) against its floor, one per N."""
    return per_size(
        results,
        target_n,
        f"{label}: {metric}",
        lambda r: (r.value(key, metric), r.value(floor_key, metric)),
        METRICS[metric][1],
        target,
    )


# The timed figures: label, the product's key, its floor's key (measured in the same
# series), and the target of each metric reported (None: information only).
TIMED: list[tuple[str, str, str, dict[str, float | None]]] = [
    (
        "build cold (no .cache) vs plain mkdocs",
        "build cold",
        "build plain",
        {"wall": None, "CPU": COLD_BUILD_CPU_TARGET},
    ),
    (
        "build warm (nothing changed) vs plain",
        "build warm",
        "build plain",
        {"wall": WARM_BUILD_TARGET, "CPU": WARM_BUILD_TARGET},
    ),
    (
        "build, one postmortem edited, vs plain",
        "build edited",
        "build plain",
        {"wall": EDITED_BUILD_TARGET, "CPU": None},
    ),
    (
        "check warm vs CSafeLoader parse",
        "check warm",
        "check floor",
        {"wall": WARM_CHECK_TARGET, "CPU": None},
    ),
    (
        "check cold (no .cache) vs CSafeLoader parse",
        "check cold",
        "check floor",
        {"wall": None, "CPU": COLD_CHECK_CPU_TARGET},
    ),
]

# Growth from the smallest to the largest N: label, key, judged (False: a reference).
SCALING = [
    ("scaling: plugin build, cold", "build cold", True),
    ("scaling: plugin build, warm", "build warm", True),
    ("scaling: plain build (reference)", "build plain", False),
    ("scaling: postmortem check, cold", "check cold", True),
    ("scaling: postmortem check, warm", "check warm", True),
    ("scaling: parse floor (reference)", "check floor", False),
]


def all_timed_rows(results: list[SizeResult], target_n: int) -> list[list[str]]:
    """The rows of TIMED, then the same on one core for the series that ran there."""
    rows: list[list[str]] = []
    for prefix, tag in (("", ""), ("1 core ", "[1 core] ")):
        for label, key, floor_key, targets in TIMED:
            if not results[-1].has(prefix + key):
                continue
            for metric, target in targets.items():
                rows += timed_rows(
                    results, target_n, tag + label, prefix + key, prefix + floor_key, metric, target
                )
    return rows


def single_rows(largest: SizeResult, imported: bool) -> list[list[str]]:
    one, floor = largest.value("single check"), largest.value("single floor")
    return [
        [
            "single-file check (whole process, no .cache)",
            f"{largest.n:,}",
            f"{one:.3f} s",
            f"{floor:.3f} s",
            f"{one / floor:.1f}",
            f"<= {SINGLE_TARGET:.2f} s",
            mark(one <= SINGLE_TARGET),
        ],
        [
            "single-file check imports mkdocs/material",
            "",
            "yes" if imported else "no",
            "",
            "",
            "no",
            mark(not imported),
        ],
    ]


def scaling_rows(results: list[SizeResult]) -> list[list[str]]:
    if len(results) < 2:
        return []
    small, large = results[0], results[-1]
    limit = large.n / small.n * SCALING_SLACK
    rows = []
    for label, key, judged in SCALING:
        growth = large.value(key) / small.value(key)
        rows.append(
            [
                label,
                f"{small.n:,} -> {large.n:,}",
                f"{large.value(key):.2f} s",
                f"{small.value(key):.2f} s",
                f"{growth:.2f}x",
                f"<= {limit:.1f}x" if judged else "",
                mark(growth <= limit) if judged else "",
            ]
        )
    return rows


def cache_rows(results: list[SizeResult]) -> list[list[str]]:
    """What a cold build and a cold check leave in ``.cache`` (information)."""
    rows = []
    for key in ("build cold", "check cold"):
        for r in results:
            files, size = r.cache.get(key, (0, 0))
            rows.append(
                [
                    f"  (info) {CACHE}/ per postmortem after a cold {key.split()[0]}",
                    f"{r.n:,}",
                    f"{size / r.n / 1024:.2f} KB ({files:,} files)",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return rows


def nav_rows(results: list[SizeResult]) -> list[list[str]]:
    rows = []
    first = results[0]
    for r in results:
        flat = r.nav_plugin[0] <= first.nav_plugin[0] * 1.1 + 5
        rows.append(
            [
                "nav: md-nav__link on home page (bytes)",
                f"{r.n:,}",
                f"{r.nav_plugin[0]} ({r.nav_plugin[1] / 1024:.0f} KB)",
                f"{r.nav_plain[0]} ({r.nav_plain[1] / 1024:.0f} KB)",
                "",
                "flat in N",
                mark(flat) if len(results) > 1 else "",
            ]
        )
    for r in results:
        rows.append(
            [
                "nav: md-nav__link on a postmortem page",
                f"{r.n:,}",
                f"{r.nav_page[0]} ({r.nav_page[1] / 1024:.0f} KB)",
                "",
                "",
                "",
                "",
            ]
        )
    return rows


def language_rows(results: list[SizeResult], target_n: int) -> list[list[str]]:
    rows = []
    at_target = {r.n: r.n == target_n for r in results}
    for r in results:
        lang = r.language
        if not lang:
            rows.append(
                [
                    "language rules vs front-matter parse",
                    f"{r.n:,}",
                    "n/a (error)",
                    "",
                    "",
                    f"<= {LANGUAGE_TARGET:.1f}" if at_target[r.n] else "",
                    "",
                ]
            )
            continue
        ratio = lang["language"] / lang["floor"]
        rows.append(
            [
                "language rules (_check_language) vs front-matter parse",
                f"{r.n:,}",
                f"{lang['language']:.2f} s",
                f"{lang['floor']:.2f} s",
                f"{ratio:.2f}",
                f"<= {LANGUAGE_TARGET:.1f}" if at_target[r.n] else "",
                mark(ratio <= LANGUAGE_TARGET) if at_target[r.n] else "",
            ]
        )
    for r in (r for r in results if r.language):
        lang = r.language
        rows.append(
            [
                "  of which prose() / check_language()",
                f"{r.n:,}",
                f"{lang['prose']:.2f} / {lang['rules']:.2f} s",
                "",
                "",
                "",
                "",
            ]
        )
    for r in (r for r in results if r.language):
        lang = r.language
        rows.append(
            [
                "  (info) read+front-matter checks / parse_body",
                f"{r.n:,}",
                f"{lang['read']:.2f} / {lang['parse_body']:.2f} s",
                f"{lang['floor']:.2f} s",
                f"{lang['read'] / lang['floor']:.1f} / {lang['parse_body'] / lang['floor']:.1f}",
                "",
                "",
            ]
        )
    return rows


def table(results: list[SizeResult], imported: bool, target_n: int) -> list[list[str]]:
    """Rows: figure, N, measured, floor, ratio, target, mark."""
    rows = all_timed_rows(results, target_n)
    rows += single_rows(results[-1], imported)
    rows += scaling_rows(results)
    memory = "peak memory (process tree)"
    rows += timed_rows(
        results,
        target_n,
        f"{memory}, cold build vs plain",
        "build cold",
        "build plain",
        "PSS",
        RSS_TARGET,
    )
    rows += timed_rows(
        results, target_n, f"  (info) {memory}, warm build", "build warm", "build plain", "PSS"
    )
    rows += cache_rows(results)
    rows += per_size(
        results,
        target_n,
        "search_index.json per postmortem",
        lambda r: (r.search_plugin / r.n / 1024, r.search_plain / r.n / 1024),
        lambda kb: f"{kb:.2f} KB",
        SEARCH_TARGET,
    )
    rows += per_size(
        results,
        target_n,
        "site bytes per postmortem",
        lambda r: (r.site_plugin / r.n / 1024, r.site_plain / r.n / 1024),
        lambda kb: f"{kb:.1f} KB",
    )
    return rows + nav_rows(results) + language_rows(results, target_n)


HEADER = ["figure", "N", "measured", "floor", "ratio", "target", ""]


def render_text(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(HEADER)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


def render_markdown(rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join(
        [line(HEADER), "| " + " | ".join("---" for _ in HEADER) + " |", *map(line, rows)]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated N [1000,5000]")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure [3]")
    parser.add_argument("--big", action="store_true", help="add N = 10,000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="[.bench/]")
    parser.add_argument(
        "--one-core",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time cold and warm builds and checks under taskset -c 0 [on]",
    )
    parser.add_argument(
        "--one-core-repeat", type=int, default=1, help="runs per figure on one core [1]"
    )
    parser.add_argument(
        "--output", type=Path, default=BENCH / "last-results.md", help="[bench/last-results.md]"
    )
    args = parser.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if args.big:
        sizes = sorted({*sizes, 10_000})
    if not sizes or min(sizes) < 1 or args.repeat < 1 or args.one_core_repeat < 1:
        parser.error("sizes and repeats must be positive")
    if args.one_core and not shutil.which(ONE_CORE[0]):
        print(f"note: no {ONE_CORE[0]}; skipping the 1-core figures", flush=True)
        args.one_core = False
    one_core_repeat = args.one_core_repeat if args.one_core else 0
    args.work.mkdir(parents=True, exist_ok=True)
    if not become_subreaper():
        print("note: cannot adopt orphaned processes; CPU time may miss some", flush=True)
    postmortem = generate.postmortem_command()
    started = time.perf_counter()
    info = machine()
    print(
        f"postmortem-kb benchmark: sizes {', '.join(f'{n:,}' for n in sizes)}, "
        f"{args.repeat} repeats ({one_core_repeat} on one core), work dir {args.work}",
        flush=True,
    )

    results = [
        measure(n, args.seed, args.repeat, one_core_repeat, args.work, postmortem) for n in sizes
    ]
    single_repeat = max(args.repeat, 5)
    print("\nsingle-file check: import yaml | postmortem check FILE (no .cache)", flush=True)
    imported = single_file_checks(
        results[-1], args.work / f"n{sizes[-1]}-s{args.seed}" / "plugin", postmortem, single_repeat
    )
    target_n = TARGET_N if TARGET_N in sizes else sizes[-1]
    rows = table(results, imported, target_n)
    elapsed = time.perf_counter() - started

    machine_line = (
        f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}; "
        f"MkDocs {info['mkdocs']}, Material {info['material']}, "
        f"postmortem-kb {info['postmortem-kb']}; {info['date']}"
    )
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    machine_line += f"; load average at the end {load} (1/5/15 min)"
    sizes_line = ", ".join(f"{r.n:,} ({r.mean_bytes:,} B/postmortem)" for r in results)
    one_core = f"1 core: {one_core_repeat}; " if one_core_repeat else ""
    note = (
        f"Medians of {args.repeat} alternating runs ({one_core}single-file: {single_repeat}); "
        "cold = no .cache, warm = the cache of the run before, edited = warm with one "
        f"postmortem changed; targets apply at N = {target_n:,}"
        + ("" if target_n == TARGET_N else f" (the issue states them at {TARGET_N:,})")
        + f"; scaling target = linear x {SCALING_SLACK:.2f}. Run took {elapsed / 60:.1f} min."
    )
    print("\n" + render_text(rows))
    print(f"\nmachine: {machine_line}")
    print(f"archives: {sizes_line}, seed {args.seed}")
    print(note)
    misses = [f"{row[0].strip()} ({row[1]})" for row in rows if row[-1] == "MISS"]
    print(f"misses: {', '.join(misses) if misses else 'none'}")

    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    markdown = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Machine: {machine_line}.",
            "",
            f"Archives: {sizes_line}, seed {args.seed}. Command: `{command.strip()}`.",
            "",
            render_markdown(rows),
            "",
            note,
            "",
        ]
    )
    args.output.write_text(markdown, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
