//! A proxy on 127.0.0.1 in front of a real server, for the faults the real server cannot
//! produce on demand: it forwards each request untouched until a test switches it to a
//! [`Fault`], and back. It counts connections (all of them, the open ones and the most
//! open at once), records when each hung request started and ended, and how many body
//! bytes it managed to push into each connection.
//!
//! Upstream requests go out as HTTP/1.0, so the upstream answers with a plain body (no
//! chunked encoding) that the proxy can cut or delay; every answer to the client closes its
//! connection, so one connection is one request.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward to the upstream untouched.
    Pass,
    /// Answer every request with this, whatever the upstream would say.
    Answer { status: u16, content_type: &'static str, body: String },
    /// Read the request and never answer; the connection stays open until the client
    /// gives up.
    Hang,
    /// Forward, and hold the upstream's answer this long before sending it.
    Slow(Duration),
    /// Forward, but send only the first half of the upstream's body and close. With
    /// `keep_length` the full Content-Length is still announced (the client can tell it is
    /// short); without it the body ends at the close, as an HTTP/1.0 server's would.
    Truncate { keep_length: bool },
    /// Forward, writing the upstream's body in pieces of these sizes (cycled), each sent
    /// on its own after a pause, so the client reads it cut at those points.
    Pieces(Vec<usize>),
    /// A 200 whose JSON body never ends (up to `limit` bytes); with `advertise` it also
    /// announces a Content-Length of `limit`.
    Endless { advertise: bool, limit: u64 },
}

pub struct FaultyProxy {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

struct State {
    /// `127.0.0.1:PORT` of the real server.
    upstream: String,
    fault: Mutex<Fault>,
    accepted: AtomicUsize,
    open: AtomicUsize,
    most_open: AtomicUsize,
    /// (start, end) of each hung request, Unix microseconds; end 0 while it hangs.
    hangs: Mutex<Vec<(u64, u64)>>,
    most_body_sent: AtomicU64,
}

impl FaultyProxy {
    /// A proxy for `upstream` (`http://127.0.0.1:PORT`), forwarding until told otherwise.
    pub async fn start(upstream: &str) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(State {
            upstream: upstream.trim_start_matches("http://").trim_end_matches('/').to_string(),
            fault: Mutex::new(Fault::Pass),
            accepted: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            most_open: AtomicUsize::new(0),
            hangs: Mutex::new(Vec::new()),
            most_body_sent: AtomicU64::new(0),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
                shared.most_open.fetch_max(open, Ordering::SeqCst);
                let state = shared.clone();
                tokio::spawn(async move {
                    serve(stream, &state).await;
                    state.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        FaultyProxy { url, state, task }
    }

    /// Applies to every connection accepted from now on.
    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    pub fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    pub fn open(&self) -> usize {
        self.state.open.load(Ordering::SeqCst)
    }

    pub fn most_open(&self) -> usize {
        self.state.most_open.load(Ordering::SeqCst)
    }

    /// (start, end) of every hung request so far, Unix microseconds; end 0 while it hangs.
    pub fn hangs(&self) -> Vec<(u64, u64)> {
        self.state.hangs.lock().unwrap().clone()
    }

    /// The most body bytes written into one connection (before the client hung up).
    pub fn most_body_sent(&self) -> u64 {
        self.state.most_body_sent.load(Ordering::SeqCst)
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn epoch_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

async fn serve(mut client: TcpStream, state: &State) {
    let Some((head, sent_body)) = read_request(&mut client).await else { return };
    let fault = state.fault.lock().unwrap().clone();
    match fault {
        Fault::Pass => {
            if let Some((head, body)) = forward(&head, &sent_body, &state.upstream).await {
                let _ = client.write_all(&reply(&head, &body, Some(body.len()))).await;
            }
        }
        Fault::Slow(delay) => {
            if let Some((head, body)) = forward(&head, &sent_body, &state.upstream).await {
                tokio::time::sleep(delay).await;
                let _ = client.write_all(&reply(&head, &body, Some(body.len()))).await;
            }
        }
        Fault::Truncate { keep_length } => {
            if let Some((head, body)) = forward(&head, &sent_body, &state.upstream).await {
                let length = keep_length.then_some(body.len());
                let _ = client.write_all(&reply(&head, &body[..body.len() / 2], length)).await;
            }
        }
        Fault::Pieces(sizes) => {
            if let Some((head, body)) = forward(&head, &sent_body, &state.upstream).await {
                let whole = reply(&head, &body, Some(body.len()));
                let (head_len, mut at) = (whole.len() - body.len(), 0);
                let _ = client.set_nodelay(true);
                let _ = client.write_all(&whole[..head_len]).await;
                for size in sizes.iter().cycle() {
                    if at == body.len() {
                        break;
                    }
                    let end = (at + size.max(&1)).min(body.len());
                    if client.write_all(&body[at..end]).await.is_err() {
                        break;
                    }
                    at = end;
                    // Not a wait for anything: the pause keeps the pieces from merging.
                    tokio::time::sleep(Duration::from_micros(200)).await;
                }
            }
        }
        Fault::Answer { status, content_type, body } => {
            let head = format!("HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\n", reason(status));
            let _ = client.write_all(&reply(&head, body.as_bytes(), Some(body.len()))).await;
        }
        Fault::Hang => {
            let index = {
                let mut hangs = state.hangs.lock().unwrap();
                hangs.push((epoch_us(), 0));
                hangs.len() - 1
            };
            // Whatever the client sends is dropped; a read of 0 or an error is its close.
            let mut sink = [0u8; 1024];
            while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
            state.hangs.lock().unwrap()[index].1 = epoch_us();
        }
        Fault::Endless { advertise, limit } => endless(&mut client, state, advertise, limit).await,
    }
    let _ = client.shutdown().await;
}

/// Writes a vector answer that goes on and on, until the client stops reading or `limit`.
async fn endless(client: &mut TcpStream, state: &State, advertise: bool, limit: u64) {
    let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n");
    if advertise {
        head.push_str(&format!("Content-Length: {limit}\r\n"));
    }
    head.push_str("\r\n");
    if client.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let start = br#"{"status":"success","data":{"resultType":"vector","result":["#;
    let series = br#"{"metric":{"model":"endless"},"value":[1,"1"]},"#;
    let chunk: Vec<u8> = series.iter().copied().cycle().take(series.len() * 1400).collect();
    let mut sent = 0u64;
    if client.write_all(start).await.is_ok() {
        sent += start.len() as u64;
        while sent < limit && client.write_all(&chunk).await.is_ok() {
            sent += chunk.len() as u64;
            state.most_body_sent.fetch_max(sent, Ordering::SeqCst);
        }
    }
    state.most_body_sent.fetch_max(sent, Ordering::SeqCst);
}

/// The request head, up to and including the blank line, and its body (Content-Length
/// bytes, so a POST is forwarded whole); `None` if the client closed first.
async fn read_request(stream: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let mut body = buffer.split_off(end);
    let length = String::from_utf8_lossy(&buffer)
        .split("\r\n")
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0usize);
    while body.len() < length {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((buffer, body))
}

/// Sends the request (head and body) upstream as HTTP/1.0 and reads the whole answer: its
/// status line and headers (without Content-Length, Connection and Transfer-Encoding) and
/// its body.
async fn forward(head: &[u8], body: &[u8], upstream: &str) -> Option<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let request_line = lines.next()?.replace("HTTP/1.1", "HTTP/1.0");
    let mut request = format!("{request_line}\r\n");
    for line in lines.filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:")) {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut upstream = TcpStream::connect(upstream).await.ok()?;
    upstream.write_all(request.as_bytes()).await.ok()?;
    upstream.write_all(body).await.ok()?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).await.ok()?;
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut kept = String::new();
    for (n, line) in head.split("\r\n").enumerate() {
        let lower = line.to_ascii_lowercase();
        if n == 0 {
            kept.push_str(&line.replacen("HTTP/1.0", "HTTP/1.1", 1));
        } else if ["content-length:", "connection:", "transfer-encoding:"].iter().any(|h| lower.starts_with(h)) {
            continue;
        } else {
            kept.push_str(line);
        }
        kept.push_str("\r\n");
    }
    Some((kept, answer[end + 4..].to_vec()))
}

/// `head` (status line and headers, each ending in CRLF) with Connection: close, the
/// Content-Length when given, and `body`.
fn reply(head: &str, body: &[u8], length: Option<usize>) -> Vec<u8> {
    let mut out = head.to_string();
    out.push_str("Connection: close\r\n");
    if let Some(length) = length {
        out.push_str(&format!("Content-Length: {length}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
