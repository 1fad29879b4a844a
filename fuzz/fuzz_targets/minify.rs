//! `ovo_sign::minify` on arbitrary bytes: never panics; its output is a fixed point; on valid
//! JSON, the output is the same document, and it never touches a string literal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(minified) = ovo_sign::minify(data) else {
        return;
    };
    let again = ovo_sign::minify(&minified).expect("minified output minifies");
    assert_eq!(&*again, &*minified, "minify is idempotent");
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) {
        let after: serde_json::Value =
            serde_json::from_slice(&minified).expect("minified JSON is JSON");
        assert_eq!(document, after, "minify changed the document");
    }
});
