//! The `chronicle` binary.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = chronicle::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chronicle: cannot start the async runtime: {e}");
            return ExitCode::from(chronicle::cli::exit::STORAGE);
        }
    };
    match runtime.block_on(chronicle::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("chronicle: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
