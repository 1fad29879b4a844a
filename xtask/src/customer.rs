//! The customer in OVO's webview, played by a program (against the sandbox) or by a person.

use anyhow::{bail, ensure};

use crate::Plain as _;

/// Completes the sandbox's webview page as a browser would ([`ovo_sandbox::Customer`]: the page,
/// then the OTP and PIN); checks that the page asked for the OTP exactly when `needs_otp`, and
/// returns the URL the webview redirects to.
pub(crate) async fn fill_webview(
    url: &str,
    phone: &str,
    pin: &str,
    needs_otp: bool,
) -> anyhow::Result<String> {
    let done = ovo_sandbox::Customer::new(phone, pin)
        .complete(url)
        .await
        .plain()?;
    ensure!(
        done.asked_for_otp == needs_otp,
        "the webview {} for the OTP",
        if needs_otp { "did not ask" } else { "asked" }
    );
    Ok(done.redirect)
}

/// Asks a person to complete `url` in a browser and paste the URL they land on.
pub(crate) fn ask_person(url: &str) -> anyhow::Result<String> {
    println!(
        "\n    Open this in a browser and complete it:\n    {url}\n    Then paste the URL you land on (your callback URL with ?response=...):"
    );
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!("no callback URL given");
    }
    Ok(line)
}
