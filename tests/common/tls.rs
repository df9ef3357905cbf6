//! A TLS listener on 127.0.0.1 with a self-signed certificate (made once with `openssl req
//! -x509`, valid until 2126, for IP 127.0.0.1; the key protects nothing). It stands in for a
//! backend whose certificate no system root vouches for: the handshake is all it does.

use std::io::Write;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const CERT: &[u8] = include_bytes!("tls/self-signed.crt");
const KEY: &[u8] = include_bytes!("tls/self-signed.key");

pub struct SelfSignedTls {
    /// `https://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    task: JoinHandle<()>,
}

impl SelfSignedTls {
    pub async fn start() -> SelfSignedTls {
        let cert = CertificateDer::from_pem_slice(CERT).expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(KEY).expect("test key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let url = format!("https://{}", listener.local_addr().expect("local address"));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let Ok(stream) = stream.into_std() else { continue };
                let config = config.clone();
                // A blocking handshake on its own thread: it ends when the client rejects
                // the certificate and closes.
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                    let mut tls = rustls::StreamOwned::new(connection, stream);
                    let body = "{}";
                    let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                    let _ = tls.write_all(answer.as_bytes());
                });
            }
        });
        SelfSignedTls { url, task }
    }
}

impl Drop for SelfSignedTls {
    fn drop(&mut self) {
        self.task.abort();
    }
}
