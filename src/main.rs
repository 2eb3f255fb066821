use std::process::ExitCode;

use clap::Parser;
use comment_desk::cli::{self, Cli};
use comment_desk::config::Settings;
use comment_desk::telemetry;

// Many small allocations per request (headers, JSON, text); mimalloc spends
// less time on them than the system allocator (see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = telemetry::init(std::io::stdout) {
        eprintln!("{error}");
        return ExitCode::from(2);
    }
    match cli::run(cli, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            // A file that is not its format is the caller's mistake, like bad configuration.
            if error.is::<comment_desk::transfer::BadFile>() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
