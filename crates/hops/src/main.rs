//! `hops`: the command line of the operations platform. See `hops --help`.

mod cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cli::run().await
}
