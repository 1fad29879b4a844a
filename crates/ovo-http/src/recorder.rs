//! Recording exchanges in cURL form, with every header: the evidence BI's functional test asks
//! partners to file \[S\].
//!
//! **The records contain credentials** (`Authorization`, signatures): record only on purpose, for
//! staging or the sandbox, and keep the files private. [`FileSink`] creates its file with mode 0600.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use crate::transport::{Transport, TransportError};

/// One request and what came back.
#[derive(Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request as a `curl` command line.
    pub request: String,
    /// The response as status line, headers, blank line, body; or the transport error.
    pub response: String,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exchange([redacted: holds credentials])")
    }
}

/// Where recorded exchanges go.
pub trait ExchangeSink: Send + Sync {
    /// Keeps one exchange.
    fn record(&self, exchange: Exchange);
}

/// Keeps exchanges in memory.
#[derive(Debug, Default)]
pub struct MemorySink {
    exchanges: Mutex<Vec<Exchange>>,
}

impl MemorySink {
    /// Everything recorded so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl ExchangeSink for MemorySink {
    fn record(&self, exchange: Exchange) {
        if let Ok(mut exchanges) = self.exchanges.lock() {
            exchanges.push(exchange);
        }
    }
}

/// Appends exchanges to a file created with mode 0600.
#[derive(Debug)]
pub struct FileSink {
    file: Mutex<File>,
}

impl FileSink {
    /// Creates (or truncates) `path`, readable by its owner only. The mode of a new file is 0600
    /// from its creation; an existing file is tightened to 0600 before anything is written, and
    /// refused if that fails (it is not ours to loosen). A symlink is not followed.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::unix::fs::PermissionsExt as _;
    /// let dir = std::env::temp_dir().join(format!("ovo-filesink-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("evidence.txt");
    /// std::fs::write(&path, "old")?;
    /// std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
    /// let _sink = ovo_http::FileSink::create(&path)?;
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
    /// std::fs::remove_dir_all(&dir)?;
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = file.metadata()?.permissions().mode() & 0o777;
            if mode != 0o600 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
        }
        // Truncated only once it is private: the old content is not readable by others either.
        file.set_len(0)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }
}

impl ExchangeSink for FileSink {
    fn record(&self, exchange: Exchange) {
        if let Ok(mut file) = self.file.lock() {
            let _ = writeln!(
                file,
                "Request:\n{}\n\nResponse:\n{}\n",
                exchange.request, exchange.response
            );
        }
    }
}

/// A transport that records every exchange of the transport it wraps.
pub struct RecordingTransport<T> {
    inner: T,
    sink: Arc<dyn ExchangeSink>,
}

impl<T> std::fmt::Debug for RecordingTransport<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordingTransport")
    }
}

impl<T: Transport> RecordingTransport<T> {
    /// Records `inner`'s exchanges into `sink`.
    pub fn new(inner: T, sink: Arc<dyn ExchangeSink>) -> Self {
        Self { inner, sink }
    }
}

impl<T: Transport> Transport for RecordingTransport<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let curl = to_curl(&request);
        let result = self.inner.send(request, deadline).await;
        let response = match &result {
            Ok(response) => describe(response),
            Err(error) => format!("(no response: {error})"),
        };
        self.sink.record(Exchange {
            request: curl,
            response,
        });
        result
    }
}

/// Quotes for a POSIX shell: `'...'`, with `'` written as `'\''`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A request as a `curl` command line, every header included.
///
/// ```
/// let request = http::Request::post("https://apigw.ovo.id/OVOSNAP/v2.0/debit/status")
///     .header("X-TIMESTAMP", "2024-01-01T07:00:00.000+07:00")
///     .body(bytes::Bytes::from_static(br#"{"note":"it's"}"#))?;
/// assert_eq!(
///     ovo_http::to_curl(&request),
///     "curl -X POST 'https://apigw.ovo.id/OVOSNAP/v2.0/debit/status' \\\n  -H 'x-timestamp: 2024-01-01T07:00:00.000+07:00' \\\n  --data-raw '{\"note\":\"it'\\''s\"}'"
/// );
/// # Ok::<(), http::Error>(())
/// ```
pub fn to_curl(request: &http::Request<Bytes>) -> String {
    let mut lines = vec![format!(
        "curl -X {} {}",
        request.method(),
        quote(&request.uri().to_string())
    )];
    for (name, value) in request.headers() {
        lines.push(format!(
            "  -H {}",
            quote(&format!(
                "{name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ))
        ));
    }
    if !request.body().is_empty() {
        lines.push(format!(
            "  --data-raw {}",
            quote(&String::from_utf8_lossy(request.body()))
        ));
    }
    lines.join(" \\\n")
}

fn describe(response: &http::Response<Bytes>) -> String {
    let mut text = format!("HTTP/1.1 {}\n", response.status());
    for (name, value) in response.headers() {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(response.body()));
    text
}
