//! Headless Chromium driven through chromedriver's WebDriver HTTP API, for browser tests of the
//! webview pages (and of a merchant's pages around them). Feature `webdriver`; not part of the
//! sandbox proper, and nothing here is needed to use it.
//!
//! For the sandbox's pages and a test shop's only, never a real provider's: to explain a failure
//! on a machine nobody can see, a [`WebDriverError`] shows the page's whole source (which a real
//! webview fills with live tokens and sessions). The URLs in its messages are shown without their
//! query string and fragment, where webview URLs carry their tokens.
//!
//! A browser test is a `harness = false` test target (`[[test]] name = "..." harness = false`)
//! whose `main` runs [`trial`]s: libtest cannot skip a test at run time, so a missing browser
//! would read "passed"; a trial reads "ignored" instead, and fails where `OVO_REQUIRE_BROWSER`
//! is set (CI).
//!
//! ```no_run
//! use ovo_sandbox::webdriver::{Browser, WebDriverError, run, trial};
//!
//! fn main() {
//!     run(vec![trial("the_pin_page", the_pin_page)]);
//! }
//!
//! async fn the_pin_page(browser: Browser) -> Result<(), WebDriverError> {
//!     let session = browser.start().await?; // chromedriver and Chromium, killed on drop
//!     session.open("http://127.0.0.1:8080/...").await?;
//!     session.type_into("#pin", "246810").await?;
//!     session.click("#submit").await?;
//!     session.close().await
//! }
//! ```

use std::fmt::Display;
use std::future::Future;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// The test harness the browser tests run under, re-exported.
pub use libtest_mimic;

/// Where Debian's `chromium` package puts the browser; `OVO_CHROMIUM` overrides it.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Where Debian's `chromium-driver` package puts chromedriver; `OVO_CHROMEDRIVER` overrides it.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Set (to anything) where a missing browser must fail the test rather than skip it: CI.
pub const REQUIRE_VARIABLE: &str = "OVO_REQUIRE_BROWSER";

/// How long an element lookup waits for it to appear (a click on a submit button returns before
/// the next page has loaded).
const WAIT: Duration = Duration::from_secs(10);
/// How long [`Session::wait_for_url`] waits (a redirect through a merchant that calls the
/// provider before answering).
const URL_WAIT: Duration = Duration::from_secs(30);
/// How long one WebDriver command may take (a page load included).
const COMMAND: Duration = Duration::from_secs(60);

/// A test of `name` in the browser: `test` runs on a current-thread Tokio runtime with the
/// [`Browser`] found by [`Browser::find`]. Where Chromium or chromedriver is missing the trial is
/// marked ignored (and fails if run anyway, with `--include-ignored`); where they are missing and
/// `OVO_REQUIRE_BROWSER` is set, it fails. A panic in `test` fails the trial.
pub fn trial<F, Fut, E>(name: impl Into<String>, test: F) -> libtest_mimic::Trial
where
    F: FnOnce(Browser) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    use libtest_mimic::{Failed, Trial};
    match Browser::find() {
        Ok(Some(browser)) => Trial::test(name, move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(test(browser))
                .map_err(|e| Failed::from(e.to_string()))
        }),
        Ok(None) => Trial::test(name, || {
            Err(format!(
                "Chromium or chromedriver is missing ({CHROMIUM}, {CHROMEDRIVER}, or \
                 $OVO_CHROMIUM, $OVO_CHROMEDRIVER): install Debian's chromium and chromium-driver"
            )
            .into())
        })
        .with_ignored_flag(true),
        Err(missing) => Trial::test(name, move || Err(missing.to_string().into())),
    }
}

/// Runs `trials` with the command line's arguments (filters, `--list`, `--ignored`...), then
/// exits with libtest's status: the `main` of a browser test target.
pub fn run(trials: Vec<libtest_mimic::Trial>) -> ! {
    libtest_mimic::run(&libtest_mimic::Arguments::from_args(), trials).exit()
}

/// What went wrong driving the browser; the message says where the browser was when it could.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WebDriverError(String);

impl WebDriverError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// `url` for an error message: without its query string and fragment (a webview's URL carries
/// its token there), marked `?…` where something was cut.
fn shown(url: &str) -> String {
    match url.split_once(['?', '#']) {
        Some((before, _)) => format!("{before}?…"),
        None => url.to_owned(),
    }
}

/// A command's `value` that must be a string.
fn string_value(what: &str, value: Value) -> Result<String, WebDriverError> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(WebDriverError::new(format!(
            "{what}: chromedriver answered {other} instead of a string"
        ))),
    }
}

/// An installed Chromium and chromedriver.
#[derive(Debug, Clone)]
pub struct Browser {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Browser {
    /// The browser at [`CHROMIUM`] and [`CHROMEDRIVER`] (or `$OVO_CHROMIUM` and
    /// `$OVO_CHROMEDRIVER`). `Ok(None)` when either is missing, so the caller reports its test
    /// as ignored; an error instead when [`REQUIRE_VARIABLE`] is set.
    pub fn find() -> Result<Option<Self>, WebDriverError> {
        let path = |variable: &str, default: &str| {
            std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        let browser = Self {
            chromium: path("OVO_CHROMIUM", CHROMIUM),
            chromedriver: path("OVO_CHROMEDRIVER", CHROMEDRIVER),
        };
        if browser.chromium.is_file() && browser.chromedriver.is_file() {
            return Ok(Some(browser));
        }
        if std::env::var_os(REQUIRE_VARIABLE).is_some() {
            return Err(WebDriverError::new(format!(
                "{REQUIRE_VARIABLE} is set but {} or {} is missing (install Debian's chromium \
                 and chromium-driver)",
                browser.chromium.display(),
                browser.chromedriver.display()
            )));
        }
        Ok(None)
    }

    /// Starts chromedriver (in its own process group, with the Chromium it starts) and opens a
    /// headless session with a fresh profile. Dropping the session ends them all.
    pub async fn start(&self) -> Result<Session, WebDriverError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| WebDriverError::new(format!("no free port: {e}")))?
            .port();
        let process = Command::new(&self.chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                WebDriverError::new(format!(
                    "{} does not start: {e}",
                    self.chromedriver.display()
                ))
            })?;
        // Owned by `Driver` at once, so it is killed and waited for on every path.
        let driver = Driver(process);
        let profile = tempfile::Builder::new()
            .prefix("ovo-chromium-")
            .tempdir()
            .map_err(|e| WebDriverError::new(format!("no profile directory: {e}")))?;
        let mut session = Session {
            http: Client::builder(TokioExecutor::new()).build_http(),
            base: format!("http://127.0.0.1:{port}"),
            url: String::new(),
            _driver: driver,
            profile,
        };
        session.wait_until_ready().await?;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": self.chromium, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                format!("--user-data-dir={}", session.profile.path().display()),
            ]},
        }}});
        let created = session
            .command(
                Method::POST,
                &format!("{}/session", session.base),
                capabilities,
            )
            .await?;
        let id = created["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError::new(format!("no session id in {created}")))?;
        session.url = format!("{}/session/{id}", session.base);
        // An implicit wait makes every element lookup wait for the element (the next page)
        // instead of racing the navigation a click started.
        session
            .session_command(
                Method::POST,
                "/timeouts",
                json!({"implicit": WAIT.as_millis() as u64, "pageLoad": 30_000}),
            )
            .await?;
        Ok(session)
    }
}

/// chromedriver's process; its process group (chromedriver and its Chromium) is killed on drop.
#[derive(Debug)]
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // Also when the test failed before closing its session: kill the whole group.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", self.0.id()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A WebDriver session in headless Chromium. Dropping it ends chromedriver and Chromium and
/// removes the profile.
#[derive(Debug)]
pub struct Session {
    http: Client<HttpConnector, Full<Bytes>>,
    /// chromedriver's base URL.
    base: String,
    /// This session's URL (`{base}/session/{id}`).
    url: String,
    _driver: Driver,
    profile: tempfile::TempDir,
}

impl Session {
    async fn wait_until_ready(&self) -> Result<(), WebDriverError> {
        let url = format!("{}/status", self.base);
        for _ in 0..100 {
            if let Ok((_, answer)) = self.send(Method::GET, &url, &Value::Null).await
                && answer["value"]["ready"] == true
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(WebDriverError::new("chromedriver did not become ready"))
    }

    /// One HTTP exchange with chromedriver: whether it succeeded, and the JSON answer.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: &Value,
    ) -> Result<(bool, Value), WebDriverError> {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(body).map_err(|e| WebDriverError::new(e.to_string()))?
        };
        let request = Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| WebDriverError::new(format!("{url}: {e}")))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            // Every WebDriver answer, success or error, is JSON with a `value`.
            let answer: Value = serde_json::from_slice(&body)
                .map_err(|e| format!("{status}, not a WebDriver answer ({e})"))?;
            Ok::<_, String>((status.is_success(), answer))
        };
        tokio::time::timeout(COMMAND, exchange)
            .await
            .map_err(|_| WebDriverError::new(format!("WebDriver {url}: no answer in {COMMAND:?}")))?
            .map_err(|e| WebDriverError::new(format!("WebDriver {url}: {e}")))
    }

    /// One WebDriver command: its `value`, or an error with chromedriver's message.
    async fn command(
        &self,
        method: Method,
        url: &str,
        body: Value,
    ) -> Result<Value, WebDriverError> {
        match self.send(method, url, &body).await? {
            (true, Value::Object(mut answer)) if answer.contains_key("value") => {
                Ok(answer.remove("value").unwrap_or(Value::Null))
            }
            (true, answer) => Err(WebDriverError::new(format!(
                "WebDriver {url}: no value in {answer}"
            ))),
            (false, answer) => Err(WebDriverError::new(format!(
                "WebDriver {url}: {}",
                answer["value"]["message"]
            ))),
        }
    }

    /// A command on this session (`path` after `/session/{id}`).
    async fn session_command(
        &self,
        method: Method,
        path: &str,
        body: Value,
    ) -> Result<Value, WebDriverError> {
        self.command(method, &format!("{}{path}", self.url), body)
            .await
    }

    /// Loads `url`, waiting for the page to load.
    pub async fn open(&self, url: &str) -> Result<(), WebDriverError> {
        self.session_command(Method::POST, "/url", json!({ "url": url }))
            .await
            .map(drop)
    }

    /// The URL the browser is at.
    pub async fn current_url(&self) -> Result<String, WebDriverError> {
        let url = self
            .session_command(Method::GET, "/url", Value::Null)
            .await?;
        url.as_str()
            .map(str::to_owned)
            .ok_or_else(|| WebDriverError::new(format!("not a URL: {url}")))
    }

    /// The current page's HTML.
    pub async fn source(&self) -> Result<String, WebDriverError> {
        let source = self
            .session_command(Method::GET, "/source", Value::Null)
            .await?;
        string_value("the page's source", source)
    }

    /// The id of the first element matching `css`, waiting up to 10 s for it to appear. The error
    /// says where the browser is and shows the page, so that a failure on a machine we cannot
    /// see explains itself.
    pub async fn element(&self, css: &str) -> Result<String, WebDriverError> {
        let lookup = json!({"using": "css selector", "value": css});
        match self.session_command(Method::POST, "/element", lookup).await {
            // `{"element-6066-11e4-a52e-4f735a9a8bf3": "<id>"}`
            Ok(found) => found
                .as_object()
                .and_then(|found| found.values().next())
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| WebDriverError::new(format!("{css}: not an element: {found}"))),
            Err(error) => {
                let here = self.where_shown().await;
                let page = self
                    .source()
                    .await
                    .unwrap_or_else(|e| format!("(not read: {e})"));
                Err(WebDriverError::new(format!(
                    "no {css}: {error}\nat {here}\npage: {page}"
                )))
            }
        }
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<(), WebDriverError> {
        let id = self.element(css).await?;
        self.session_command(Method::POST, &format!("/element/{id}/click"), json!({}))
            .await
            .map(drop)
    }

    /// Types `text` into the first element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), WebDriverError> {
        let id = self.element(css).await?;
        let keys = json!({ "text": text });
        self.session_command(Method::POST, &format!("/element/{id}/value"), keys)
            .await
            .map(drop)
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String, WebDriverError> {
        let id = self.element(css).await?;
        let text = self
            .session_command(Method::GET, &format!("/element/{id}/text"), Value::Null)
            .await?;
        string_value(&format!("the text of {css}"), text)
    }

    /// The browser's URL for an error message (without its query), or why it is unknown.
    async fn where_shown(&self) -> String {
        match self.current_url().await {
            Ok(url) => shown(&url),
            Err(error) => format!("(an unknown URL: {error})"),
        }
    }

    /// Waits (up to 30 s) until the browser is at a URL starting with `prefix`; returns it.
    pub async fn wait_for_url(&self, prefix: &str) -> Result<String, WebDriverError> {
        let deadline = tokio::time::Instant::now() + URL_WAIT;
        loop {
            let here = self.current_url().await?;
            if here.starts_with(prefix) {
                return Ok(here);
            }
            if tokio::time::Instant::now() >= deadline {
                let page = self
                    .source()
                    .await
                    .unwrap_or_else(|e| format!("(not read: {e})"));
                return Err(WebDriverError::new(format!(
                    "not at {} after {URL_WAIT:?} but at {}\npage: {page}",
                    shown(prefix),
                    shown(&here)
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 30 s) until the first element matching `css` reads `expected`: after a click
    /// that navigates, the old page may still be there, or the element may not be yet.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Result<(), WebDriverError> {
        let deadline = tokio::time::Instant::now() + URL_WAIT;
        loop {
            let text = self.text(css).await;
            if matches!(&text, Ok(text) if text == expected) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let here = self.where_shown().await;
                return Err(WebDriverError::new(format!(
                    "{css} does not read {expected:?} after {URL_WAIT:?}: {text:?}, at {here}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A PNG screenshot of the page.
    pub async fn screenshot(&self) -> Result<Vec<u8>, WebDriverError> {
        let png = self
            .session_command(Method::GET, "/screenshot", Value::Null)
            .await?;
        base64::engine::general_purpose::STANDARD
            .decode(string_value("the screenshot", png)?)
            .map_err(|e| WebDriverError::new(format!("screenshot: {e}")))
    }

    /// Writes a screenshot to `$OVO_SCREENSHOT_DIR/{name}` when that variable is set, to look at
    /// the page as a person does; does nothing otherwise.
    pub async fn save_screenshot(&self, name: &str) -> Result<(), WebDriverError> {
        let Some(dir) = std::env::var_os("OVO_SCREENSHOT_DIR") else {
            return Ok(());
        };
        let png = self.screenshot().await?;
        let path = Path::new(&dir).join(name);
        std::fs::write(&path, png)
            .map_err(|e| WebDriverError::new(format!("{}: {e}", path.display())))
    }

    /// Ends the session (closing Chromium), then chromedriver.
    pub async fn close(self) -> Result<(), WebDriverError> {
        self.session_command(Method::DELETE, "", Value::Null)
            .await
            .map(drop)
    }
}
