//! TLS trust: which certificate authorities the HTTP clients accept, and whether
//! verification is off.
//!
//! Verification is on by default, against the system's trusted roots. CA files named in the
//! config (`[tls] ca_file` and any endpoint's `ca_file`) are *added* to those roots. Every
//! source, action and registry call shares one connection pool and a request does not pick
//! its client, so a CA is trusted for every server of the run, not only for the endpoint that
//! names it: the config should name only CAs the operator trusts as issuers for all of them.
//!
//! Turning verification off takes two keys: `[tls] insecure_skip_verify = true` in the config
//! *and* `--insecure-tls` on the command line. A config file is shared, copied between hosts
//! and checked in; a key in it alone would silently switch verification off for everyone who
//! runs it, for as long as it stays there. The flag makes the person running the command say
//! so each time, and the console then shows "TLS VERIFICATION OFF" on every screen.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Said when the config asks for verification off without the command line's consent.
pub const UNARMED: &str =
    "[tls] insecure_skip_verify is set but --insecure-tls was not given: TLS verification stays on";

/// The TLS settings of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TlsSettings {
    /// CA certificates trusted in addition to the system's roots, in config order, each file
    /// once.
    pub ca_files: Vec<CaFile>,
    /// `[tls] insecure_skip_verify = true` in the config.
    pub insecure_requested: bool,
    /// `--insecure-tls` on the command line.
    pub insecure_flag: bool,
}

/// A PEM file of one or more CA certificates, read and checked when the config loads.
#[derive(Debug, Clone, PartialEq)]
pub struct CaFile {
    pub path: PathBuf,
    /// Each certificate's DER bytes.
    pub certificates: Arc<Vec<Vec<u8>>>,
}

impl TlsSettings {
    /// Both keys turned: the config asks for it and the command line confirms it.
    pub fn verification_off(&self) -> bool {
        self.insecure_requested && self.insecure_flag
    }

    /// Adds `path`'s certificates unless the same file is already trusted.
    pub fn add_ca(&mut self, path: &Path) -> Result<(), String> {
        if self.ca_files.iter().any(|c| c.path == path) {
            return Ok(());
        }
        self.ca_files.push(read_ca(path)?);
        Ok(())
    }

    /// Why the settings cannot be used as given: the flag without the config's consent.
    pub fn check_flag(&self) -> Result<(), String> {
        if self.insecure_flag && !self.insecure_requested {
            return Err("--insecure-tls also needs `insecure_skip_verify = true` under [tls] in the config: \
                        both are required to turn TLS verification off"
                .into());
        }
        Ok(())
    }

    /// A warning when the config asks for verification off but the flag was not given.
    pub fn unarmed_warning(&self) -> Option<String> {
        (self.insecure_requested && !self.insecure_flag).then(|| UNARMED.to_string())
    }
}

/// Reads a PEM bundle of CA certificates; every certificate must parse as a trust anchor,
/// so a wrong file (a key, a DER file, a truncated copy) stops the start with its path.
pub fn read_ca(path: &Path) -> Result<CaFile, String> {
    let path = super::expand_home(path);
    let bytes = std::fs::read(&path).map_err(|e| format!("CA file {}: {e}", path.display()))?;
    let mut certificates = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        let der = item.map_err(|e| format!("CA file {}: not a PEM certificate: {e}", path.display()))?;
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| format!("CA file {}: unusable certificate: {e}", path.display()))?;
        certificates.push(der.as_ref().to_vec());
    }
    if certificates.is_empty() {
        return Err(format!(
            "CA file {}: no certificate found (expected PEM, \"-----BEGIN CERTIFICATE-----\")",
            path.display()
        ));
    }
    Ok(CaFile { path, certificates: Arc::new(certificates) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_keys_are_needed() {
        let mut tls = TlsSettings { insecure_requested: true, ..Default::default() };
        assert!(!tls.verification_off());
        assert!(tls.unarmed_warning().is_some());
        tls.insecure_flag = true;
        assert!(tls.verification_off() && tls.check_flag().is_ok() && tls.unarmed_warning().is_none());
        let flag_only = TlsSettings { insecure_flag: true, ..Default::default() };
        assert!(!flag_only.verification_off());
        assert!(flag_only.check_flag().unwrap_err().contains("insecure_skip_verify"));
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        assert!(read_ca(&path).unwrap_err().contains("no certificate found"));
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        std::fs::write(&path, garbage).unwrap();
        assert!(read_ca(&path).is_err());
        assert!(read_ca(&dir.path().join("missing.pem")).unwrap_err().contains("missing.pem"));
    }
}
