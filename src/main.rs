//! The `chronicle` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match chronicle::cli::parse(std::env::args_os()) {
        Ok(chronicle::cli::Parsed::Run(cli)) => *cli,
        Ok(chronicle::cli::Parsed::Shown(code)) => return ExitCode::from(code),
        Err(f) => {
            eprintln!("chronicle: {}", chronicle::text::error_line(&f.message));
            return ExitCode::from(f.code);
        }
    };
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
            eprintln!("chronicle: {}", chronicle::text::error_line(&f.message));
            ExitCode::from(f.code)
        }
    }
}
