//! A minimal HTTP/1.1 stand-in server on 127.0.0.1 for back ends that cannot run on this
//! machine (Kubeflow Pipelines needs Kubernetes, Argo needs Kubernetes, GitHub is remote).
//! It records every request (request line, headers, Content-Length body) and answers each
//! call with the next canned reply, repeating the last one; or it never answers at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

pub fn reply(status: u16, body: &str) -> Reply {
    Reply { status, body: body.to_string() }
}

pub struct StandIn {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl StandIn {
    /// Answers the n-th request with `replies[n]`, and later ones with the last reply.
    pub async fn start(replies: Vec<Reply>) -> StandIn {
        StandIn::spawn(Some(replies)).await
    }

    /// Reads each request and then holds the connection open without answering.
    pub async fn silent() -> StandIn {
        StandIn::spawn(None).await
    }

    /// As [`StandIn::start`], but a request `aside` answers (a read the console makes on
    /// the side, such as a pipeline's schedule when a form opens) gets that answer and does
    /// not use up a canned reply. Every request is still recorded.
    pub async fn start_with_aside(replies: Vec<Reply>, aside: fn(&Recorded) -> Option<Reply>) -> StandIn {
        StandIn::spawn_with(Some(replies), aside).await
    }

    async fn spawn(replies: Option<Vec<Reply>>) -> StandIn {
        StandIn::spawn_with(replies, |_| None).await
    }

    async fn spawn_with(replies: Option<Vec<Reply>>, aside: fn(&Recorded) -> Option<Reply>) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            let mut answered = 0;
            while let Ok((mut stream, _)) = listener.accept().await {
                let Some(request) = read_request(&mut stream).await else { continue };
                let set_aside = aside(&request);
                recorded.lock().unwrap().push(request);
                if let Some(reply) = set_aside {
                    let _ = stream.write_all(&encode(&reply)).await;
                    let _ = stream.shutdown().await;
                    continue;
                }
                let n = answered;
                answered += 1;
                match &replies {
                    Some(replies) => {
                        let reply = &replies[n.min(replies.len() - 1)];
                        let _ = stream.write_all(&encode(reply)).await;
                        let _ = stream.shutdown().await;
                    }
                    None => held.push(stream),
                }
            }
        });
        StandIn { url, requests, task }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn only_request(&self) -> Recorded {
        let all = self.requests();
        assert_eq!(all.len(), 1, "expected one request, got {all:#?}");
        all[0].clone()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded { method, target, headers, body })
}

fn encode(reply: &Reply) -> Vec<u8> {
    let reason = match reply.status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut out = format!("HTTP/1.1 {} {reason}\r\nConnection: close\r\n", reply.status);
    if reply.status != 204 {
        out.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", reply.body.len()));
    }
    out.push_str("\r\n");
    if reply.status != 204 {
        out.push_str(&reply.body);
    }
    out.into_bytes()
}
