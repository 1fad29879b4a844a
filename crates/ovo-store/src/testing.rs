//! PostgreSQL for tests, with no set-up (feature `test-util`).
//!
//! With `OVO_TEST_DATABASE_URL` set, tests use that server. Otherwise the first test that asks
//! starts a throwaway server from the system's binaries (`/usr/lib/postgresql/*/bin/initdb` and
//! `pg_ctl`, run as the `postgres` user when the tests run as root) in a temporary directory, on
//! a free loopback port; the whole test binary shares it. It is removed when the test binary
//! exits, however it exits (a panic, a failed test, even `SIGKILL`): a small watcher process
//! stops it (`pg_ctl stop -m immediate`) and deletes the directory once the test process is gone.
//! Where no PostgreSQL binaries exist, [`database`] fails with a one-line hint: the tests never
//! skip silently.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The password of the throwaway server's `postgres` user (it listens on loopback only).
pub const PASSWORD: &str = "ovo-test";

/// The variable naming an existing server to test against.
pub const URL_VARIABLE: &str = "OVO_TEST_DATABASE_URL";

/// A throwaway PostgreSQL server. Dropping it stops the server and deletes its directory.
#[derive(Debug)]
pub struct TestServer {
    /// `postgres://postgres:ovo-test@127.0.0.1:PORT/postgres`.
    url: String,
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl TestServer {
    /// Starts a server from the system's binaries.
    ///
    /// ```no_run
    /// let server = ovo_store::testing::TestServer::start()?;
    /// assert!(server.url().starts_with("postgres://"));
    /// # Ok::<(), String>(())
    /// ```
    pub fn start() -> Result<Self, String> {
        let bin = find_bin()?;
        let as_postgres = running_as_root();
        let dir = std::env::temp_dir().join(format!(
            "ovo-pg-{}-{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let mut server = Self {
            url: String::new(),
            dir,
            bin,
            as_postgres,
        };
        if as_postgres {
            server.run(
                "chown",
                &["-R", "postgres:postgres", &server.dir_str()],
                false,
            )?;
        }
        let data = server.dir.join("data");
        let data = data.to_string_lossy().into_owned();
        // Loopback logins need the password, so a wrong one is refused as on a real server.
        let pwfile = server.dir.join("pw").to_string_lossy().into_owned();
        std::fs::write(&pwfile, PASSWORD).map_err(|e| format!("writing {pwfile}: {e}"))?;
        if as_postgres {
            server.run("chown", &["postgres:postgres", &pwfile], false)?;
        }
        server.run(
            &server.tool("initdb"),
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile",
                &pwfile,
                "-E",
                "UTF8",
                "--no-sync",
            ],
            true,
        )?;
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                server.dir_str()
            );
            let log = server.dir.join("log").to_string_lossy().into_owned();
            match server.run(
                &server.tool("pg_ctl"),
                &[
                    "-D", &data, "-l", &log, "-w", "-t", "30", "-o", &options, "start",
                ],
                true,
            ) {
                Ok(()) => {
                    server.url =
                        format!("postgres://postgres:{PASSWORD}@127.0.0.1:{port}/postgres");
                    return Ok(server);
                }
                Err(e) => last = e, // the port was taken meanwhile: try another
            }
        }
        Err(last)
    }

    /// The server's URL (database `postgres`, user `postgres`, password [`PASSWORD`]).
    ///
    /// ```no_run
    /// let server = ovo_store::testing::TestServer::start()?;
    /// println!("{}", server.url());
    /// # Ok::<(), String>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    fn dir_str(&self) -> String {
        self.dir.to_string_lossy().into_owned()
    }

    fn tool(&self, name: &str) -> String {
        self.bin.join(name).to_string_lossy().into_owned()
    }

    /// Runs `program args`, as the `postgres` user if `as_server` and running as root.
    fn run(&self, program: &str, args: &[&str], as_server: bool) -> Result<(), String> {
        let mut command = if as_server && self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        let output = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running {program}: {e}"))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Err(format!("{program} failed ({}): {line}", output.status))
    }

    /// Spawns a watcher that stops the server and deletes its directory once this process is
    /// gone (statics are never dropped, and a killed process drops nothing).
    fn watch(&self) -> Result<(), String> {
        let stop = self.stop_command();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}",
            pid = std::process::id()
        );
        // In its own session, so a Ctrl-C to the test run does not stop the watcher too.
        let mut command = if Path::new("/usr/bin/setsid").exists() {
            let mut c = Command::new("/usr/bin/setsid");
            c.arg("sh");
            c
        } else {
            Command::new("sh")
        };
        command
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| format!("starting the PostgreSQL watcher: {e}"))
    }

    fn stop_command(&self) -> String {
        let data = shell_quote(&self.dir.join("data").to_string_lossy());
        let pg_ctl = shell_quote(&self.tool("pg_ctl"));
        let runuser = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!(
            "{runuser}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {}",
            shell_quote(&self.dir_str())
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .args(["-c", &self.stop_command()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

static SEQUENCE: AtomicU32 = AtomicU32::new(0);
static SHARED: OnceLock<Result<String, String>> = OnceLock::new();

/// The URL of the server tests use: `OVO_TEST_DATABASE_URL`, or the throwaway server this test
/// binary shares (started on first use, removed when the binary exits).
///
/// ```no_run
/// let url = ovo_store::testing::server_url()?;
/// # Ok::<(), String>(())
/// ```
pub fn server_url() -> Result<String, String> {
    SHARED
        .get_or_init(|| {
            if let Ok(url) = std::env::var(URL_VARIABLE)
                && !url.is_empty()
            {
                return Ok(url);
            }
            let server = TestServer::start()?;
            server.watch()?;
            let url = server.url.clone();
            // The watcher owns the clean-up from here.
            std::mem::forget(server);
            Ok(url)
        })
        .clone()
}

/// A fresh, empty database on the test server: its URL. Each test gets its own, so tests running
/// at once do not see each other's rows.
///
/// ```no_run
/// # async fn f() -> Result<(), String> {
/// let url = ovo_store::testing::database().await?;
/// # Ok(()) }
/// ```
pub async fn database() -> Result<String, String> {
    use sqlx::Connection as _;

    let server = server_url()?;
    let mut connection = sqlx::PgConnection::connect(&server)
        .await
        .map_err(|e| format!("connecting to the test PostgreSQL server: {e}"))?;
    let name = format!(
        "ovo_test_{}_{}_{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .map_err(|e| format!("creating test database {name}: {e}"))?;
    let _ = connection.close().await;
    replace_database(&server, &name)
}

/// `url` with its database name replaced by `name`.
fn replace_database(url: &str, name: &str) -> Result<String, String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base
        .find("://")
        .map(|i| i + 3)
        .ok_or("test database URL has no scheme")?;
    let rest = base.get(scheme_end..).unwrap_or("");
    let host_end = rest.find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", base.get(..host_end).unwrap_or(base));
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

fn find_bin() -> Result<PathBuf, String> {
    find_bin_in(Path::new("/usr/lib/postgresql"))
}

fn find_bin_in(root: &Path) -> Result<PathBuf, String> {
    const HINT: &str = "PostgreSQL tests need initdb and pg_ctl: install the `postgresql` package \
                        (apt-get install postgresql) or set OVO_TEST_DATABASE_URL";
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|_| HINT.to_owned())?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| HINT.to_owned())
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn without_binaries_the_hint_is_one_line() {
        let empty = std::env::temp_dir().join(format!("ovo-no-pg-{}", std::process::id()));
        std::fs::create_dir_all(empty.join("16/bin")).unwrap();
        let hint = find_bin_in(&empty).unwrap_err();
        std::fs::remove_dir_all(&empty).unwrap();
        assert!(hint.contains("install the `postgresql` package") && !hint.contains('\n'));
        assert!(find_bin_in(Path::new("/nonexistent")).is_err());
    }

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            replace_database("postgres://u:p@h:5/postgres?sslmode=disable", "x").unwrap(),
            "postgres://u:p@h:5/x?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://h", "x").unwrap(),
            "postgres://h/x"
        );
    }
}
