//! Temporary directories removed when dropped: at the end of a run, on an error, and when a
//! Ctrl-C drops the task that owns them.

use anyhow::Context as _;
use tempfile::TempDir;

/// A fresh directory under the system's temporary directory, named `PREFIX-` and random
/// characters, owner-only (0700, not tempfile's default, which leaves it to the umask), removed
/// with all it holds when dropped.
pub(crate) fn directory(prefix: &str) -> anyhow::Result<TempDir> {
    let prefix = format!("{prefix}-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(12);
    #[cfg(unix)]
    let owner_only = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o700);
    #[cfg(unix)]
    builder.permissions(owner_only);
    builder.tempdir().context("temporary directory")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::directory;

    #[test]
    fn dropping_it_removes_it_and_what_it_holds() {
        let dir = directory("xtask-test").unwrap();
        let path = dir.path().to_owned();
        assert!(
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("xtask-test-")
        );
        std::fs::write(path.join("key.pem"), "secret").unwrap();
        drop(dir);
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn only_its_owner_may_enter_it() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = directory("xtask-test").unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
}
