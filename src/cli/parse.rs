//! The command line parsed, with clap's errors said the way every other error is: one line,
//! `chronicle: ` first (main adds it), exit 2. Help and version go out as clap writes them.

use clap::Parser;
use clap::error::ErrorKind;

use super::args::Cli;
use super::ctx::{Failure, exit};

/// Characters of an argument error kept: a hostile argument is not echoed whole.
const ERROR_CHARS: usize = 200;

/// What the command line asked for.
pub enum Parsed {
    /// A command to run.
    Run(Box<Cli>),
    /// Help or the version, already written; the process ends with this code.
    Shown(u8),
}

/// Parses `args` (the program name first).
pub fn parse<I, T>(args: I) -> Result<Parsed, Failure>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(Parsed::Run(Box::new(cli))),
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                let _ = e.print();
                Ok(Parsed::Shown(exit::OK))
            }
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                Ok(Parsed::Shown(exit::USAGE))
            }
            _ => Err(Failure::usage(one_line(&e))),
        },
    }
}

/// clap's message without its `error: ` label, tips and usage block, escaped and cut short,
/// with where to look next.
fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let mut line: String = crate::text::printable(first)
        .chars()
        .take(ERROR_CHARS)
        .collect();
    if crate::text::printable(first).chars().count() > ERROR_CHARS {
        line.push('…');
    }
    format!("{line} (chronicle --help lists the arguments)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(args: &[&str]) -> String {
        let mut all = vec!["chronicle"];
        all.extend(args);
        match parse(all) {
            Err(f) => {
                assert_eq!(f.code, exit::USAGE, "{args:?}");
                f.message
            }
            Ok(_) => panic!("{args:?} parsed"),
        }
    }

    #[test]
    fn argument_errors_are_one_short_line() {
        for args in [
            &["--no-such-flag"][..],
            &["order", "show"],
            &["--snapshot-every", "abc", "check"],
            &["no-such-command"],
            &["order", "list", "--limit", "-3"],
            &["check", "--order"],
        ] {
            let m = refused(args);
            assert!(!m.contains('\n'), "{args:?}: {m}");
            assert!(!m.starts_with("error"), "{args:?}: {m}");
            assert!(m.ends_with("(chronicle --help lists the arguments)"), "{m}");
        }
        let hostile = format!("--{}\u{1b}[2J", "x".repeat(100_000));
        let m = refused(&[hostile.as_str()]);
        assert!(m.len() < 400, "{} bytes", m.len());
        assert!(!m.contains('\u{1b}'), "{m}");
    }
}
