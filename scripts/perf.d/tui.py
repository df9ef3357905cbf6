"""A terminal program in a detached tmux session of a fixed size, on a tmux server of its
own: its CPU time and peak RSS from /proc, and every byte it writes to the terminal."""

import os
import re
import shlex
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
COLS, ROWS = 200, 60


def cpu_seconds(pid):
    """utime + stime of the whole process (every thread), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name may hold spaces; the fields after it are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_kib(pid):
    """VmRSS, VmHWM, RssAnon and RssFile in KiB, and Threads."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                values[key] = int(rest.split()[0])
    return values


class Session:
    """`argv` in a `COLS`x`ROWS` tmux pane with `env`; the pane's output goes to `capture`."""

    def __init__(self, name, argv, env, capture, socket):
        self.name = name
        self.socket = socket
        self.capture = capture
        # Through env(1): tmux sets TERM in a pane itself.
        command = " ".join(shlex.quote(a) for a in ["env", *(f"{k}={v}" for k, v in env.items()), *argv])
        # The program waits for a line first, so that pipe-pane is in place before its
        # first byte; the line's own echo is two bytes before the program starts.
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS),
                  f"read _go; exec {command}")
        self.tmux("set-option", "-t", name, "remain-on-exit", "on")
        self.tmux("pipe-pane", "-t", name, "-o", f"cat > {shlex.quote(capture)}")
        time.sleep(0.2)
        self.tmux("send-keys", "-t", name, "Enter")
        self.pid = int(self.tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
        self.started = time.monotonic()

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True).stdout

    def alive(self):
        try:
            cpu_seconds(self.pid)
            return not self.tmux("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "1"
        except (OSError, subprocess.CalledProcessError):
            return False

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def written(self):
        try:
            return os.path.getsize(self.capture)
        except OSError:
            return 0

    def wait_for(self, pattern, timeout):
        """Until the screen matches `pattern` (a regex); False after `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.screen()}")
            if re.search(pattern, self.screen()):
                return True
            time.sleep(0.25)
        return False

    def sample(self):
        m = memory_kib(self.pid)
        return {"cpu_s": cpu_seconds(self.pid), "rss_kib": m["VmRSS"], "hwm_kib": m["VmHWM"],
                "anon_kib": m["RssAnon"], "file_kib": m["RssFile"], "threads": m["Threads"], "bytes": self.written(),
                "t": time.monotonic() - self.started}

    def quit(self, keys=("q",)):
        for key in keys:
            try:
                self.tmux("send-keys", "-t", self.name, key)
            except subprocess.CalledProcessError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.path.exists(f"/proc/{self.pid}"):
            time.sleep(0.1)
            try:
                with open(f"/proc/{self.pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
            except OSError:
                break
        try:
            os.kill(self.pid, 15)
        except ProcessLookupError:
            pass
        subprocess.run(["tmux", "-L", self.socket, "kill-session", "-t", self.name], capture_output=True)


def kill_server(socket):
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


CURSOR = re.compile(rb"\x1b\[(\d+);(\d+)H")


def bytes_by_row(data):
    """Bytes written while the cursor was on each screen row (1-based), from the cursor
    moves in `data`; bytes before the first move count as row 0."""
    rows = {}
    row, last = 0, 0
    for match in CURSOR.finditer(data):
        rows[row] = rows.get(row, 0) + match.start() - last
        row, last = int(match.group(1)), match.start()
    rows[row] = rows.get(row, 0) + len(data) - last
    return {r: n for r, n in rows.items() if n}
