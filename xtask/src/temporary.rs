//! Temporary directories removed when dropped: at the end of a run, on an error, and when a
//! Ctrl-C drops the task that owns them.

use std::path::{Path, PathBuf};

/// A directory under the system's temporary directory, owner-only (0700), removed with all it
/// holds when dropped.
#[derive(Debug)]
pub(crate) struct TemporaryDir {
    path: PathBuf,
}

impl TemporaryDir {
    /// A fresh directory named `PREFIX-PID-RANDOM`.
    pub(crate) fn new(prefix: &str) -> Result<Self, String> {
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{:012x}",
            std::process::id(),
            rand::random::<u64>() & 0xFFFF_FFFF_FFFF
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self { path })
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TemporaryDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::TemporaryDir;

    #[test]
    fn dropping_it_removes_it_and_what_it_holds() {
        let dir = TemporaryDir::new("xtask-test").unwrap();
        let path = dir.path().to_owned();
        std::fs::write(path.join("key.pem"), "secret").unwrap();
        drop(dir);
        assert!(!path.exists());
    }
}
