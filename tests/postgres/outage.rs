//! When the server is not there: an unreachable server, a wrong password and a missing
//! database are one clear line and exit 6 at once, never with the password; a restart in
//! the middle of a session is ridden out by the projector and shown by the debugger, which
//! reconnects.

use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::store::{self, Access};
use chronicle::tui::Driver;
use chronicle::tui::action::Action;
use chronicle::tui::keymap::Keymap;
use chronicle::tui::state::{App, Link};
use chronicle::tui::theme::Theme;
use chronicle::tui::worker::{Deps, Worker};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::{Shop, pg};
use crate::support::{ProjectorProcess, chronicle};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One line on stderr, exit 6, fast, and no password anywhere.
fn assert_one_line_failure(url: &str, password: &str, expect: &str) {
    for args in [&["order", "list"][..], &["projector", "status"], &["check"]] {
        let started = Instant::now();
        let out = chronicle(url, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(
            !stderr.contains(password) && !stdout.contains(password),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn unreachable_servers_wrong_passwords_and_missing_databases_are_one_line() {
    let nobody = format!(
        "postgres://app:hunter2-secret@127.0.0.1:{}/shop",
        free_port()
    );
    assert_one_line_failure(&nobody, "hunter2-secret", "Connection refused");
    let c = pg::cluster();
    let wrong = c.url("postgres").replace(c.password(), "wrong-pass-77");
    assert_one_line_failure(&wrong, "wrong-pass-77", "password authentication failed");
    let missing = c.url("no_such_database_here");
    assert_one_line_failure(&missing, c.password(), "does not exist");
    assert!(
        !c.database_exists("no_such_database_here"),
        "a read created it"
    );
}

/// The server restarts under a running `projector run` and a debugger: the projector says
/// so (not once per attempt in a storm) and carries on; the debugger's header says
/// "disconnected" and recovers on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_is_ridden_out_and_shown() {
    let cluster = tokio::task::spawn_blocking(|| pg::Cluster::start_with(&[]))
        .await
        .unwrap();
    let url = cluster.create_database();
    let db = store::open(&url, Access::CreateIfMissing).await.unwrap();
    let shop = Shop::over(&db);
    shop.workload(6).await;
    let mut projector = ProjectorProcess::start(&url, "100");
    projector.wait_for("leading", 30);

    let services = Services::new(db.clone(), &Config::default());
    let app = App::new(db.url(), false, Keymap::default(), Theme::monochrome());
    let mut tui = Driver::new(app, Worker::new(Deps::new(services, "tester".into())));
    tui.start().await;
    assert_eq!(tui.app.link, Link::Up);

    cluster.stop_now();
    tui.send(Action::Tick).await;
    assert!(matches!(tui.app.link, Link::Down(_)), "{:?}", tui.app.link);
    let mut term = Terminal::new(TestBackend::new(160, 30)).unwrap();
    tui.render(&mut term);
    let header: String = (0..160)
        .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(header.contains("disconnected"), "{header}");
    // Down long enough for the projector to notice and back off a few times.
    tokio::time::sleep(Duration::from_secs(4)).await;
    cluster.start();

    let deadline = Instant::now() + Duration::from_secs(30);
    while tui.app.link != Link::Up {
        assert!(Instant::now() < deadline, "the debugger never reconnected");
        tokio::time::sleep(Duration::from_millis(200)).await;
        tui.send(Action::Tick).await;
    }
    shop.workload(3).await;
    let read_model = db.read_model();
    let events = db.events();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let at = read_model.projector_state().await.unwrap().position;
        if events.count_after(at).await.unwrap() == 0 {
            break;
        }
        if Instant::now() > deadline || projector.exited() {
            projector.kill();
            panic!(
                "the projector did not apply what came after the restart: {:?}",
                projector.drain()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!projector.exited(), "projector run exited");
    projector.kill();
    let said = projector.drain();
    let retries = said.iter().filter(|l| l.contains("retrying in")).count();
    assert!(
        (1..=6).contains(&retries),
        "{retries} retry lines: {said:?}"
    );
    assert!(
        said.iter().any(|l| l.contains("leading")),
        "it leads again: {said:?}"
    );
    assert!(
        !said.iter().any(|l| l.contains(cluster.password())),
        "{said:?}"
    );
}
