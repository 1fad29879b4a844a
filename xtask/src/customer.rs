//! The customer in OVO's webview, played by a program (against the sandbox) or by a person.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use ovo_http::{HyperTransport, Transport};

/// Submits the sandbox's webview page the way a browser submits its form (OTP when `needs_otp`,
/// and the PIN); returns the URL the webview redirects to.
pub(crate) async fn fill_webview(
    http: &HyperTransport,
    url: &str,
    phone: &str,
    pin: &str,
    needs_otp: bool,
) -> Result<String, String> {
    let send = |method: &str, target: String, content_type: &str, body: Vec<u8>| {
        let request = http::Request::builder()
            .method(method)
            .uri(target)
            .header("content-type", content_type)
            .body(Bytes::from(body));
        async move {
            let request = request.map_err(|e| e.to_string())?;
            http.send(request, Duration::from_secs(10))
                .await
                .map_err(|e| e.to_string())
        }
    };
    let page = send("GET", url.to_owned(), "text/html", Vec::new()).await?;
    let html = String::from_utf8_lossy(page.body()).into_owned();
    if page.status() != 200 || !html.contains("id=\"pin\"") {
        return Err(format!("the webview page did not load: {html}"));
    }
    if needs_otp && !html.contains("id=\"otp\"") {
        return Err("the webview did not ask for the OTP".into());
    }
    let (origin, query) = url.split_once('?').unwrap_or((url, ""));
    let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair(
        "session",
        params
            .get("token")
            .or_else(|| params.get("session"))
            .map_or("", String::as_str),
    )
    .append_pair(
        "destination",
        params.get("destination").map_or("", String::as_str),
    )
    .append_pair("state", params.get("state").map_or("", String::as_str))
    .append_pair("pin", pin);
    if needs_otp {
        form.append_pair("otp", otp(phone));
    }
    let base = origin.split("/cellblockui/").next().unwrap_or(origin);
    let submitted = send(
        "POST",
        format!("{base}/cellblockui/partner/submit"),
        "application/x-www-form-urlencoded",
        form.finish().into_bytes(),
    )
    .await?;
    match submitted
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
    {
        Some(location) if submitted.status() == 302 => Ok(location.to_owned()),
        _ => Err("the webview did not redirect".into()),
    }
}

/// The OTP in OVO's staging and in the sandbox: the phone's last four digits \[S\].
pub(crate) fn otp(phone: &str) -> &str {
    phone
        .get(phone.len().saturating_sub(4)..)
        .unwrap_or_default()
}

/// Asks a person to complete `url` in a browser and paste the URL they land on.
pub(crate) fn ask_person(url: &str) -> Result<String, String> {
    println!(
        "\n    Open this in a browser and complete it:\n    {url}\n    Then paste the URL you land on (your callback URL with ?response=...):"
    );
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        return Err("no callback URL given".into());
    }
    Ok(line)
}
