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
    seconds = results["seconds"]
    c = results["compare"]
    md, gt = c["modeldeck"], c["grafatui"]
    print(f"\n## modeldeck against grafatui: 50 models, six queries, changing data, {seconds} s each, 200×50\n")
    table(["", "modeldeck", "grafatui", "modeldeck / grafatui", "target"], [
        ["CPU time (utime+stime)", f"{md['cpu_s']:.2f} s", f"{gt['cpu_s']:.2f} s", ratio(md["cpu_s"], gt["cpu_s"]),
         "≤ 0.5×"],
        ["peak RSS (VmHWM)", mib(md["hwm_kib"]), mib(gt["hwm_kib"]), ratio(md["hwm_kib"], gt["hwm_kib"]), "≤ 0.5×"],
        ["RSS at the end: anonymous (heap, stacks)", mib(md["anon_kib"]), mib(gt["anon_kib"]),
         ratio(md["anon_kib"], gt["anon_kib"]), ""],
        ["RSS at the end: files (the binary, libc)", mib(md["file_kib"]), mib(gt["file_kib"]),
         ratio(md["file_kib"], gt["file_kib"]), ""],
        ["Prometheus API requests", f"{md['prometheus_requests']:.0f}", f"{gt['prometheus_requests']:.0f}",
         ratio(md["prometheus_requests"], gt["prometheus_requests"]), ""],
        ["bytes written to the terminal", f"{md['bytes']:,}", f"{gt['bytes']:,}", ratio(md["bytes"], gt["bytes"]),
         ""],
    ])

    idle = results["idle"]
    print(f"## Bytes written to an idle terminal: static data, {seconds} s after the first full draw\n")
    table(["", "modeldeck", "grafatui"], [
        ["bytes", f"{idle['modeldeck']['bytes']:,}", f"{idle['grafatui']['bytes']:,}"],
        ["CPU time", f"{idle['modeldeck']['cpu_s']:.2f} s", f"{idle['grafatui']['cpu_s']:.2f} s"],
    ])
    for tool in ("modeldeck", "grafatui"):
        rows = idle[tool]["rows"]
        print(f"{tool}: bytes by screen row (row 0: before the first cursor move)")
        table(["row", "bytes", "row's text at the end"],
              [[r["row"], f"{r['bytes']:,}", "`" + r["text"][:90].replace("|", "\\|") + "`"] for r in rows])

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
        ])

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
