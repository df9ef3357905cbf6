//! Server processes for the harness: spawning into a process group, stopping
//! and killing the group, free ports, the binary check, log tails and the
//! HTTP client.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How many bytes of a server log go into a panic message.
const LOG_TAIL_BYTES: u64 = 4096;

/// One server of the stack, to find its port, process and log name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Prometheus,
    Pushgateway,
    /// By index: 0 is `alertmanager`, 1 is `alertmanager-2`, ...
    Alertmanager(usize),
}

impl Role {
    pub(super) fn name(self) -> String {
        match self {
            Role::Prometheus => "prometheus".to_string(),
            Role::Pushgateway => "pushgateway".to_string(),
            Role::Alertmanager(0) => "alertmanager".to_string(),
            Role::Alertmanager(i) => format!("alertmanager-{}", i + 1),
        }
    }
}

/// One running server: the child process (leader of its own process group)
/// and the log file that receives its stdout and stderr.
pub(super) struct Server {
    pub(super) name: String,
    pub(super) child: Child,
    pub(super) log: PathBuf,
}

impl Server {
    /// Kills the whole process group and reaps the leader.
    pub(super) fn kill(mut self) {
        kill_group(&mut self.child, "KILL");
        let _ = self.child.wait();
    }

    /// Sends `signal` (`STOP`, `CONT`, ...) to the whole process group.
    pub(super) fn signal(&mut self, signal: &str) {
        kill_group(&mut self.child, signal);
    }

    /// SIGTERM, wait up to `timeout`, then SIGKILL; always reaps.
    pub(super) async fn stop(mut self, timeout: Duration) {
        kill_group(&mut self.child, "TERM");
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => break,
            }
        }
        self.kill();
    }
}

/// Signals the process group led by `child`. The child has not been reaped
/// yet (at worst it is a zombie), so its pid, and with it the group id, cannot
/// have been reused by an unrelated process.
fn kill_group(child: &mut Child, signal: &str) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{}", child.id()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) && signal == "KILL" {
        // No `kill` binary, or the group is already gone: at least the leader.
        let _ = child.kill();
    }
}

/// Starts `bin` in `dir` and in its own process group, with stdout and
/// stderr appended to `<dir>/<name>.log`.
pub(super) fn spawn(dir: &Path, name: &str, bin: &str, args: &[String]) -> Server {
    let log = dir.join(format!("{name}.log"));
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap_or_else(|e| panic!("open {}: {e}", log.display()));
    let stderr = file.try_clone().unwrap_or_else(|e| panic!("dup {}: {e}", log.display()));
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                panic!("{}", missing_binary_message(bin));
            }
            panic!("start {bin}: {e}");
        });
    Server { name: name.to_string(), child, log }
}

pub(super) fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        // Everything is on loopback; never go through a proxy from the
        // environment.
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the HTTP client")
}

/// `n` distinct free TCP ports on 127.0.0.1. The listeners are held until
/// all are chosen, so the kernel hands out different ports, then closed so
/// the servers can bind them.
/// `n` ports that were free a moment ago, for servers the harness starts. They are drawn at
/// random below Linux's ephemeral range (32768 and up): a port the kernel hands out for
/// `:0`, or to any outgoing connection, can be taken again before the server binds it,
/// which made a server fail with "address already in use" under load. Below that range
/// only another test's random draw can collide, and rarely.
pub(super) fn free_ports(n: usize) -> Vec<u16> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static DRAWS: AtomicU64 = AtomicU64::new(0);
    let mut state =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
            ^ (u64::from(std::process::id()) << 32)
            ^ DRAWS.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut listeners: Vec<TcpListener> = Vec::with_capacity(n);
    for _ in 0..10_000 {
        if listeners.len() == n {
            break;
        }
        // xorshift64*: enough spread for picking ports.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let port = 20_000 + (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % 12_000;
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port as u16)) {
            listeners.push(listener);
        }
    }
    // The listeners are held until all are chosen, so the ports differ from one another.
    while listeners.len() < n {
        listeners.push(TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"));
    }
    listeners.iter().map(|l| l.local_addr().expect("local address").port()).collect()
}

fn missing_binary_message(bin: &str) -> String {
    format!(
        "`{bin}` was not found on PATH. The integration tests run real Prometheus, \
         Alertmanager and Pushgateway servers: run `scripts/test`, which installs them \
         (Debian packages prometheus, prometheus-alertmanager, prometheus-pushgateway) \
         and then runs the whole suite."
    )
}

pub(super) fn require_binary(bin: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(bin);
        fs::metadata(&candidate).is_ok_and(|m| m.is_file())
    });
    if !found {
        panic!("{}", missing_binary_message(bin));
    }
}

/// The last few KiB of a log file, for panic messages.
pub(super) fn log_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return "(no log)".to_string();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
