//! Key and secret loading: every accepted format, every refusal with its typed error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::path::{Path, PathBuf};

use ovo_sign::{ClientSecret, FilePermissions, KeyError, PrivateKey, PublicKey, pem_problem};

fn key_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
}

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(key_path(name)).unwrap()
}

#[test]
fn private_keys_load_from_pkcs1_and_pkcs8_at_every_size() {
    for bits in [2048, 3072, 4096] {
        for form in ["pkcs1", "pkcs8"] {
            let key = PrivateKey::from_pem(&pem(&format!("rsa{bits}-{form}.pem"))).unwrap();
            assert_eq!(key.bits(), bits);
            // The derived public key is the one OpenSSL exported, in PKCS#1.
            let exported =
                PublicKey::from_pem(&pem(&format!("rsa{bits}-public-pkcs1.pem"))).unwrap();
            assert_eq!(key.public_key(), exported);
        }
    }
}

#[test]
fn public_keys_load_from_pkcs1_spki_and_x509_to_the_same_key() {
    for bits in [2048, 3072, 4096] {
        let forms: Vec<PublicKey> = ["public-pkcs1", "public-spki", "cert"]
            .iter()
            .map(|form| PublicKey::from_pem(&pem(&format!("rsa{bits}-{form}.pem"))).unwrap())
            .collect();
        assert_eq!(forms[0].bits(), bits);
        assert_eq!(forms[0], forms[1]);
        assert_eq!(forms[0], forms[2]);
    }
}

#[test]
fn public_keys_load_from_files_and_give_back_their_pkcs1_der() {
    let from_file = PublicKey::from_pem_file(&key_path("rsa2048-public-spki.pem")).unwrap();
    assert_eq!(
        from_file,
        PublicKey::from_pem(&pem("rsa2048-public-pkcs1.pem")).unwrap()
    );
    // The DER is a whole RSAPublicKey: it parses back to the same key.
    let der = from_file.pkcs1_der();
    assert_eq!(der.first(), Some(&0x30), "a DER SEQUENCE");
    assert_eq!(PublicKey::from_pkcs1_der(der).unwrap(), from_file);
    let debug = format!("{from_file:?}");
    assert!(
        debug.contains("bits: 2048") && debug.contains("pkcs1_sha256"),
        "{debug}"
    );
    assert!(matches!(
        PublicKey::from_pem_file(Path::new("/nonexistent/public.pem")),
        Err(KeyError::Io { .. })
    ));
}

#[test]
fn a_modulus_one_bit_short_is_counted_exactly() {
    // RSAPublicKey { modulus: 0x7f followed by 255 × 0xff (2,047 bits), exponent: 65537 }.
    let mut der = vec![0x30, 0x82, 0x01, 0x09, 0x02, 0x82, 0x01, 0x00, 0x7f];
    der.extend([0xff; 255]);
    der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
    match PublicKey::from_pkcs1_der(&der) {
        Err(KeyError::UnsupportedSize { bits: 2047, .. }) => {}
        other => panic!("want UnsupportedSize(2047), got {other:?}"),
    }
    // The same with a top bit set: 2,048 bits (a positive INTEGER needs a leading zero byte).
    let mut der = vec![0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0x80];
    der.extend([0xff; 255]);
    der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
    assert_eq!(PublicKey::from_pkcs1_der(&der).unwrap().bits(), 2048);
}

#[test]
fn small_keys_are_refused_with_their_size() {
    match PrivateKey::from_pem(&pem("rsa1024-pkcs1.pem")) {
        Err(KeyError::UnsupportedSize { bits: 1024, .. }) => {}
        other => panic!("want UnsupportedSize(1024), got {other:?}"),
    }
}

#[test]
fn non_rsa_keys_are_refused_naming_the_algorithm() {
    for result in [
        PrivateKey::from_pem(&pem("ec-p256-pkcs8.pem")).map(|_| ()),
        PublicKey::from_pem(&pem("ec-p256-spki.pem")).map(|_| ()),
    ] {
        match result {
            Err(KeyError::NotRsa { algorithm }) => assert_eq!(algorithm, "1.2.840.10045.2.1"),
            other => panic!("want NotRsa, got {other:?}"),
        }
    }
}

#[test]
fn encrypted_private_keys_are_refused() {
    assert!(matches!(
        PrivateKey::from_pem(&pem("rsa2048-encrypted-pkcs8.pem")),
        Err(KeyError::EncryptedPrivateKey)
    ));
}

#[test]
fn a_key_of_the_other_kind_names_the_label() {
    match PrivateKey::from_pem(&pem("rsa2048-public-spki.pem")) {
        Err(KeyError::UnexpectedLabel { found, .. }) => assert_eq!(found, "PUBLIC KEY"),
        other => panic!("want UnexpectedLabel, got {other:?}"),
    }
    match PublicKey::from_pem(&pem("rsa2048-pkcs1.pem")) {
        Err(KeyError::UnexpectedLabel { found, .. }) => assert_eq!(found, "RSA PRIVATE KEY"),
        other => panic!("want UnexpectedLabel, got {other:?}"),
    }
}

#[test]
fn garbage_is_a_pem_error_and_corrupt_der_is_invalid() {
    // A text file, an empty file: not PEM, and the message says so.
    for text in [
        &b"not a key"[..],
        b"client_id=abc\nclient_secret=xyz\n",
        b"",
    ] {
        let error = PrivateKey::from_pem(text).unwrap_err();
        assert!(
            matches!(error, KeyError::NotPem { der: false }),
            "{error:?}"
        );
        assert!(error.to_string().starts_with("not PEM"), "{error}");
        assert!(matches!(
            PublicKey::from_pem(text),
            Err(KeyError::NotPem { der: false })
        ));
    }
    // A DER key: not PEM either, with the conversion to make.
    let der = PrivateKey::from_pem(&[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00]).unwrap_err();
    assert!(matches!(der, KeyError::NotPem { der: true }), "{der:?}");
    assert!(
        der.to_string().contains("openssl pkey -inform DER"),
        "{der}"
    );
    // PEM that is damaged: a PEM error.
    let truncated = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n";
    assert!(matches!(
        PrivateKey::from_pem(truncated.as_bytes()),
        Err(KeyError::Pem(_))
    ));
    let corrupt = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----\n";
    assert!(matches!(
        PrivateKey::from_pem(corrupt.as_bytes()),
        Err(KeyError::Invalid { .. })
    ));
    assert!(matches!(
        PublicKey::from_pkcs1_der(&[0x30, 0x03, 0x02, 0x01, 0x01]),
        Err(KeyError::Invalid { .. })
    ));
}

#[test]
fn pem_problem_agrees_with_the_parsers_without_decoding() {
    // Not PEM: the same error the parsers give, for text, an empty file and DER.
    for bytes in [
        &b"not a key"[..],
        b"client_id=abc\nclient_secret=xyz\n",
        b"",
        &[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00],
    ] {
        let problem = pem_problem(bytes).map(|e| e.to_string());
        let parsed = PrivateKey::from_pem(bytes).unwrap_err().to_string();
        assert_eq!(problem.as_deref(), Some(parsed.as_str()));
        assert!(matches!(
            pem_problem(bytes),
            Some(KeyError::NotPem { der }) if der == (bytes.first() == Some(&0x30))
        ));
    }
    // PEM keys, private and public, and even damaged PEM: no problem it can tell without decoding.
    for name in [
        "rsa2048-pkcs1.pem",
        "rsa2048-pkcs8.pem",
        "rsa2048-public-spki.pem",
    ] {
        assert!(pem_problem(&pem(name)).is_none(), "{name}");
    }
    let truncated = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n";
    assert!(pem_problem(truncated.as_bytes()).is_none());
}

#[test]
fn private_key_debug_shows_no_material() {
    let key = PrivateKey::from_pem(&pem("rsa2048-pkcs1.pem")).unwrap();
    let shown = format!("{key:?} {key:#?}");
    assert!(shown.contains("2048") && shown.contains("[redacted]"));
    assert!(!shown.contains("MII"));
}

#[cfg(unix)]
mod permissions {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn copy_with_mode(name: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::copy(key_path(name), &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    #[test]
    fn owner_only_modes_are_accepted() {
        for mode in [0o600, 0o400] {
            let (_dir, path) = copy_with_mode("rsa2048-pkcs8.pem", mode);
            PrivateKey::from_pem_file(&path, FilePermissions::Strict).unwrap();
        }
    }

    #[test]
    fn modes_open_to_group_or_others_are_refused() {
        for mode in [0o640, 0o644, 0o666, 0o604, 0o610] {
            let (_dir, path) = copy_with_mode("rsa2048-pkcs8.pem", mode);
            match PrivateKey::from_pem_file(&path, FilePermissions::Strict) {
                Err(KeyError::InsecurePermissions { mode: found, .. }) => assert_eq!(found, mode),
                other => panic!("mode {mode:o}: want InsecurePermissions, got {other:?}"),
            }
            assert_eq!(ovo_sign::insecure_mode(&path).unwrap(), Some(mode));
        }
    }

    #[test]
    fn the_explicit_opt_out_reads_a_loose_file() {
        let (_dir, path) = copy_with_mode("rsa2048-pkcs1.pem", 0o644);
        let key = PrivateKey::from_pem_file(&path, FilePermissions::AllowInsecure).unwrap();
        assert_eq!(key.bits(), 2048);
    }

    #[test]
    fn secret_files_follow_the_same_rule_and_drop_one_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.txt");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            ClientSecret::from_file(&path, FilePermissions::Strict),
            Err(KeyError::InsecurePermissions { .. })
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let secret = ClientSecret::from_file(&path, FilePermissions::Strict).unwrap();
        assert_eq!(secret.expose(), b"s3cret");
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(
            ClientSecret::from_file(&path, FilePermissions::Strict),
            Err(KeyError::EmptySecret)
        ));
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_the_path() {
        match PrivateKey::from_pem_file(Path::new("/nonexistent/key.pem"), FilePermissions::Strict)
        {
            Err(error @ KeyError::Io { .. }) => {
                assert!(error.to_string().contains("/nonexistent/key.pem"))
            }
            other => panic!("want Io, got {other:?}"),
        }
    }
}
