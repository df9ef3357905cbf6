"""scripts/perf's tables: the figures of results.json, as Markdown, on stdout."""

TREE = "│├╰─ "


def parse_divan(text):
    """{"group/arg": median} from divan's tree table; with the allocation profiler on, also
    {"group/arg (max alloc)": bytes}, the most memory one iteration held at once."""
    medians, path, counter, values = {}, [], None, []
    for line in text.splitlines():
        if "│" not in line:
            continue
        body = line.lstrip(TREE)
        cells = [c.strip() for c in body.split("│")]
        if len(cells) < 3 or cells[2] == "median":
            continue
        if cells[0].endswith(":"):
            # An allocation counter ("max alloc:", "alloc:", ...): a count row and a bytes
            # row follow.
            counter, values = cells[0][:-1], []
            continue
        if counter is not None:
            values.append(cells[2])
            if len(values) == 2:
                if counter == "max alloc":
                    medians["/".join(path) + " (max alloc)"] = values[1]
                counter = None
            continue
        # "├─ a" is a top-level benchmark, "│  ├─ 100" an argument of one.
        depth = (len(line) - len(body)) // 3 - 1
        name = cells[0].split()[0]
        path = path[:depth] + [name]
        if cells[2]:
            medians["/".join(path)] = cells[2]
    return medians


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def ratio(a, b):
    return f"{a / b:.2f}×" if b else "–"


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print()


def print_tables(results):
    if "compare" in results:
        print_main(results)
    if "long" in results:
        print_long(results["long"])


def print_main(results):
    seconds, rounds = results["seconds"], results.get("rounds", 1)
    print(f"\n## modeldeck against grafatui: 50 models, six queries, refresh {results['refresh_s']} s, "
          f"{seconds} s each from launch, 200×60, medians of {rounds} alternating rounds\n")
    rows = []
    for fleet, label in (("compare", "values change every refresh"), ("static", "static values")):
        tools = results[fleet]
        gt = tools["grafatui"]
        for tool in ("modeldeck", "modeldeck --low-bandwidth", "grafatui"):
            t = tools[tool]
            rows.append([label, tool, f"{t['cpu_s']:.2f} s", mib(t["hwm_kib"]),
                         f"{mib(t['anon_kib'])} / {mib(t['file_kib'])}", f"{t['threads']:.0f}",
                         f"{t['bytes']:,.0f}", f"{t['prometheus_requests']:.0f}"])
        for tool in ("modeldeck", "modeldeck --low-bandwidth"):
            t = tools[tool]
            rows.append([label, f"{tool} / grafatui (target ≤ 0.5×)", ratio(t["cpu_s"], gt["cpu_s"]),
                         ratio(t["hwm_kib"], gt["hwm_kib"]), "", "", ratio(t["bytes"], gt["bytes"]),
                         ratio(t["prometheus_requests"], gt["prometheus_requests"])])
    table(["fleet", "program", "CPU time", "peak RSS", "RSS at the end: anonymous / files", "threads",
           "terminal bytes", "Prometheus requests"], rows)
    for fleet in ("compare", "static"):
        for tool, t in results[fleet].items():
            by_handler = ", ".join(f"{h} {n}" for h, n in sorted(t["requests_by_handler"].items()))
            rounds_cpu = ", ".join(f"{r['cpu_s']:.2f}" for r in t["rounds"])
            print(f"- {fleet}, {tool}: requests by handler (median round): {by_handler}; CPU by round: {rounds_cpu} s")
    print()

    static = results["static"]
    window = static["modeldeck"]["idle"]["window_s"]
    print(f"## Bytes written to an idle terminal: static values, the {window:.0f} s after the first full draw\n")
    table(["", *static], [
        ["bytes", *[f"{t['idle']['bytes']:,.0f}" for t in static.values()]],
        ["CPU time", *[f"{t['idle']['cpu_s']:.2f} s" for t in static.values()]],
    ])
    for tool, t in static.items():
        print(f"{tool}: bytes by screen row (row 0: before the first cursor move)")
        table(["row", "bytes", "row's text at the end"],
              [[r["row"], f"{r['bytes']:,}", "`" + r["text"][:90].replace("|", "\\|") + "`"]
               for r in t["idle"]["rows"]])

    queries = results["queries"]
    handlers = sorted({h for q in queries.values() for h in q if h.startswith("/api")})
    print("## Prometheus requests per refresh (`modeldeck status --json`, mean of 3 runs)\n")
    table(["models", *handlers, "total", "status wall time"], [
        [f"{int(size):,}", *[f"{q.get(h, 0):g}" for h in handlers],
         f"{sum(v for k, v in q.items() if k.startswith('/api')):g}", f"{q['status_wall_s'] * 1000:.0f} ms"]
        for size, q in queries.items()])

    print(f"## Growth: modeldeck's TUI, refresh {results['refresh_s']} s, {results['growth_seconds']} s windows\n")
    table(["case", "refreshes", "CPU per refresh", "peak RSS"], [
        [case, g["refreshes"], f"{g['cpu_ms_per_refresh']:.1f} ms", mib(g["hwm_kib"])]
        for case, g in results["growth"].items()])

    v = results.get("versus_amtool")
    if v:
        print("## 1,000 firing alerts: median wall time\n")
        table(["command", "median", "alerts"], [
            ["modeldeck status --json (Prometheus and Alertmanager)", f"{v['modeldeck_s'] * 1000:.0f} ms",
             v["modeldeck_alerts"]],
            ["amtool alert query -o json", f"{v['amtool_s'] * 1000:.0f} ms", v["amtool_alerts"]],
            ["curl of the same /api/v2/alerts", f"{v['curl_s'] * 1000:.0f} ms", ""],
        ])
        print(f"modeldeck / curl: {ratio(v['modeldeck_s'], v['curl_s'])}; "
              f"amtool / curl: {ratio(v['amtool_s'], v['curl_s'])}\n")

    if "bench" in results:
        print("## cargo bench --bench render and --bench parse (medians)\n")
        table(["benchmark", "median"], list(results["bench"].items()))



def print_long(samples):
    print("## Long run: modeldeck's memory once a minute (1,000 changing models, 50 renamed every 5 min, "
          "1,000 alerts)\n")
    table(["minute", "RSS", "peak RSS", "CPU so far", "RSS of a modeldeck started near the end"], [
        [s["minute"], mib(s["rss_kib"]), mib(s["hwm_kib"]), f"{s['cpu_s']:.1f} s",
         mib(s["fresh"]["rss_kib"]) if "fresh" in s else ""] for s in samples])
    if len(samples) > 2:
        settled, last = samples[1], samples[-1]
        growth = (last["rss_kib"] - settled["rss_kib"]) / 1024
        lowest = mib(min(s["rss_kib"] for s in samples[1:]))
        highest = mib(max(s["rss_kib"] for s in samples[1:]))
        print(f"RSS from minute {settled['minute']} to {last['minute']}: {growth:+.1f} MiB; "
              f"lowest {lowest}, highest {highest}\n")
