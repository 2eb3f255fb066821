use std::process::ExitCode;

use clap::Parser;
use comment_desk::cli::{self, Cli};
use comment_desk::config::Settings;
use comment_desk::telemetry;

#[tokio::main]
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
            ExitCode::FAILURE
        }
    }
}
