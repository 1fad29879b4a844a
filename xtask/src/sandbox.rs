//! `cargo xtask sandbox --listen ADDR`: the sandbox as a process.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
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
pub(crate) fn run(args: &SandboxArgs) -> anyhow::Result<ExitCode> {
    if let Some(SandboxCommand::Enroll(enroll)) = &args.command {
        return crate::enroll::run(enroll);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        let config = SandboxConfig {
            state_dir: args.state_dir.clone(),
            control_token: args.control_token.clone(),
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start_with(config, args.listen)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidInput => anyhow::Error::new(e),
                _ => anyhow::Error::new(e).context(format!("cannot listen on {}", args.listen)),
            })?;
        println!("sandbox listening on {}", sandbox.base_url());
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for a signal")?;
        sandbox.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
