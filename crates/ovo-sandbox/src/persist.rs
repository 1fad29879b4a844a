//! The optional state directory: the whole state as one JSON file, written after every request
//! (atomically, mode 0600: it holds the partners' test secrets) and read back at start.

use std::collections::HashMap;
use std::hash::Hash;
use std::io::Write as _;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::state::State;

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

/// Maps with tuple keys, which JSON objects cannot hold, as a list of pairs.
pub(crate) mod pairs {
    use super::*;

    pub(crate) fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &HashMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<HashMap<K, V>, D::Error>
    where
        K: DeserializeOwned + Eq + Hash,
        V: DeserializeOwned,
        D: Deserializer<'de>,
    {
        Vec::<(K, V)>::deserialize(deserializer).map(|pairs| pairs.into_iter().collect())
    }
}

/// Client secrets as their text (test credentials of a local sandbox).
pub(crate) mod secrets {
    use ovo_sign::ClientSecret;

    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        secrets: &[ClientSecret],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            secrets
                .iter()
                .map(|s| String::from_utf8_lossy(s.expose_secret()).into_owned()),
        )
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<ClientSecret>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .into_iter()
            .map(|s| ClientSecret::new(s).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Public keys as hex of their PKCS#1 DER.
pub(crate) mod public_keys {
    use ovo_sign::PublicKey;

    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        keys: &[PublicKey],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(keys.iter().map(|k| hex::encode(k.pkcs1_der())))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<PublicKey>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .into_iter()
            .map(|text| {
                let der = hex::decode(text).map_err(serde::de::Error::custom)?;
                PublicKey::from_pkcs1_der(&der).map_err(serde::de::Error::custom)
            })
            .collect()
    }
}
