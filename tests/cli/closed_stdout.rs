//! A reader that stops reading (`chronicle export | head -2`) ends a streaming command
//! quietly: exit 0, nothing on stderr.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use crate::harness::Chronicle;

/// Runs `args`, reads two lines of its stdout and closes it; returns the exit code and
/// stderr. The output must be far larger than a pipe's buffer (64 KiB on Linux), so the
/// command is still writing when the pipe closes.
fn read_two_lines_and_close(c: &Chronicle, args: &[&str]) -> (Option<i32>, String) {
    let mut child = c
        .command(&c.url(), args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn chronicle");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read a line");
        assert!(line.ends_with('\n'), "{args:?}: {line:?}");
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait for chronicle");
    (status.code(), stderr)
}

#[test]
fn a_closed_stdout_ends_streaming_commands_quietly_with_exit_0() {
    let c = Chronicle::new();
    // About 10,000 events (megabytes of export) and 100 KiB of order list.
    c.ok(&["demo", "--orders", "1000", "--no-tui"]);
    for args in [
        &["export"][..],
        &["order", "list", "--limit", "1000"],
        &["order", "list", "--limit", "1000", "--json"],
    ] {
        let (code, stderr) = read_two_lines_and_close(&c, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
