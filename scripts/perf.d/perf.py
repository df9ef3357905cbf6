"""scripts/perf's measurements; scripts/perf builds the binaries and then runs this.

  python3 scripts/perf.d/perf.py MODELDECK GRAFATUI OUTDIR

Every setting comes from the environment (see scripts/perf). Results go to OUTDIR
(results.json, the terminal captures, the server logs) and a table to stdout.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402
from fleet import ExpositionServer, Fleet, grafana_dashboard  # noqa: E402
from stack import Alertmanager, Prometheus, free_port  # noqa: E402
from tui import Session, bytes_by_row, kill_server  # noqa: E402


def env_int(name, default):
    return int(os.environ.get(name, default))


SECONDS = env_int("PERF_SECONDS", 60)
GROWTH_SECONDS = env_int("PERF_GROWTH_SECONDS", 45)
SIZES = [int(s) for s in os.environ.get("PERF_SIZES", "10,100,1000,10000").split(",")]
ALERTS = [int(s) for s in os.environ.get("PERF_ALERTS", "1000,10000").split(",") if s]
RUNS = env_int("PERF_RUNS", 7)
# Rounds of the side-by-side runs; the tables show each figure's median.
ROUNDS = env_int("PERF_ROUNDS", 3)
# "1": the long run after the others; "only": the long run alone.
LONG = os.environ.get("PERF_LONG", "")
LONG_MINUTES = env_int("PERF_LONG_MINUTES", 30)
REFRESH_S = 5
# Models on the alert runs: every alert names one of them.
ALERT_MODELS = 100


def log(message):
    print(f"[perf {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Run:
    """Paths, the two tools and the environment they run in."""

    def __init__(self, modeldeck, grafatui, out, tmp):
        self.modeldeck, self.grafatui, self.out, self.tmp = modeldeck, grafatui, out, tmp
        self.socket = f"modeldeck-perf-{os.getpid()}"
        home = os.path.join(tmp, "home")
        os.makedirs(home, exist_ok=True)
        # Neither tool may read the operator's own configuration.
        self.env = {"HOME": home, "XDG_CONFIG_HOME": f"{home}/.config", "XDG_STATE_HOME": f"{home}/.state",
                    "XDG_DATA_HOME": f"{home}/.data", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                    # What a terminal over SSH usually says.
                    "TERM": "xterm-256color"}
        self.results = {"seconds": SECONDS, "growth_seconds": GROWTH_SECONDS, "refresh_s": REFRESH_S,
                        "rounds": ROUNDS}

    def directory(self, name):
        path = os.path.join(self.tmp, name)
        os.makedirs(path, exist_ok=True)
        return path

    def config(self, directory, prometheus, alertmanager, refresh=REFRESH_S, timeout=4):
        path = os.path.join(directory, "modeldeck.toml")
        with open(path, "w") as f:
            f.write(f"""refresh = "{refresh}s"
timeout = "{timeout}s"
[log]
file = "{directory}/modeldeck.log"
[journal]
path = "{directory}/journal.jsonl"
# The six queries of the comparison; VER and GPU add one query each when enabled.
[fleet.columns.version]
enabled = false
[fleet.columns.gpu]
enabled = false
[[environment]]
name = "perf"
alertmanagers = [{f'"{alertmanager}"' if alertmanager else ''}]
[environment.prometheus]
url = "{prometheus}"
""")
        return path

    def modeldeck_argv(self, config):
        return [self.modeldeck, "--config", config]

    def grafatui_argv(self, directory, prometheus):
        dashboard = os.path.join(directory, "dashboard.json")
        with open(dashboard, "w") as f:
            json.dump(grafana_dashboard(REFRESH_S), f, indent=1)
        return [self.grafatui, "--prometheus-url", prometheus, "--grafana-json", dashboard, "--range", "1h",
                "--step", "1m", "--refresh-rate", str(REFRESH_S * 1000), "--export-dir", directory]

    def session(self, name, argv):
        return Session(name, argv, self.env, os.path.join(self.out, f"{name}.tty"), self.socket)


def backfilled_stack(run, name, mode, models):
    """A Prometheus with two hours of `mode` history for `models` models, scraping them live."""
    directory = run.directory(name)
    now = math.floor(time.time())
    start = (now - 7200) // 60 * 60
    end = (now - 90) // 60 * 60
    fleet = Fleet(models, mode, t0=start)
    port = free_port()
    server = ExpositionServer(fleet, port)
    prometheus = Prometheus(directory, port, backfill=fleet.openmetrics(start, end, f"127.0.0.1:{port}"))
    prometheus.wait_models(models)
    return directory, fleet, server, prometheus


def one_run(run, prometheus, tool, name, argv, ready, mode):
    """One program for PERF_SECONDS from launch: CPU, peak RSS, bytes written and Prometheus
    requests. On static data also the bytes after the first full draw (one refresh after
    the data first shows), by screen row: what an idle terminal costs."""
    before = prometheus.requests()
    session = run.session(name, argv)
    idle_mark = None
    try:
        if not session.wait_for(ready, SECONDS):
            raise RuntimeError(f"{tool} never showed its data:\n{session.screen()}")
        if mode == "static":
            time.sleep(REFRESH_S + 1)
            idle_mark = session.sample()
        time.sleep(max(0.0, SECONDS - (time.monotonic() - session.started)))
        end = session.sample()
        screen = session.screen()
    finally:
        session.quit()
    after = prometheus.requests()
    with open(session.capture, "rb") as f:
        written = f.read()[:end["bytes"]]
    result = {
        "cpu_s": end["cpu_s"], "hwm_kib": end["hwm_kib"], "window_s": end["t"],
        "anon_kib": end["anon_kib"], "file_kib": end["file_kib"], "threads": end["threads"],
        "bytes": len(written),
        "prometheus_requests": sum(after.values()) - sum(before.values()),
        "requests_by_handler": {h: after.get(h, 0) - before.get(h, 0) for h in after
                                if after.get(h, 0) != before.get(h, 0)},
        "screen": screen,
    }
    if idle_mark is not None:
        idle = written[idle_mark["bytes"]:]
        lines = screen.splitlines()
        result["idle"] = {
            "bytes": len(idle), "window_s": end["t"] - idle_mark["t"], "cpu_s": end["cpu_s"] - idle_mark["cpu_s"],
            "rows": [{"row": r, "bytes": n, "text": lines[r - 1].rstrip() if 0 < r <= len(lines) else ""}
                     for r, n in sorted(bytes_by_row(idle).items(), key=lambda kv: -kv[1])[:8]],
        }
    return result


def median_run(runs):
    """The median of each figure over the rounds (for an even count, the mean of the middle
    two), with every round's figures kept under "rounds"."""
    keys = ("cpu_s", "hwm_kib", "anon_kib", "file_kib", "threads", "bytes", "prometheus_requests")
    result = {k: statistics.median(r[k] for r in runs) for k in keys}
    # The screen, the requests by handler and the idle rows of the median-CPU round.
    middle = sorted(runs, key=lambda r: r["cpu_s"])[(len(runs) - 1) // 2]
    result.update({k: middle[k] for k in ("screen", "requests_by_handler", "window_s")})
    if "idle" in middle:
        result["idle"] = {**middle["idle"], "bytes": statistics.median(r["idle"]["bytes"] for r in runs),
                          "cpu_s": statistics.median(r["idle"]["cpu_s"] for r in runs)}
    result["rounds"] = [{k: r[k] for k in keys} for r in runs]
    return result


def side_by_side(run, mode):
    """modeldeck, modeldeck --low-bandwidth and grafatui against 50 models of `mode` data
    ("changing": new values every scrape; "static": the same values throughout), one after
    the other for PERF_SECONDS each, in PERF_ROUNDS rounds whose order alternates."""
    directory, _, server, prometheus = backfilled_stack(run, f"compare-{mode}", mode, 50)
    alertmanager = Alertmanager(directory)
    config = run.config(directory, prometheus.url, alertmanager.url)
    tools = {
        "modeldeck": (run.modeldeck_argv(config), r"\b50 models"),
        "modeldeck --low-bandwidth": (run.modeldeck_argv(config) + ["--low-bandwidth"], r"\b50 models"),
        "grafatui": (run.grafatui_argv(directory, prometheus.url), r"ACC 1h"),
    }
    runs = {tool: [] for tool in tools}
    try:
        for round_index in range(ROUNDS):
            order = list(tools) if round_index % 2 == 0 else list(reversed(tools))
            for tool in order:
                argv, ready = tools[tool]
                log(f"{mode} data, round {round_index + 1}/{ROUNDS}: {tool}, {SECONDS} s")
                name = f"{mode}-{tool.replace(' --', '-')}-{round_index + 1}"
                runs[tool].append(one_run(run, prometheus, tool, name, argv, ready, mode))
    finally:
        alertmanager.stop()
        prometheus.stop()
        server.close()
    return {tool: median_run(r) for tool, r in runs.items()}


def status_runs(run, config, runs):
    """Wall times of `modeldeck status --json`, and its last document."""
    times, document = [], None
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([run.modeldeck, "--config", config, "status", "--json"], capture_output=True,
                              env={**os.environ, **run.env})
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"modeldeck status failed ({done.returncode}): {done.stderr.decode()}")
        document = json.loads(done.stdout)
    return times, document


def growth_run(run, name, config, prometheus, ready):
    """modeldeck's TUI: CPU per refresh and peak RSS over PERF_GROWTH_SECONDS, after its
    first data is on screen. A refresh is one query_range (the trend column)."""
    session = run.session(name, run.modeldeck_argv(config))
    try:
        if not session.wait_for(ready, 90):
            raise RuntimeError(f"{name}: the data never showed:\n{session.screen()}")
        time.sleep(1)
        mark, before = session.sample(), prometheus.requests()
        time.sleep(GROWTH_SECONDS)
        end, after = session.sample(), prometheus.requests()
    finally:
        session.quit()
    refreshes = after.get("/api/v1/query_range", 0) - before.get("/api/v1/query_range", 0)
    cpu = end["cpu_s"] - mark["cpu_s"]
    return {"refreshes": refreshes, "cpu_s": cpu, "cpu_ms_per_refresh": 1000 * cpu / max(refreshes, 1),
            "hwm_kib": end["hwm_kib"], "rss_kib": end["rss_kib"], "startup_cpu_s": mark["cpu_s"]}


def amtool_runs(alertmanager, runs):
    times, count = [], None
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(["amtool", "alert", "query", "-o", "json", f"--alertmanager.url={alertmanager.url}"],
                              capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"amtool failed: {done.stderr.decode()}")
        count = len(json.loads(done.stdout))
    return times, count


def curl_runs(alertmanager, runs):
    """Wall times of curl fetching the same `/api/v2/alerts` answer: the floor any client
    of that endpoint pays."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(["curl", "-sSf", "-o", "/dev/null", f"{alertmanager.url}/api/v2/alerts"],
                              capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"curl failed: {done.stderr.decode()}")
    return times


def scale(run):
    """Queries per refresh by fleet size, and CPU and memory as fleet and alerts grow."""
    directory = run.directory("scale")
    fleet = Fleet(SIZES[0], "changing", t0=math.floor(time.time()) - 600)
    port = free_port()
    server = ExpositionServer(fleet, port)
    prometheus = Prometheus(directory, port)
    alertmanager = Alertmanager(directory)
    config = run.config(directory, prometheus.url, alertmanager.url)
    queries, growth, versus = {}, {}, {}
    try:
        for size in SIZES:
            fleet.resize(size)
            log(f"{size} models: waiting for Prometheus")
            prometheus.wait_models(size, timeout=180)
            before = prometheus.requests()
            times, document = status_runs(run, config, 3)
            after = prometheus.requests()
            if len(document["models"]) != size:
                raise RuntimeError(f"status --json shows {len(document['models'])} models, not {size}")
            queries[size] = {h: (after.get(h, 0) - before.get(h, 0)) / 3 for h in after
                             if after.get(h, 0) != before.get(h, 0)}
            queries[size]["status_wall_s"] = statistics.median(times)
            if size >= 100:
                log(f"{size} models: TUI for {GROWTH_SECONDS} s")
                growth[f"{size} models"] = growth_run(run, f"models-{size}", config, prometheus,
                                                      rf"\b{size} models")
            if size == ALERT_MODELS:
                sent = 0
                for count in ALERTS:
                    alertmanager.post_alerts(sent, count - sent, ALERT_MODELS)
                    sent = count
                    alertmanager.wait_firing(count)
                    log(f"{count} firing alerts: TUI for {GROWTH_SECONDS} s")
                    growth[f"{count} alerts"] = growth_run(run, f"alerts-{count}", config, prometheus,
                                                           rf"\b{count} firing")
                    if count == 1000:
                        log(f"1000 firing alerts: status --json, amtool and curl, {RUNS} runs each")
                        md, document = status_runs(run, config, RUNS)
                        am, am_count = amtool_runs(alertmanager, RUNS)
                        curl = curl_runs(alertmanager, RUNS)
                        versus = {"modeldeck_s": statistics.median(md), "amtool_s": statistics.median(am),
                                  "curl_s": statistics.median(curl),
                                  "modeldeck_alerts": len(document["alerts"]), "amtool_alerts": am_count}
                if sent:
                    alertmanager.post_alerts(0, sent, ALERT_MODELS, ends_in=0)
                    alertmanager.wait_firing(0)
    finally:
        alertmanager.stop()
        prometheus.stop()
        server.close()
    return queries, growth, versus


def long_run(run):
    """PERF_LONG: modeldeck's RSS every minute over PERF_LONG_MINUTES against 1,000 changing
    models (50 renamed every 5 minutes) and 1,000 firing alerts. A second modeldeck starts
    3 minutes before the end: if the first is much larger than it, memory grew with time
    rather than with what is on screen."""
    directory = run.directory("long")
    fleet = Fleet(1000, "changing", t0=math.floor(time.time()) - 600)
    port = free_port()
    server = ExpositionServer(fleet, port)
    prometheus = Prometheus(directory, port)
    alertmanager = Alertmanager(directory)
    config = run.config(directory, prometheus.url, alertmanager.url)
    samples, sessions = [], []
    try:
        prometheus.wait_models(1000)
        alertmanager.post_alerts(0, 1000, 1000, ends_in=LONG_MINUTES * 60 + 3600)
        sessions.append(run.session("long", run.modeldeck_argv(config)))
        session = sessions[0]
        session.wait_for(r"\b1000 firing", 90)
        for minute in range(LONG_MINUTES + 1):
            if minute:
                time.sleep(60 - (time.monotonic() - session.started) % 60)
            if minute and minute % 5 == 0:
                for i in range(50):
                    fleet.rename(1 + (minute // 5 * 50 + i) % 999, f"churn-{minute:03d}-{i:02d}")
            if minute == max(1, LONG_MINUTES - 3):
                sessions.append(run.session("long-fresh", run.modeldeck_argv(config)))
            sample = {"minute": minute, **session.sample()}
            if len(sessions) > 1:
                sample["fresh"] = sessions[1].sample()
            samples.append(sample)
            log(f"long run: minute {minute}: RSS {sample['rss_kib'] / 1024:.1f} MiB, CPU {sample['cpu_s']:.1f} s")
    finally:
        for session in sessions:
            session.quit()
        alertmanager.stop()
        prometheus.stop()
        server.close()
    return samples


def bench():
    """`cargo bench --bench render` and `--bench parse`: divan's medians (and, for parse,
    the most memory held at once) by benchmark and argument."""
    medians = {}
    for name in ("render", "parse"):
        done = subprocess.run(["cargo", "bench", "--bench", name], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"cargo bench --bench {name} failed:\n{done.stderr[-3000:]}")
        medians.update(report.parse_divan(done.stdout))
    return medians


def main():
    modeldeck, grafatui, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="modeldeck-perf-") as tmp:
        run = Run(modeldeck, grafatui, out, tmp)
        try:
            if LONG != "only":
                run.results["compare"] = side_by_side(run, "changing")
                run.results["static"] = side_by_side(run, "static")
                queries, growth, versus = scale(run)
                run.results.update(queries=queries, growth=growth, versus_amtool=versus)
            if LONG:
                run.results["long"] = long_run(run)
        finally:
            kill_server(run.socket)
            for name in os.listdir(tmp):
                for log_name in ("prometheus.log", "alertmanager.log", "modeldeck.log"):
                    path = os.path.join(tmp, name, log_name)
                    if os.path.exists(path):
                        os.replace(path, os.path.join(out, f"{name}-{log_name}"))
    if os.environ.get("PERF_BENCH", "1") == "1" and LONG != "only":
        log("cargo bench --bench render, --bench parse")
        run.results["bench"] = bench()
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(run.results, f, indent=1)
    report.print_tables(run.results)


if __name__ == "__main__":
    main()
