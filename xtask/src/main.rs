//! `cargo xtask`: project tasks for ovo-rs.
//!
//! - `cargo xtask sign SCHEME ...` prints the exact string-to-sign and signature as JSON.
//! - `cargo xtask verify SCHEME ... --signature VALUE` prints `valid` (exit 0) or `invalid` (exit 1).
//!
//! - `cargo xtask sandbox --listen ADDR` runs the local OVO and DOKU provider until killed.
//!
//! Any unusable input (missing file, malformed key, loose key permissions, body that is not JSON)
//! exits 2 with one line on stderr naming the problem. Secrets are read from files, never from
//! arguments.

use std::process::ExitCode;

use clap::Parser;

mod sandbox;
mod signing;

/// ovo-rs project tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
enum Cli {
    /// Sign inputs and show the exact string-to-sign: the signature debugger.
    #[command(subcommand)]
    Sign(signing::SignScheme),
    /// Verify a signature someone sent or received against the same inputs.
    #[command(subcommand)]
    Verify(signing::VerifyScheme),
    /// Run the local OVO and DOKU sandbox until killed.
    Sandbox(sandbox::SandboxArgs),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse() {
        Cli::Sign(scheme) => signing::sign(&scheme),
        Cli::Verify(scheme) => signing::verify(&scheme),
        Cli::Sandbox(args) => sandbox::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::from(2)
        }
    }
}
