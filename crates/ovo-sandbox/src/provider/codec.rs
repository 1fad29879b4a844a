//! Serde adapters for the state's fields that JSON cannot hold as they are (tuple keys, secrets,
//! public keys), for the state directory.

use std::collections::HashMap;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
                .map(|s| String::from_utf8_lossy(s.expose()).into_owned()),
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
