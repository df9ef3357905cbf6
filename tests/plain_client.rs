//! The client `status` builds when every endpoint is plain http: it loads no root
//! certificates, so it must read http answers as the full client does and refuse a redirect
//! to https with a sentence instead of a certificate error. The servers here are a few
//! lines of HTTP/1.1 on 127.0.0.1: what is tested is the client, not a back end.

use std::time::Duration;

use modeldeck::backends::http;
use modeldeck::domain::Endpoint;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers every connection with `response`, after reading its request head.
async fn serve(response: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let url = format!("http://{}/", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn reads_plain_http_answers() {
    let url = serve("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\n[1,2,3]".into()).await;
    let endpoint = Endpoint::plain(&url).unwrap();
    assert!(http::all_plain(std::iter::once(&endpoint)));
    let client = http::plain_client(Duration::from_secs(5)).unwrap();
    let answer = http::get(&client, &endpoint, "api/v2/alerts", &[]).await.expect("a plain answer");
    assert_eq!((answer.status, answer.body.as_slice()), (200, b"[1,2,3]".as_slice()));
}

#[tokio::test]
async fn refuses_a_redirect_to_https_with_a_reason() {
    let location = "https://127.0.0.1:9/api/v2/alerts";
    let url = serve(format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")).await;
    let client = http::plain_client(Duration::from_secs(5)).unwrap();
    let err = http::get(&client, &Endpoint::plain(&url).unwrap(), "api/v2/alerts", &[]).await.unwrap_err();
    assert!(err.contains("redirected to https"), "{err}");
}

#[test]
fn an_https_endpoint_needs_the_full_client() {
    let endpoints = [Endpoint::plain("http://127.0.0.1:9090/").unwrap(), Endpoint::plain("https://am:9093/").unwrap()];
    assert!(!http::all_plain(endpoints.iter()));
    assert!(http::all_plain(endpoints[..1].iter()));
}
