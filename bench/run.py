"""Benchmark postmortem-kb against its floors, measured in the same run (issue 6).

    python bench/run.py [--sizes 1000,5000] [--repeat 3] [--big] [--seed 1] [--work DIR]

For each N it generates (or reuses) a synthetic archive, then times, as alternating runs and
medians, the plugin build against a plain MkDocs + Material + search build of the same
Markdown, ``postmortem check`` against a CSafeLoader parse of every front matter, and the
language rules alone (in-process) against the same parse. It prints a table of ratios with
the targets of the issue and writes it to ``bench/last-results.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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

# Targets of issue 6.
BUILD_TARGET = 1.10
CHECK_TARGET = 3.0
SINGLE_TARGET = 0.35
SCALING_SLACK = 1.10  # 5.5x for 1,000 -> 5,000: linear plus 10%
RSS_TARGET = 1.3
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


@dataclass
class SizeResult:
    """Everything measured at one N."""

    n: int
    mean_bytes: int = 0
    build_plugin: list[float] = field(default_factory=list)
    build_plain: list[float] = field(default_factory=list)
    rss_plugin: list[int] = field(default_factory=list)
    rss_plain: list[int] = field(default_factory=list)
    cpu_plugin: list[float] = field(default_factory=list)
    cpu_plain: list[float] = field(default_factory=list)
    check: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    check_cpu: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)
    search_plugin: int = 0
    search_plain: int = 0
    site_plugin: int = 0
    site_plain: int = 0
    nav_plugin: tuple[int, int] = (0, 0)  # md-nav__link count, bytes of the home page
    nav_plain: tuple[int, int] = (0, 0)
    nav_page: tuple[int, int] = (0, 0)  # the same for one postmortem page of the plugin
    language: dict[str, float] = field(default_factory=dict)


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


def ensure_archive(n: int, seed: int, work: Path) -> tuple[Path, dict[str, object]]:
    """Generate the archive for (n, seed) unless the cached one matches the generator."""
    out = work / f"n{n}-s{seed}"
    stamp = out / "archive.json"
    wanted = generate.hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()[:16]
    if stamp.is_file():
        summary = json.loads(stamp.read_text())
        if (
            summary.get("n") == n
            and summary.get("seed") == seed
            and summary.get("generator") == wanted
            and (out / "plugin" / "postmortems").is_dir()
        ):
            print(f"  reusing {out}", flush=True)
            return out, summary
    print(f"  generating {n} postmortems into {out} ...", flush=True)
    start = time.perf_counter()
    summary = generate.generate(n, out, seed)
    print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    return out, summary


def site_bytes(site: Path) -> int:
    return sum(f.stat().st_size for f in site.rglob("*") if f.is_file())


def nav_figures(page: Path) -> tuple[int, int]:
    html = page.read_text(encoding="utf-8", errors="replace")
    return html.count("md-nav__link"), len(html.encode("utf-8"))


def language_cost(archive_dir: Path, repeat: int) -> dict[str, float]:
    """In-process: the language rules over the archive against a CSafeLoader front-matter parse.

    Times ``postmortem._check_language`` (body prose and action-item titles, exactly as
    ``load_postmortem`` calls it), with ``prose`` and ``check_language`` wrapped to split the
    time between prose extraction and rule matching. Reading (``read_source``: YAML with
    positions), ``check_front_matter`` and ``parse_body`` run before and are timed apart.
    """
    from postmortem_kb import postmortem as pm_module
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
            check_front_matter(s.front_matter, s.positions, settings, Report(s.path, {}))
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
            pm_module._check_language(source, body, meta, settings, report)
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


def single_file_checks(
    site: Path, one: str, postmortem: list[str], repeat: int
) -> tuple[list[float], list[float], bool]:
    check_times: list[float] = []
    yaml_times: list[float] = []
    alternate(
        [
            lambda: check_times.append(run([*postmortem, "check", one], site).seconds),
            lambda: yaml_times.append(run([sys.executable, "-c", "import yaml"], site).seconds),
        ],
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
    imported = run([sys.executable, "-c", probe], site).stdout.strip().splitlines()[-1] == "True"
    return check_times, yaml_times, imported


def verify_check(site: Path, postmortem: list[str]) -> None:
    """Untimed: the archive must pass ``postmortem check --strict`` with no finding."""
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
    if result.returncode != 0 or findings:
        shown = "\n".join(json.dumps(f) for f in findings[:10]) or result.stdout[-2000:]
        raise SystemExit(
            f"ERROR: the generated archive in {site} does not pass `postmortem check --strict` "
            f"(exit {result.returncode}, {len(findings)} findings):\n{shown}\n"
            f"{result.stderr[-2000:]}"
        )


def measure(n: int, seed: int, repeat: int, work: Path, postmortem: list[str]) -> SizeResult:
    print(f"\nN = {n:,}", flush=True)
    out, summary = ensure_archive(n, seed, work)
    result = SizeResult(n, mean_bytes=int(summary.get("mean_bytes", 0)))
    plugin, plain = out / "plugin", out / "plain"
    build = [sys.executable, "-m", "mkdocs", "build", "--quiet"]

    print("  verifying with postmortem check --strict ...", flush=True)
    verify_check(plugin, postmortem)

    def timed_build(name: str, site: Path) -> Run:
        measured = run(build, site, rss=True)
        rss_mb = (measured.rss_kb or 0) / 1024
        print(
            f"    {name:<6} build {measured.seconds:7.2f} s  {rss_mb:6.0f} MB  "
            f"CPU {measured.cpu:6.2f} s  processes {measured.processes}",
            flush=True,
        )
        if measured.late:
            print(
                f"    WARNING: {measured.late} process(es) of the {name} build ran on more "
                f"than {LEFTOVER_GRACE:.0f} s after it exited (their CPU time counts, "
                "not their time)",
                flush=True,
            )
        return measured

    def build_plugin() -> None:
        measured = timed_build("plugin", plugin)
        result.build_plugin.append(measured.seconds)
        result.rss_plugin.append(measured.rss_kb or 0)
        result.cpu_plugin.append(measured.cpu)

    def build_plain() -> None:
        measured = timed_build("plain", plain)
        result.build_plain.append(measured.seconds)
        result.rss_plain.append(measured.rss_kb or 0)
        result.cpu_plain.append(measured.cpu)

    print("  builds (alternating):", flush=True)
    alternate([build_plain, build_plugin], repeat)

    check_cmd = [*postmortem, "check", "--format", "json"]
    floor_cmd = [sys.executable, str(BENCH / "parse_floor.py"), "postmortems"]

    def check() -> None:
        measured = run(check_cmd, plugin)
        result.check.append(measured.seconds)
        result.check_cpu.append(measured.cpu)

    def floor() -> None:
        measured = run(floor_cmd, plugin)
        result.floor.append(measured.seconds)
        result.floor_cpu.append(measured.cpu)

    alternate([floor, check], repeat)
    print(
        f"  check {median(result.check):.2f} s, parse floor {median(result.floor):.2f} s",
        flush=True,
    )

    result.search_plugin = (plugin / "site/search/search_index.json").stat().st_size
    result.search_plain = (plain / "site/search/search_index.json").stat().st_size
    result.site_plugin = site_bytes(plugin / "site")
    result.site_plain = site_bytes(plain / "site")
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


def seconds(value: float) -> str:
    """A duration in a table cell."""
    return f"{value:.2f} s"


def per_size(
    results: list[SizeResult],
    target_n: int,
    label: str,
    pick: Callable[[SizeResult], tuple[float, float]],
    show: Callable[[float], str],
    target: tuple[float, str] | None = None,
) -> list[list[str]]:
    """One row per N: the product against its floor, their ratio, and at ``target_n`` the
    target (highest ratio allowed, as printed) when there is one."""
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
                target[1] if judged and target else "",
                mark(ratio <= target[0]) if judged and target and ratio is not None else "",
            ]
        )
    return rows


def table(
    results: list[SizeResult],
    single: tuple[list[float], list[float], bool],
    target_n: int,
) -> list[list[str]]:
    """Rows: figure, N, measured, floor, ratio, target, mark."""
    rows: list[list[str]] = []
    at_target = {r.n: r.n == target_n for r in results}
    rows += per_size(
        results,
        target_n,
        "build: plugin vs plain mkdocs build",
        lambda r: (median(r.build_plugin), median(r.build_plain)),
        seconds,
        (BUILD_TARGET, f"<= {BUILD_TARGET:.2f}"),
    )
    rows += per_size(
        results,
        target_n,
        "  (info) build CPU time (user+sys, all processes)",
        lambda r: (median(r.cpu_plugin), median(r.cpu_plain)),
        seconds,
    )
    rows += per_size(
        results,
        target_n,
        "check: postmortem check vs CSafeLoader parse",
        lambda r: (median(r.check), median(r.floor)),
        seconds,
        (CHECK_TARGET, f"<= {CHECK_TARGET:.1f}"),
    )
    rows += per_size(
        results,
        target_n,
        "  (info) check CPU time (user+sys, all processes)",
        lambda r: (median(r.check_cpu), median(r.floor_cpu)),
        seconds,
    )
    check_times, yaml_times, imported = single
    one = median(check_times)
    rows.append(
        [
            "single-file check (whole process)",
            f"{results[-1].n:,}",
            f"{one:.3f} s",
            f"{median(yaml_times):.3f} s",
            f"{one / median(yaml_times):.1f}",
            f"<= {SINGLE_TARGET:.2f} s",
            mark(one <= SINGLE_TARGET),
        ]
    )
    rows.append(
        [
            "single-file check imports mkdocs/material",
            "",
            "yes" if imported else "no",
            "",
            "",
            "no",
            mark(not imported),
        ]
    )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        factor = large.n / small.n
        limit = factor * SCALING_SLACK
        span = f"{small.n:,} -> {large.n:,}"
        for label, pick in (
            ("scaling: plugin build", lambda r: median(r.build_plugin)),
            ("scaling: plain build (reference)", lambda r: median(r.build_plain)),
            ("scaling: postmortem check", lambda r: median(r.check)),
            ("scaling: parse floor (reference)", lambda r: median(r.floor)),
        ):
            growth = pick(large) / pick(small)
            reference = "reference" in label
            rows.append(
                [
                    label,
                    span,
                    f"{pick(large):.2f} s",
                    f"{pick(small):.2f} s",
                    f"{growth:.2f}x",
                    "" if reference else f"<= {limit:.1f}x",
                    "" if reference else mark(growth <= limit),
                ]
            )
    rows += per_size(
        results,
        target_n,
        "peak memory (PSS, process tree): plugin vs plain build",
        lambda r: (median(r.rss_plugin) / 1024, median(r.rss_plain) / 1024),
        lambda mb: f"{mb:.0f} MB",
        (RSS_TARGET, f"<= {RSS_TARGET:.1f}"),
    )
    rows += per_size(
        results,
        target_n,
        "search_index.json per postmortem",
        lambda r: (r.search_plugin / r.n / 1024, r.search_plain / r.n / 1024),
        lambda kb: f"{kb:.2f} KB",
        (SEARCH_TARGET, f"<= {SEARCH_TARGET:.1f}"),
    )
    rows += per_size(
        results,
        target_n,
        "site bytes per postmortem",
        lambda r: (r.site_plugin / r.n / 1024, r.site_plain / r.n / 1024),
        lambda kb: f"{kb:.1f} KB",
    )
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
        "--output", type=Path, default=BENCH / "last-results.md", help="[bench/last-results.md]"
    )
    args = parser.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if args.big:
        sizes = sorted({*sizes, 10_000})
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and repeat must be positive")
    args.work.mkdir(parents=True, exist_ok=True)
    if not become_subreaper():
        print("note: cannot adopt orphaned processes; CPU time may miss some", flush=True)
    postmortem = generate.postmortem_command()
    started = time.perf_counter()
    info = machine()
    print(
        f"postmortem-kb benchmark: sizes {', '.join(f'{n:,}' for n in sizes)}, "
        f"{args.repeat} repeats, work dir {args.work}",
        flush=True,
    )

    results = [measure(n, args.seed, args.repeat, args.work, postmortem) for n in sizes]
    largest = args.work / f"n{sizes[-1]}-s{args.seed}"
    one = (largest / "one-file.md").read_text().strip()
    print("\nsingle-file check ...", flush=True)
    single = single_file_checks(largest / "plugin", one, postmortem, max(args.repeat, 5))
    target_n = TARGET_N if TARGET_N in sizes else sizes[-1]
    rows = table(results, single, target_n)
    elapsed = time.perf_counter() - started

    machine_line = (
        f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}; "
        f"MkDocs {info['mkdocs']}, Material {info['material']}, "
        f"postmortem-kb {info['postmortem-kb']}; {info['date']}"
    )
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    machine_line += f"; load average at the end {load} (1/5/15 min)"
    sizes_line = ", ".join(f"{r.n:,} ({r.mean_bytes:,} B/postmortem)" for r in results)
    note = (
        f"Medians of {args.repeat} alternating runs (single-file: {max(args.repeat, 5)}); "
        f"targets apply at N = {target_n:,}"
        + ("" if target_n == TARGET_N else f" (the issue states them at {TARGET_N:,})")
        + f"; scaling target = linear x {SCALING_SLACK:.2f}. Run took {elapsed / 60:.1f} min."
    )
    print("\n" + render_text(rows))
    print(f"\nmachine: {machine_line}")
    print(f"archives: {sizes_line}, seed {args.seed}")
    print(note)
    misses = [row[0] for row in rows if row[-1] == "MISS"]
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
