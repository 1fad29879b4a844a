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

/// Writes the snapshot to `dir`: a new temporary file, created exclusively under a random name
/// (mode 0600, so no existing file or symlink is ever written through), then renamed over the old
/// one.
pub(crate) fn save(dir: &Path, snapshot: &SnapshotRef<'_>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = serde_json::to_vec(snapshot).map_err(std::io::Error::other)?;
    let mut file = tempfile::Builder::new()
        .prefix(".state-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    file.write_all(&bytes)?;
    file.as_file().sync_all()?;
    file.persist(dir.join(FILE)).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_state_file_is_written_through_a_new_file_never_a_symlink() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(outside.path(), "untouched").unwrap();
        // The old fixed temporary name, planted as a symlink to a file outside.
        std::os::unix::fs::symlink(outside.path(), dir.path().join("state.json.tmp")).unwrap();
        let state = State::default();
        let snapshot = SnapshotRef {
            clock_offset_secs: 7,
            state: &state,
        };
        save(dir.path(), &snapshot).unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.path()).unwrap(),
            "untouched"
        );
        let written = dir.path().join(FILE);
        let mode = std::fs::metadata(&written).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load(dir.path()).unwrap().unwrap().clock_offset_secs, 7);
    }
}
