//! The optional state directory: the whole state as one JSON file, written after every request
//! (atomically, mode 0600: it holds the partners' test secrets) and read back at start.

use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::provider::state::State;

const FILE: &str = "state.json";

/// What the file holds: the state and how far the clock was advanced.
#[derive(Debug, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) clock_offset_secs: u64,
    pub(crate) state: State,
}

/// The same, borrowed, for writing.
#[derive(Debug, Serialize)]
pub(crate) struct SnapshotRef<'a> {
    pub(crate) clock_offset_secs: u64,
    pub(crate) state: &'a State,
}

/// Reads the snapshot in `dir`, if there is one.
pub(crate) fn load(dir: &Path) -> std::io::Result<Option<Snapshot>> {
    let path = dir.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes the snapshot to `dir`: a temporary file renamed over the old one.
pub(crate) fn save(dir: &Path, snapshot: &SnapshotRef<'_>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = serde_json::to_vec(snapshot).map_err(std::io::Error::other)?;
    let temporary = dir.join(format!("{FILE}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    std::fs::rename(temporary, dir.join(FILE))
}
