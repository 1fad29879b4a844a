//! The PEM key loaders and both timestamp parsers on arbitrary input: typed errors, never a
//! panic; a parsed timestamp formats back to the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ovo_sign::PrivateKey::from_pem(data);
    let _ = ovo_sign::PublicKey::from_pem(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(at) = ovo_sign::parse_snap_timestamp(text) {
            let again = ovo_sign::SnapTimestampFormat::OVO
                .format(at)
                .expect("formats");
            let back = ovo_sign::parse_snap_timestamp(&again).expect("parses");
            assert_eq!(
                back,
                at.replace_nanosecond(at.millisecond() as u32 * 1_000_000)
                    .unwrap_or(at)
            );
        }
        if let Ok(at) = ovo_sign::parse_doku_timestamp(text) {
            let again = ovo_sign::format_doku_timestamp(at).expect("formats");
            assert_eq!(
                ovo_sign::parse_doku_timestamp(&again).expect("parses"),
                at.replace_nanosecond(0).unwrap_or(at)
            );
        }
    }
});
