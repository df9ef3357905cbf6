//! TLS: certificates are verified by default, a CA named in the config is trusted (under
//! `[tls]` or on an endpoint), and verification goes off only with the config's key and the
//! command line's `--insecure-tls` together. Certificates are made per test with rcgen and
//! served by a small rustls server on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use modeldeck::config::{self, Config, tls::TlsSettings};

use modeldeck::backends::http;
use modeldeck::domain::Endpoint;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const BODY: &str = r#"{"status":"success","data":{"version":"tls-test"}}"#;

/// A certificate authority that signs server certificates for 127.0.0.1.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Ca { issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap() }
    }

    /// Writes the CA certificate as PEM into `dir` and returns its path.
    fn write_pem(&self, dir: &Path, name: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.issuer.pem()).unwrap();
        path
    }

    /// An HTTPS server whose certificate this CA signed; its `https://127.0.0.1:PORT` URL.
    fn serve(&self) -> String {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        serve(vec![cert.der().clone(), self.issuer.der().clone()], &key)
    }
}

/// A server with a self-signed certificate (no CA anyone trusts).
fn serve_self_signed() -> String {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    serve(vec![certified.cert.der().clone()], &certified.signing_key)
}

/// Answers every request on its own connection with [`BODY`]; a client that refuses the
/// certificate ends the handshake and the server moves on to the next connection. The
/// thread lives as long as the test process.
fn serve(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> String {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match tls.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            if head.ends_with(b"\r\n\r\n") {
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                    BODY.len()
                );
                let _ = tls.write_all(answer.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
    });
    url
}

async fn fetch(tls: &TlsSettings, endpoint: &Endpoint) -> Result<String, String> {
    let client = http::client_with(Duration::from_secs(5), tls)?;
    let answer = http::get(&client, endpoint, "api/v1/status/buildinfo", &[]).await?;
    Ok(format!("{} {}", answer.status, String::from_utf8_lossy(&answer.body)))
}

fn load(text: &str) -> Config {
    config::from_str(text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

fn toml_path(path: &Path) -> String {
    path.display().to_string().replace('\\', "\\\\")
}

#[tokio::test]
async fn a_self_signed_server_is_refused_with_a_tls_error() {
    let url = serve_self_signed();
    let err = fetch(&TlsSettings::default(), &Endpoint::plain(&url).unwrap()).await.unwrap_err();
    assert!(err.starts_with("TLS error"), "{err}");
    // The client every other caller gets: the same verification by default.
    let client = http::client(Duration::from_secs(5)).unwrap();
    let err = http::get(&client, &Endpoint::plain(&url).unwrap(), "x", &[]).await.unwrap_err();
    assert!(err.starts_with("TLS error"), "{err}");
}

#[tokio::test]
async fn a_ca_under_tls_is_trusted_for_the_servers_it_signed_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("modeldeck test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.pem");
    let signed = ca.serve();
    let stranger = Ca::new("someone else's CA").serve();
    let config = load(&format!(
        "[tls]\nca_file = \"{}\"\n\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{signed}\" }}\n",
        toml_path(&ca_file)
    ));
    assert_eq!(config.tls.ca_files.len(), 1);
    let prometheus = &config.environments[0].prometheus;
    assert_eq!(fetch(&config.tls, prometheus).await.unwrap(), format!("200 {BODY}"));
    let err = fetch(&config.tls, &Endpoint::plain(&stranger).unwrap()).await.unwrap_err();
    assert!(err.starts_with("TLS error"), "a CA we were not told about: {err}");
    // Without the config's CA the same server is refused.
    let err = fetch(&TlsSettings::default(), prometheus).await.unwrap_err();
    assert!(err.starts_with("TLS error"), "{err}");
}

#[tokio::test]
async fn a_ca_on_each_endpoint_is_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let (prom_ca, am_ca, registry_ca) = (Ca::new("prom CA"), Ca::new("am CA"), Ca::new("registry CA"));
    let (prom, am, registry) = (prom_ca.serve(), am_ca.serve(), registry_ca.serve());
    let config = load(&format!(
        r#"[[environment]]
name = "prod"
alertmanagers = [{{ url = "{am}", ca_file = "{}" }}]

[environment.prometheus]
url = "{prom}"
ca_file = "{}"

[environment.registry]
url = "{registry}"
ca_file = "{}"
"#,
        toml_path(&am_ca.write_pem(dir.path(), "am.pem")),
        toml_path(&prom_ca.write_pem(dir.path(), "prom.pem")),
        toml_path(&registry_ca.write_pem(dir.path(), "registry.pem")),
    ));
    assert_eq!(config.tls.ca_files.len(), 3);
    let env = &config.environments[0];
    for endpoint in [&env.prometheus, &env.alertmanagers[0], env.registry.as_ref().unwrap()] {
        assert_eq!(fetch(&config.tls, endpoint).await.unwrap(), format!("200 {BODY}"), "{}", endpoint.url);
    }
}

#[tokio::test]
async fn verification_goes_off_only_with_the_config_key_and_the_flag() {
    let url = serve_self_signed();
    let endpoint = Endpoint::plain(&url).unwrap();
    let mut config = load("[tls]\ninsecure_skip_verify = true\n");
    assert!(!config.tls.verification_off());
    let err = fetch(&config.tls, &endpoint).await.unwrap_err();
    assert!(err.starts_with("TLS error"), "the config key alone changes nothing: {err}");
    config.tls.insecure_flag = true;
    assert!(config.tls.verification_off());
    assert_eq!(fetch(&config.tls, &endpoint).await.unwrap(), format!("200 {BODY}"));
}

#[test]
fn a_ca_file_that_is_not_a_certificate_stops_the_start_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let text = format!(
        "[[environment]]\nname = \"s\"\n[environment.prometheus]\nurl = \"https://prom:9090\"\nca_file = \"{}\"\n",
        toml_path(&key)
    );
    let err = config::from_str(&text, None, &|_| None).unwrap_err().to_string();
    assert!(err.starts_with("config:5: key `ca_file`"), "{err}");
    assert!(err.contains("no certificate found"), "{err}");
    let missing = format!("[tls]\nca_file = \"{}\"\n", toml_path(&dir.path().join("nope.pem")));
    let err = config::from_str(&missing, None, &|_| None).unwrap_err().to_string();
    assert!(err.starts_with("config:2: key `ca_file`") && err.contains("nope.pem"), "{err}");
}

fn modeldeck(config: &Path, args: &[&str]) -> std::process::Output {
    let state = config.parent().unwrap();
    Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("XDG_DATA_HOME", state)
        .output()
        .unwrap()
}

#[test]
fn the_flag_without_the_config_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[[environment]]\nname = \"s\"\nprometheus = { url = \"https://127.0.0.1:1\" }\n").unwrap();
    let out = modeldeck(&config, &["--insecure-tls", "status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("insecure_skip_verify"), "{stderr}");
}

#[test]
fn status_keeps_verifying_until_the_flag_is_given() {
    let url = serve_self_signed();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "timeout = \"2s\"\n[tls]\ninsecure_skip_verify = true\n[[environment]]\nname = \"s\"\nprometheus = {{ url = \"{url}\" }}\nalertmanagers = [\"{url}\"]\n"
        ),
    )
    .unwrap();
    let out = modeldeck(&config, &["status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(config::tls::UNARMED), "{stderr}");
    assert!(stderr.contains("TLS error"), "still verified: {stderr}");

    let out = modeldeck(&config, &["--insecure-tls", "status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TLS verification is OFF"), "{stderr}");
    // The stand-in answers every path with the same JSON, which is not what status reads,
    // but it got an answer: the certificate was not checked.
    assert!(!stderr.contains("TLS error"), "{stderr}");
    let printed = modeldeck(&config, &["--insecure-tls", "--print-config"]);
    assert!(String::from_utf8_lossy(&printed.stdout).contains("insecure_skip_verify = true # verification OFF"));
}
