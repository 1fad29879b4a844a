//! `cargo xtask sandbox --listen ADDR`: the sandbox as a process.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ovo_sandbox::{Sandbox, SandboxConfig};

#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    #[command(subcommand)]
    command: Option<SandboxCommand>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Keep the state in this directory across restarts (state.json, mode 0600).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<std::path::PathBuf>,
    /// The secret every control call (`/_sandbox/...`) must carry (`Authorization: Bearer TOKEN`
    /// or `X-Sandbox-Token: TOKEN`); required when `--listen` is not a loopback address.
    #[arg(long, value_name = "TOKEN")]
    control_token: Option<String>,
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Register a partner in a running sandbox and receive its credentials encrypted to your
    /// sharing key, as OVO sends them.
    Enroll(crate::enroll::EnrollArgs),
}

/// Serves until interrupted; prints `sandbox listening on http://ADDR` once ready.
pub(crate) fn run(args: &SandboxArgs) -> Result<ExitCode, String> {
    if let Some(SandboxCommand::Enroll(enroll)) = &args.command {
        return crate::enroll::run(enroll);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let config = SandboxConfig {
            state_dir: args.state_dir.clone(),
            control_token: args.control_token.clone(),
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start_with(config, args.listen)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidInput => e.to_string(),
                _ => format!("cannot listen on {}: {e}", args.listen),
            })?;
        println!("sandbox listening on {}", sandbox.base_url());
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("cannot wait for a signal: {e}"))?;
        sandbox.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
