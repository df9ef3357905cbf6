//! A loopback HTTP server for unit tests of writes: it records every request line and
//! answers with what the test decides, or never, keeping the connection open the way a
//! stalled server or a lost answer does.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::domain::Endpoint;

type Answer = dyn Fn(&str) -> Option<String> + Send + Sync;

pub(crate) struct TestServer {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// `answer` gets `METHOD /path?query` and returns the whole HTTP response, or `None` to
    /// leave that request unanswered.
    pub async fn start(answer: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, seen.clone(), answer.clone()));
            }
        });
        TestServer { url, requests }
    }

    /// Accepts every connection and reads every request, but never answers.
    pub async fn silent() -> TestServer {
        TestServer::start(|_| None).await
    }

    pub fn endpoint(&self) -> Endpoint {
        Endpoint::plain(&self.url).expect("a loopback URL")
    }

    /// Every request line received so far, `METHOD /path`, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many requests with this method arrived.
    pub fn count(&self, method: &str) -> usize {
        self.requests().iter().filter(|r| r.split(' ').next() == Some(method)).count()
    }
}

/// A complete response with a body.
pub(crate) fn response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<String>>>, answer: Arc<Answer>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            match stream.read(&mut chunk).await {
                Ok(n @ 1..) => buffer.extend_from_slice(&chunk[..n]),
                _ => return,
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        let line = head.lines().next().unwrap_or_default();
        let line = line.rsplit_once(' ').map_or(line, |(request, _version)| request).to_string();
        let length = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        while buffer.len() < end + 4 + length {
            match stream.read(&mut chunk).await {
                Ok(n @ 1..) => buffer.extend_from_slice(&chunk[..n]),
                _ => break,
            }
        }
        if let Ok(mut requests) = seen.lock() {
            requests.push(line.clone());
        }
        let Some(reply) = answer(&line) else {
            // Hold the connection until the client gives up on it.
            while let Ok(1..) = stream.read(&mut chunk).await {}
            return;
        };
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
        return;
    }
}
