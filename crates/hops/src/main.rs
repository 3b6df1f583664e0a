//! `hops`: the command line of the operations platform. See `hops --help`.

mod cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    quiet_broken_pipe();
    cli::run().await
}

/// `hops hospital list | head` closes our stdout early; `println!` then panics. End quietly
/// with the status a process killed by SIGPIPE would have, as other command-line tools do.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
        if message.is_some_and(|m| m.contains("failed printing to stdout") && m.contains("Broken pipe")) {
            std::process::exit(141);
        }
        default(info);
    }));
}
