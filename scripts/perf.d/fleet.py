"""A synthetic model fleet for scripts/perf: the metrics modeldeck's default columns read,
served live to Prometheus and written as backfilled history for promtool.

Counters are exact functions of the sample timestamp (rate x elapsed time), and every
live sample carries its own timestamp, so rate() over them is the same on every refresh:
"static" data really does not change between refreshes. "changing" data adds slow waves to
the gauges and to the request rates.
"""

import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Upper bounds of the latency histogram and the share of requests at or below each.
BUCKETS = (("0.05", 0.5), ("0.1", 0.8), ("0.25", 0.95), ("0.5", 0.99), ("1", 0.999))
MEAN_LATENCY_S = 0.06
# Changing data: one full wave every ten minutes, so every refresh sees new values.
WAVE_S = 600.0

# The six queries of the comparison: modeldeck's default column queries (the config
# scripts/perf writes disables VER and GPU), given to grafatui as a dashboard.
QUERIES = (
    ("ACC", "max by (model) (model_accuracy)", "instant"),
    ("DRIFT", "max by (model) (model_drift_score)", "instant"),
    ("P95", "histogram_quantile(0.95, sum by (model, le) (rate(model_infer_request_duration_bucket[5m])))",
     "instant"),
    ("REQ/S", "sum by (model) (rate(model_infer_request_success_total[5m]))", "instant"),
    ("ERR", "sum by (model) (rate(model_infer_request_failure_total[5m])) / (sum by (model) "
     "(rate(model_infer_request_success_total[5m])) + sum by (model) (rate(model_infer_request_failure_total[5m])))",
     "instant"),
    ("ACC 1h", "max by (model) (model_accuracy)", "range"),
)


def model_name(i):
    if i == 0:
        return "fraud-detector"
    return f"model-{i:05d}"


class Fleet:
    """`size` models (`fraud-detector`, `model-00001`, ...) with values from `mode`
    ("static" or "changing"); counters start at 0 at `t0`."""

    def __init__(self, size, mode, t0):
        self.size = size
        self.mode = mode
        self.t0 = t0
        # Renamed models (PERF_LONG's churn): index -> name.
        self.renamed = {}
        self.lock = threading.Lock()

    def name(self, i):
        return self.renamed.get(i, model_name(i))

    def resize(self, size):
        with self.lock:
            self.size = size

    def rename(self, i, name):
        with self.lock:
            self.renamed[i] = name

    def _wave(self, i, t):
        if self.mode != "changing":
            return 0.0
        return math.sin(2 * math.pi * (t - self.t0) / WAVE_S + i * 0.7)

    def accuracy(self, i, t):
        base = 0.85 if i == 0 else 0.95 - (i % 5) * 0.007
        return base + 0.02 * self._wave(i, t)

    def drift(self, i, t):
        return 0.03 + (i % 13) * 0.01 + 0.02 * self._wave(i + 3, t)

    def requests(self, i, t):
        """Requests served since t0: rate r plus, when changing, a wave of amplitude r/2,
        integrated so the counter only grows."""
        r = 2.0 + (i % 17) * 3.5
        elapsed = max(0.0, t - self.t0)
        total = r * elapsed
        if self.mode == "changing":
            omega = 2 * math.pi / WAVE_S
            total += (r / 2) / omega * (1 - math.cos(omega * elapsed + i)) - (r / 2) / omega * (1 - math.cos(i))
        return max(total, 0.0)

    def failures(self, i, t):
        return self.requests(i, t) * 0.001 * (1 + i % 4)

    def samples(self, i, t):
        """(name, labels, value) for model i at t, histogram last."""
        labels = f'model="{self.name(i)}",version="{1 + i % 4}"'
        count = self.requests(i, t)
        yield "model_accuracy", labels, self.accuracy(i, t)
        yield "model_drift_score", labels + ',feature="amount"', self.drift(i, t)
        yield "model_infer_request_success_total", labels, count
        yield "model_infer_request_failure_total", labels, self.failures(i, t)
        slow = 1.0 + (i % 7) * 0.5
        for le, share in BUCKETS:
            yield "model_infer_request_duration_bucket", f'{labels},le="{le}"', count * share ** slow
        yield "model_infer_request_duration_bucket", labels + ',le="+Inf"', count
        yield "model_infer_request_duration_sum", labels, count * MEAN_LATENCY_S * slow
        yield "model_infer_request_duration_count", labels, count

    def exposition(self, t):
        """Prometheus text format at `t` (whole seconds), every sample timestamped."""
        ms = int(t * 1000)
        with self.lock:
            size = self.size
        out = []
        for i in range(size):
            out.extend(f"{name}{{{labels}}} {value!r} {ms}" for name, labels, value in self.samples(i, t))
        out.append("")
        return "\n".join(out)

    def openmetrics(self, start, end, target):
        """OpenMetrics history over [start, end], families contiguous: a sample a minute, and
        every 5 s over the last 6 minutes, so that rate()'s 5-minute windows see samples as
        close together at their start as at their end (where live scrapes come every 5 s)
        and extrapolate to the exact rate. `target` (host:port) gives the series the `job` and
        `instance` labels of the live scrape, so that history and live samples are one series."""
        families = (
            ("model_accuracy", "gauge", ("model_accuracy",)),
            ("model_drift_score", "gauge", ("model_drift_score",)),
            ("model_infer_request_success", "counter", ("model_infer_request_success_total",)),
            ("model_infer_request_failure", "counter", ("model_infer_request_failure_total",)),
            ("model_infer_request_duration", "histogram",
             ("model_infer_request_duration_bucket", "model_infer_request_duration_sum",
              "model_infer_request_duration_count")),
        )
        fine = end - 360
        times = [*range(start, fine, 60), *range(fine, end + 1, 5)]
        out = []
        for family, kind, names in families:
            out.append(f"# TYPE {family} {kind}")
            for i in range(self.size):
                # One series after another, each in time order.
                series = {}
                for t in times:
                    for name, labels, value in self.samples(i, t):
                        if name in names:
                            labels = f'{labels},instance="{target}",job="fleet"'
                            series.setdefault((name, labels), []).append(f"{value!r} {t}")
                for (name, labels), points in series.items():
                    out.extend(f"{name}{{{labels}}} {p}" for p in points)
        out.append("# EOF\n")
        return "\n".join(out)


class ExpositionServer:
    """Serves `fleet.exposition(now)` on 127.0.0.1:`port`/metrics."""

    def __init__(self, fleet, port):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = fleet.exposition(math.floor(time.time())).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def grafana_dashboard(refresh_s):
    """A Grafana (classic JSON) dashboard with the six queries: five tables of instant
    values, as modeldeck's columns, and the accuracy trend as a time series."""
    panels = []
    for n, (title, expr, kind) in enumerate(QUERIES):
        target = {"expr": expr, "legendFormat": "{{model}}", "refId": "A"}
        if kind == "instant":
            target["instant"] = True
        panels.append({
            "id": n + 1, "type": "table" if kind == "instant" else "timeseries", "title": title,
            "gridPos": {"x": (n % 3) * 8, "y": (n // 3) * 8, "w": 8, "h": 8},
            "targets": [target],
        })
    return {"title": "Model fleet", "refresh": f"{refresh_s}s", "time": {"from": "now-1h", "to": "now"},
            "panels": panels, "schemaVersion": 39}
