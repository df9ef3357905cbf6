//! The shared backend: the journal's lines, byte for byte, in one PostgreSQL table, so that
//! operators on several ops hosts append to one chain and see each other's entries.
//!
//! An append is one transaction that first takes a transaction-scoped advisory lock, reads
//! the last line, inserts the next one and commits: two hosts can never both extend the same
//! entry (the primary key on `seq` would refuse it even without the lock). A writer killed
//! mid-append leaves nothing, since its transaction is rolled back with its session.
//!
//! Callers are synchronous (the console appends on the blocking pool, the CLI has no
//! runtime), so the connection lives on a thread of its own with a small runtime; the store
//! hands it jobs and waits for the answer.

use std::sync::mpsc;
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

use super::store::{Decider, Sealer, Store, seq_of};
use super::witness::Head;
use crate::domain::{Entry, Redactor, Secret};

/// `pg_advisory_xact_lock` key for appends and schema changes: "mdjourn" in ASCII.
const LOCK_KEY: i64 = 0x006d_646a_6f75_726e;
/// How long connecting, or one append or read, may take before it fails.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Rows per statement when `migrate` copies a file in, and how long the copy may take.
const IMPORT_BATCH: usize = 5_000;
const IMPORT_TIMEOUT: Duration = Duration::from_secs(600);

/// One journal per database (give each team its own database, or its own `search_path`).
const CREATE: &str = "CREATE TABLE IF NOT EXISTS modeldeck_journal (\
    seq bigint PRIMARY KEY CHECK (seq > 0), \
    line text NOT NULL, \
    appended_at timestamptz NOT NULL DEFAULT now())";

type Job = Box<dyn FnOnce(&mut Worker) + Send>;

#[derive(Debug)]
pub struct PgStore {
    jobs: mpsc::Sender<Job>,
    location: String,
}

/// The connection's thread: a current-thread runtime and the client, reconnected on demand.
struct Worker {
    runtime: tokio::runtime::Runtime,
    config: Config,
    client: Option<Client>,
    redactor: Redactor,
}

impl PgStore {
    /// Connects, creates the table if it is missing, and keeps the connection.
    pub fn connect(url: &Secret) -> Result<PgStore, String> {
        let mut redact = vec![url.expose().to_string()];
        let mut config: Config =
            url.expose().parse().map_err(|e| format!("the journal's PostgreSQL URL: {}", describe(&e)))?;
        if let Some(password) = config.get_password() {
            redact.push(String::from_utf8_lossy(password).into_owned());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(TIMEOUT);
        }
        config.application_name("modeldeck journal");
        let location = location(&config);
        let (jobs, queue) = mpsc::channel::<Job>();
        let redactor = Redactor::new(redact);
        // The runtime is made, used and dropped on this thread only: a caller may itself be
        // inside a runtime, where blocking on (or dropping) another one panics.
        std::thread::Builder::new()
            .name("journal-postgres".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                let mut worker = Worker { runtime, config, client: None, redactor };
                while let Ok(job) = queue.recv() {
                    job(&mut worker);
                }
            })
            .map_err(|e| format!("journal {location}: cannot start its thread: {e}"))?;
        let store = PgStore { jobs, location };
        // The first connection is made now, so that a wrong URL fails at open.
        store.call(Worker::connect)?;
        Ok(store)
    }

    /// Runs `job` on the connection's thread and waits for its answer.
    fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Worker) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let (done, answer) = mpsc::sync_channel(1);
        let sent = self.jobs.send(Box::new(move |worker: &mut Worker| {
            let _ = done.send(job(worker));
        }));
        sent.map_err(|_| format!("journal {}: its connection thread has stopped", self.location))?;
        let answer =
            answer.recv().map_err(|_| format!("journal {}: its connection thread has stopped", self.location))?;
        answer.map_err(|e| format!("journal {}: {e}", self.location))
    }

    /// Copies verified lines into an empty journal, in one transaction; refuses a journal
    /// that already has entries. Returns how many lines were copied.
    pub fn import(&self, lines: Vec<String>) -> Result<u64, String> {
        self.call(move |worker| {
            worker.run_within(IMPORT_TIMEOUT, async move |client| {
                let tx = client.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await?;
                let row = tx.query_one("SELECT count(*) FROM modeldeck_journal", &[]).await?;
                let existing: i64 = row.try_get(0)?;
                if existing > 0 {
                    return Ok(Err(format!(
                        "it already holds {existing} entries; migrate copies into an empty journal only"
                    )));
                }
                let mut seqs = Vec::with_capacity(lines.len());
                for (n, line) in lines.iter().enumerate() {
                    match seq_of(line.as_bytes()).and_then(|s| i64::try_from(s).ok()) {
                        Some(seq) => seqs.push(seq),
                        None => return Ok(Err(format!("line {} has no valid seq", n + 1))),
                    }
                }
                // A few statements of many rows each: a large journal copies in seconds.
                let insert = "INSERT INTO modeldeck_journal (seq, line) SELECT * FROM unnest($1::bigint[], $2::text[])";
                let mut copied = 0u64;
                for (seqs, lines) in seqs.chunks(IMPORT_BATCH).zip(lines.chunks(IMPORT_BATCH)) {
                    copied += tx.execute(insert, &[&seqs, &lines]).await?;
                }
                tx.commit().await?;
                Ok(Ok(copied))
            })?
        })
    }
}

impl Store for PgStore {
    fn append(&self, seal: Sealer) -> Result<(Entry, Head), String> {
        self.call(move |worker| {
            worker.run(async move |client| {
                let tx = client.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await?;
                let last = tx.query_opt("SELECT line FROM modeldeck_journal ORDER BY seq DESC LIMIT 1", &[]).await?;
                let last: Option<String> = last.map(|row| row.try_get(0)).transpose()?;
                let (entry, line) = match seal(last.as_deref().map(str::as_bytes)) {
                    Ok(sealed) => sealed,
                    Err(e) => return Ok(Err(e)),
                };
                let Ok(seq) = i64::try_from(entry.seq) else {
                    return Ok(Err(format!("seq {} does not fit the table", entry.seq)));
                };
                tx.execute("INSERT INTO modeldeck_journal (seq, line) VALUES ($1, $2)", &[&seq, &line]).await?;
                tx.commit().await?;
                let head = Head::of_line(entry.seq, line.as_bytes());
                Ok(Ok((entry, head)))
            })?
        })
    }

    fn append_if(&self, decide: Decider) -> Result<Option<(Entry, Head)>, String> {
        self.call(move |worker| {
            worker.run(async move |client| {
                let tx = client.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await?;
                let rows = tx.query("SELECT line FROM modeldeck_journal ORDER BY seq", &[]).await?;
                let mut lines = Vec::new();
                let mut last = None;
                for row in rows {
                    let line: String = row.try_get(0)?;
                    lines.extend_from_slice(line.as_bytes());
                    lines.push(b'\n');
                    last = Some(line);
                }
                let (entry, line) = match decide(&lines, last.as_deref().map(str::as_bytes)) {
                    None => return Ok(Ok(None)),
                    Some(Ok(sealed)) => sealed,
                    Some(Err(e)) => return Ok(Err(e)),
                };
                let Ok(seq) = i64::try_from(entry.seq) else {
                    return Ok(Err(format!("seq {} does not fit the table", entry.seq)));
                };
                tx.execute("INSERT INTO modeldeck_journal (seq, line) VALUES ($1, $2)", &[&seq, &line]).await?;
                tx.commit().await?;
                let head = Head::of_line(entry.seq, line.as_bytes());
                Ok(Ok(Some((entry, head))))
            })?
        })
    }

    fn read_after(&self, after: u64) -> Result<Vec<u8>, String> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.call(move |worker| {
            worker.run(async move |client| {
                // Everything for `verify`, rows a hand edit put below 1 included.
                let rows = if after == 0 {
                    client.query("SELECT line FROM modeldeck_journal ORDER BY seq", &[]).await?
                } else {
                    client.query("SELECT line FROM modeldeck_journal WHERE seq > $1 ORDER BY seq", &[&after]).await?
                };
                let mut out = Vec::new();
                for row in rows {
                    let line: String = row.try_get(0)?;
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
                Ok(out)
            })
        })
    }

    fn head(&self) -> Result<Head, String> {
        self.call(move |worker| {
            worker.run(async move |client| {
                let row = client.query_opt("SELECT line FROM modeldeck_journal ORDER BY seq DESC LIMIT 1", &[]).await?;
                let line: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
                Ok(line.map(|line| (seq_of(line.as_bytes()), line)))
            })
        })
        .and_then(|last| match last {
            None => Ok(Head::empty()),
            Some((Some(seq), line)) => Ok(Head::of_line(seq, line.as_bytes())),
            Some((None, _)) => Err(format!("journal {}: the last line is not a journal entry", self.location)),
        })
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

impl Worker {
    /// Keeps a connection open: a new one creates the table if it is missing.
    fn connect(&mut self) -> Result<(), String> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let config = self.config.clone();
            let client = self.runtime.block_on(async move {
                let (client, connection) = tokio::time::timeout(TIMEOUT, config.connect(NoTls))
                    .await
                    .map_err(|_| "connecting timed out".to_string())?
                    .map_err(|e| describe(&e))?;
                // Driven whenever this thread's runtime runs a job.
                tokio::spawn(connection);
                // Only when missing: a role that may only SELECT and INSERT cannot run CREATE,
                // not even one that would find the table there.
                let found = client
                    .query_one("SELECT to_regclass('modeldeck_journal') IS NOT NULL", &[])
                    .await
                    .and_then(|row| row.try_get::<_, bool>(0))
                    .map_err(|e| describe(&e))?;
                if !found {
                    // Under the lock: two hosts creating the table at once would otherwise collide.
                    let schema = format!("BEGIN; SELECT pg_advisory_xact_lock({LOCK_KEY}); {CREATE}; COMMIT;");
                    client.batch_execute(&schema).await.map_err(|e| describe(&e))?;
                }
                Ok::<_, String>(client)
            });
            self.client = Some(client.map_err(|e| self.redactor.text(&e))?);
        }
        Ok(())
    }

    /// Runs one exchange with a deadline; a failure drops the connection (the server rolls
    /// back whatever was open) and the next job reconnects.
    fn run<T>(
        &mut self,
        exchange: impl AsyncFnOnce(&mut Client) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, String> {
        self.run_within(TIMEOUT, exchange)
    }

    fn run_within<T>(
        &mut self,
        limit: Duration,
        exchange: impl AsyncFnOnce(&mut Client) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, String> {
        self.connect()?;
        let Some(client) = self.client.as_mut() else { return Err("not connected".into()) };
        // The timer needs the runtime: it is made inside `block_on`.
        let outcome = self.runtime.block_on(async move { tokio::time::timeout(limit, exchange(client)).await });
        let error = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => describe(&e),
            Err(_) => format!("no answer within {} s", limit.as_secs()),
        };
        self.client = None;
        Err(self.redactor.text(&error))
    }
}

/// A client error with its causes ("db error: ERROR: permission denied for table …").
fn describe(error: &tokio_postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// `postgres://user@host:port/db`: enough to know which journal, without the password.
fn location(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = config.get_ports().get(i).or(config.get_ports().first()).copied().unwrap_or(5432);
            match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                Host::Unix(dir) => format!("{}:{port}", dir.display()),
            }
        })
        .collect();
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{}/{db}", hosts.join(","))
}
