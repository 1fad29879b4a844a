//! `cargo xtask`: project tasks for ovo-rs.
//!
//! - `cargo xtask demo` runs the full lifecycle against the embedded sandbox.
//! - `cargo xtask sign SCHEME ...` prints the exact string-to-sign and signature as JSON.
//! - `cargo xtask verify SCHEME ... --signature VALUE` prints `valid` (exit 0) or `invalid` (exit 1).
//!
//! - `cargo xtask sandbox --listen ADDR` runs the local OVO and DOKU provider until killed;
//!   `cargo xtask sandbox enroll` registers a partner in it and returns encrypted credentials.
//! - `cargo xtask keygen --out DIR` writes the key pairs OVO asks for.
//! - `cargo xtask decrypt-credentials` decrypts what the provider sent.
//! - `cargo xtask bi-evidence --out DIR` runs BI's 12 devsite scenarios and writes the evidence.
//!
//! Any unusable input (missing file, malformed key, loose key permissions, body that is not JSON)
//! exits 2 with one line on stderr naming the problem. Secrets are read from files, never from
//! arguments.

use std::process::ExitCode;

use clap::Parser;

mod customer;
mod demo;
mod enroll;
mod evidence;
mod keys;
mod sandbox;
mod signing;
mod temporary;

/// Keeps an error's own message and nothing more: the one-line messages xtask has always
/// printed. Some of the crypto crates' errors print their cause inside their message while also
/// returning it from `source()`, which anyhow's `{:#}` would print a second time. (The ovo crates'
/// errors did so too until `tests/tests/errors.rs`; where a chained message is welcome, `?` can
/// now take theirs directly.)
trait Plain<T> {
    /// The error's `Display` text as an [`anyhow::Error`], without its chain of causes.
    fn plain(self) -> anyhow::Result<T>;
}

impl<T, E: std::fmt::Display> Plain<T> for Result<T, E> {
    fn plain(self) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// `cargo xtask`: ovo-rs project tasks (the demo, the signature debugger, key setup, the
/// sandbox, BI's evidence).
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
enum Cli {
    /// Run the full lifecycle (OVO direct and DOKU) through the real client against the
    /// embedded sandbox.
    Demo(demo::DemoArgs),
    /// Sign inputs and show the exact string-to-sign: the signature debugger.
    #[command(subcommand)]
    Sign(signing::SignScheme),
    /// Verify a signature someone sent or received against the same inputs.
    #[command(subcommand)]
    Verify(signing::VerifyScheme),
    /// Run the local OVO and DOKU sandbox until killed (or `enroll` a partner in it).
    Sandbox(sandbox::SandboxArgs),
    /// Generate the signing and credential-sharing key pairs OVO asks for.
    Keygen(keys::KeygenArgs),
    /// Decrypt the credentials the provider encrypted to your sharing key.
    DecryptCredentials(keys::DecryptArgs),
    /// Run BI's 12 devsite scenarios and write the evidence (cURL form) as Markdown and CSV.
    BiEvidence(evidence::EvidenceArgs),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse() {
        Cli::Demo(args) => demo::run(&args),
        Cli::Sign(scheme) => signing::sign(&scheme),
        Cli::Verify(scheme) => signing::verify(&scheme),
        Cli::Sandbox(args) => sandbox::run(&args),
        Cli::Keygen(args) => keys::keygen(&args),
        Cli::DecryptCredentials(args) => keys::decrypt_credentials(&args),
        Cli::BiEvidence(args) => evidence::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(problem) => {
            eprintln!("error: {problem:#}");
            ExitCode::from(2)
        }
    }
}
