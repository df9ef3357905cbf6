//! The journal's head (how many entries, the hash of the last line) and the witness: a small
//! file that holds the head after every append. The chain alone cannot see lines cut from
//! its end; a head recorded elsewhere can.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::domain::{GENESIS, sha256_hex};

/// The last entry's `seq` (the entry count of an intact journal) and the SHA-256 of its
/// line: the `prev` the next entry will carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub count: u64,
    pub hash: String,
}

impl Head {
    pub fn empty() -> Head {
        Head { count: 0, hash: GENESIS.to_string() }
    }

    pub fn of_line(seq: u64, line: &[u8]) -> Head {
        Head { count: seq, hash: sha256_hex(line) }
    }

    /// `COUNT HASH`: what `journal head` prints and the witness file holds.
    pub fn line(&self) -> String {
        format!("{} {}", self.count, self.hash)
    }

    pub fn parse(text: &str) -> Result<Head, String> {
        let mut words = text.split_whitespace();
        let (Some(count), Some(hash), None) = (words.next(), words.next(), words.next()) else {
            return Err("expected `COUNT HASH`".into());
        };
        let count = count.parse().map_err(|_| format!("`{count}` is not an entry count"))?;
        let hash = parse_hash(hash)?;
        Ok(Head { count, hash })
    }
}

/// A SHA-256 in hex, as `--expect-head` and the witness give it.
pub fn parse_hash(text: &str) -> Result<String, String> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err("a head is 64 hex digits (see `modeldeck journal head`)".into())
    }
}

/// The witness file (`[journal] witness`). Kept apart from the journal (another disk,
/// another owner, a synced folder) it lets `verify` notice a journal cut short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    path: PathBuf,
}

impl Witness {
    pub fn new(path: &Path) -> Witness {
        Witness { path: path.to_path_buf() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded head; `None` when no witness was written yet.
    pub fn read(&self) -> Result<Option<Head>, String> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Head::parse(&text).map(Some).map_err(|e| format!("witness {}: {e}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read witness {}: {e}", self.path.display())),
        }
    }

    /// Replaces the witness with `head` unless it already holds a later one (two processes
    /// may finish their appends in either order). The new file is written aside, fsynced and
    /// renamed over the old one, so a crash leaves the old head or the new, never half.
    pub fn record(&self, head: &Head) -> Result<(), String> {
        let io = |what: &str, e: std::io::Error| format!("witness {}: {what} failed: {e}", self.path.display());
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io("create directory", e))?;
        }
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.sibling(".lock"))
            .map_err(|e| io("open lock", e))?;
        lock.lock().map_err(|e| io("lock", e))?;
        if let Ok(Some(recorded)) = self.read()
            && recorded.count > head.count
        {
            return Ok(());
        }
        let temp = self.sibling(&format!(".tmp-{}", std::process::id()));
        let mut file = File::create(&temp).map_err(|e| io("create", e))?;
        file.write_all(format!("{}\n", head.line()).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", e))?;
        std::fs::rename(&temp, &self.path).map_err(|e| io("rename", e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = File::open(dir)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_round_trips_and_bad_ones_are_named() {
        let head = Head::of_line(3, b"line");
        assert_eq!(Head::parse(&format!("{}\n", head.line())).unwrap(), head);
        assert!(Head::parse("3").unwrap_err().contains("COUNT HASH"));
        assert!(Head::parse("x abc").unwrap_err().contains("not an entry count"));
        assert!(Head::parse("3 abc").unwrap_err().contains("64 hex"));
    }

    #[test]
    fn the_witness_never_goes_back() {
        let dir = tempfile::tempdir().unwrap();
        let witness = Witness::new(&dir.path().join("w/head"));
        assert_eq!(witness.read().unwrap(), None);
        witness.record(&Head::of_line(2, b"b")).unwrap();
        witness.record(&Head::of_line(1, b"a")).unwrap();
        assert_eq!(witness.read().unwrap(), Some(Head::of_line(2, b"b")));
        witness.record(&Head::of_line(3, b"c")).unwrap();
        assert_eq!(witness.read().unwrap(), Some(Head::of_line(3, b"c")));
    }
}
