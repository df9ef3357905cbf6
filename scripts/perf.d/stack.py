"""Prometheus and Alertmanager for scripts/perf: the Debian binaries on free 127.0.0.1 ports,
each in a temporary directory, killed on exit."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

PROMETHEUS_YML = """\
global:
  scrape_interval: {interval}
  scrape_timeout: {timeout}
  evaluation_interval: 15s
scrape_configs:
  - job_name: fleet
    honor_labels: true
    static_configs: [{{targets: ['127.0.0.1:{target}']}}]
"""

ALERTMANAGER_YML = """\
route:
  receiver: default
  group_by: ['alertname']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 12h
receivers:
  - name: default
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def get_json(url, timeout=30):
    return json.loads(http("GET", url, timeout=timeout))


class Server:
    """A child process with its log in `directory`; stopped by `stop()`."""

    def __init__(self, name, argv, directory):
        self.name = name
        self.log = os.path.join(directory, f"{name}.log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, url, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                http("GET", url, timeout=2)
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        with open(self.log, errors="replace") as log:
            tail = log.read()[-2000:]
        raise RuntimeError(f"{self.name} did not become ready at {url}:\n{tail}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Prometheus(Server):
    def __init__(self, directory, target_port, interval="5s", backfill=None):
        """`backfill`: OpenMetrics text written into the data directory with promtool first."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data = os.path.join(directory, "prometheus-data")
        os.makedirs(data, exist_ok=True)
        if backfill is not None:
            path = os.path.join(directory, "backfill.om")
            with open(path, "w") as f:
                f.write(backfill)
            subprocess.run(
                ["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h",
                 path, data],
                check=True, stdout=subprocess.DEVNULL)
            os.remove(path)
        config = os.path.join(directory, "prometheus.yml")
        with open(config, "w") as f:
            f.write(PROMETHEUS_YML.format(interval=interval, timeout="4s", target=target_port))
        super().__init__("prometheus", [
            "prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=30d",
        ], directory)
        self.wait_ready(f"{self.url}/-/ready")

    def query(self, promql):
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        return get_json(url)["data"]["result"]

    def wait_models(self, models, timeout=120):
        """Until every model has a latency figure and a sample from a live scrape."""
        deadline = time.monotonic() + timeout
        latency = "histogram_quantile(0.95, sum by (model, le) (rate(model_infer_request_duration_bucket[5m])))"
        queries = (f"count({latency} >= 0)", "count(time() - timestamp(model_accuracy) < 15)")
        while time.monotonic() < deadline:
            counts = [self.query(q) for q in queries]
            if all(c and int(float(c[0]["value"][1])) >= models for c in counts):
                return
            time.sleep(1)
        raise RuntimeError(f"Prometheus did not see {models} models with rates in {timeout} s")

    def requests(self):
        """Requests served per API handler, from Prometheus's own /metrics (not an API call)."""
        text = http("GET", f"{self.url}/metrics").decode()
        counts = {}
        for line in text.splitlines():
            if not line.startswith("prometheus_http_requests_total{"):
                continue
            labels, value = line[len("prometheus_http_requests_total{"):].rsplit("} ", 1)
            handler = labels.split('handler="', 1)[1].split('"', 1)[0]
            if handler.startswith("/api/"):
                counts[handler] = counts.get(handler, 0) + float(value.split()[0])
        return counts


class Alertmanager(Server):
    def __init__(self, directory):
        self.port = free_port()
        cluster = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(directory, "alertmanager.yml")
        with open(config, "w") as f:
            f.write(ALERTMANAGER_YML)
        data = os.path.join(directory, "alertmanager-data")
        os.makedirs(data, exist_ok=True)
        super().__init__("alertmanager", [
            "prometheus-alertmanager", f"--config.file={config}", f"--storage.path={data}",
            f"--web.listen-address=127.0.0.1:{self.port}", f"--cluster.listen-address=127.0.0.1:{cluster}",
        ], directory)
        self.wait_ready(f"{self.url}/-/ready")

    def post_alerts(self, first, count, models, ends_in=3600, start=None):
        """Alerts PerfAlert{first}..{first+count-1}, spread over `models` models, firing
        until `ends_in` seconds from now (0 resolves them)."""
        now = time.time()
        starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start or now - 600))
        ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + ends_in))
        batch = []
        for n in range(first, first + count):
            model = f"model-{1 + n % max(1, models - 1):05d}"
            batch.append({
                "labels": {"alertname": f"PerfAlert{n}", "model": model,
                           "severity": "critical" if n % 10 == 0 else "warning"},
                "annotations": {"summary": f"Synthetic alert {n} on {model}"},
                "startsAt": starts, "endsAt": ends,
            })
            if len(batch) == 1000:
                http("POST", f"{self.url}/api/v2/alerts", batch)
                batch = []
        if batch:
            http("POST", f"{self.url}/api/v2/alerts", batch)

    def firing(self):
        return len(get_json(f"{self.url}/api/v2/alerts?active=true&silenced=false&inhibited=false"))

    def wait_firing(self, count, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.firing() == count:
                return
            time.sleep(0.5)
        raise RuntimeError(f"Alertmanager shows {self.firing()} firing alerts, not {count}")

