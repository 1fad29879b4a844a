//! Reading private material from files, with OpenSSH's permission rule.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::KeyError;

/// Whether a private file readable or writable by group or others is refused.
///
/// ```
/// assert_eq!(ovo_sign::FilePermissions::default(), ovo_sign::FilePermissions::Strict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FilePermissions {
    /// Refuse a file whose mode has any bit of `0o077` set (the default, as OpenSSH does).
    #[default]
    Strict,
    /// Read it anyway. Choose this explicitly, for example for a throw-away test key.
    AllowInsecure,
}

/// The mode bits of `path` that give group or others access, or `None` when there are none
/// (or on a platform without Unix permissions).
///
/// ```no_run
/// if let Some(mode) = ovo_sign::insecure_mode(std::path::Path::new("client-secret.txt"))? {
///     eprintln!("warning: mode {mode:04o} lets others read the secret");
/// }
/// # Ok::<(), ovo_sign::KeyError>(())
/// ```
pub fn insecure_mode(path: &Path) -> Result<Option<u32>, KeyError> {
    let file = open(path)?;
    loose_mode(&file, path)
}

/// Reads a private file into a buffer that is zeroized on drop, refusing loose permissions
/// under [`FilePermissions::Strict`]. The mode is read from the opened file, not the path.
pub(crate) fn read_private(
    path: &Path,
    permissions: FilePermissions,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut file = open(path)?;
    if permissions == FilePermissions::Strict
        && let Some(mode) = loose_mode(&file, path)?
    {
        return Err(KeyError::InsecurePermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut contents = Zeroizing::new(Vec::new());
    file.read_to_end(&mut contents)
        .map_err(|error| KeyError::Io {
            path: path.to_path_buf(),
            error,
        })?;
    Ok(contents)
}

/// Reads a public file (no permission rule).
pub(crate) fn read_public(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|error| KeyError::Io {
        path: path.to_path_buf(),
        error,
    })
}

fn open(path: &Path) -> Result<File, KeyError> {
    File::open(path).map_err(|error| KeyError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// The mode, if it gives group or others any access; `None` on a platform without Unix modes.
fn loose_mode(file: &File, path: &Path) -> Result<Option<u32>, KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = file.metadata().map_err(|error| KeyError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let mode = metadata.permissions().mode() & 0o7777;
        Ok((mode & 0o077 != 0).then_some(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(None)
    }
}
