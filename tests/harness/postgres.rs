//! A PostgreSQL server for one test: a temporary cluster (`initdb`) on a free port of
//! 127.0.0.1, from the Debian `postgresql` package that `scripts/test` installs. `initdb`
//! refuses to run as root, so as root every server command runs as the package's
//! `postgres` user (`runuser`), in a temporary directory handed to that user.

use std::path::PathBuf;
use std::process::{Command, Output};

use tempfile::TempDir;

use super::process::free_ports;

const SERVER_DIRS: &str = "/usr/lib/postgresql";

pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
}

impl Postgres {
    /// initdb, then `pg_ctl start -w`: the server accepts connections when this returns.
    pub fn start() -> Postgres {
        let bin = server_bin();
        let dir = tempfile::Builder::new().prefix("modeldeck-pg-").tempdir().expect("tempdir");
        let as_postgres = is_root();
        if as_postgres {
            run_ok(Command::new("chown").arg("postgres:postgres").arg(dir.path()), "chown the cluster's directory");
        }
        let port = free_ports(1)[0];
        let pg = Postgres { dir, bin, as_postgres, port };
        let data = pg.data();
        // No fsync at initdb: the cluster is thrown away; the server itself keeps fsync on.
        let initdb =
            pg.tool("initdb").arg("-D").arg(&data).args(["-A", "trust", "-U", "modeldeck", "--no-sync"]).output();
        pg.check(initdb, "initdb");
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", pg.dir.path().display());
        let start = pg
            .tool("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(pg.log())
            .args(["-w", "-t", "60", "start", "-o", &options])
            .output();
        pg.check(start, "pg_ctl start");
        pg
    }

    /// A URL with a password: the cluster trusts loopback, so any password connects, and
    /// the tests can check that it never shows.
    pub fn url_with_password(&self, password: &str) -> String {
        self.url_as("modeldeck", password)
    }

    /// Runs SQL with psql as the cluster's superuser; panics with its output if it fails.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_as("modeldeck", sql).unwrap_or_else(|e| panic!("psql {sql}: {e}"))
    }

    /// Runs SQL with psql as `user`: its output, or psql's error.
    pub fn psql_as(&self, user: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", user, "-d", "postgres"])
            .args(["-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .output()
            .expect("run psql");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The URL of another role of this cluster.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        format!("postgres://{user}:{password}@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// A server tool, as the `postgres` user when we are root.
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        };
        cmd.env("LC_ALL", "C").current_dir(self.dir.path());
        cmd
    }

    fn check(&self, out: std::io::Result<Output>, what: &str) {
        let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            out.status.success(),
            "{what} failed: {}{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.log()).unwrap_or_default()
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.tool("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
    }
}

/// The newest installed server's `bin` directory.
fn server_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(SERVER_DIRS)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server under {SERVER_DIRS}/*/bin: the journal's PostgreSQL tests run a real \
             server; run `scripts/test`, which installs the Debian package postgresql"
        )
    })
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
}
