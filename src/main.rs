//! The `chronicle` binary.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = chronicle::cli::Cli::parse();
    // Multi-threaded so the projector's reads, decoding and commits run beside its projection.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
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
