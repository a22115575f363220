//! Comparing at another version, on the seeded database through the real worker: the state
//! pane against a mark (`d` then its letter), and a lagging row compared with the replay at
//! its own version, its unapplied events listed after it. Each at the sizes terminals come
//! in.

use chronicle::app::divergence::Class;
use chronicle::tui::fields::Change;
use chronicle::tui::state::Mark;

use super::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

async fn sized(demo: &Demo, size: (u16, u16)) -> Driver {
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(Action::Resize(size.0, size.1)).await;
    d
}

fn areas_of(size: (u16, u16)) -> Areas {
    areas(size.0, size.1).expect("large enough")
}

#[tokio::test]
async fn the_state_pane_compares_the_cursor_with_a_mark() {
    let demo = Demo::new().await;
    for size in SIZES {
        let mut d = sized(&demo, size).await;
        let id = in_sync_order(&d);
        open(&mut d, &id).await;
        d.send(key(KeyCode::Tab)).await;
        // Mark v1, go to the head, compare with the mark.
        keys(&mut d, "gmaGda").await;
        let head = d.app.stream.head;
        let base = d.app.state.base.expect("compared with the mark");
        assert_eq!((base.mark, base.version), (Mark::new('a').unwrap(), 1));
        assert!(
            d.app.state.fields.iter().any(|f| f.change != Change::Same),
            "v1 → v{head} changed something: {:?}",
            d.app.state.fields
        );
        let buf = render(&d, size);
        let a = areas_of(size);
        let state = text_in(&buf, a.state);
        assert!(
            state.contains(&format!("State v{head} vs mark a v1")),
            "{state}"
        );
        let stream = text_in(&buf, a.stream);
        assert!(
            line_with(&stream, "OrderCreated").starts_with("│ a 1 "),
            "the mark's letter on its row:\n{stream}"
        );
        snapshot(
            &format!("state_vs_mark_{}x{}", size.0, size.1),
            "g m a G d a: the state at the head against mark a at v1, every field changed since marked ~ + -; the mark's letter on the v1 row",
            &demo.scrub(&buf),
        );
    }
}

#[tokio::test]
async fn a_lagging_row_is_compared_at_its_own_version_with_its_unapplied_events() {
    let demo = Demo::new().await;
    for size in SIZES {
        let mut d = sized(&demo, size).await;
        open(&mut d, &demo.faults.lagging_order).await;
        d.send(key(KeyCode::Tab)).await;
        d.send(key(KeyCode::Tab)).await;
        let dv = &d.app.divergence;
        assert_eq!(dv.class, Some(Class::Lagging));
        let row = dv.row_version.expect("a row") as u64;
        assert_eq!(dv.compared_at, Some(row), "at the row's own version");
        assert!(
            dv.fields.is_empty(),
            "right as far as it goes: {:?}",
            dv.fields
        );
        let lag = demo.faults.lag_events;
        let unapplied: Vec<u64> = dv.unapplied.iter().map(|e| e.version).collect();
        assert_eq!(unapplied, (row + 1..=row + lag).collect::<Vec<_>>());
        let buf = render(&d, size);
        let pane = text_in(&buf, areas_of(size).divergence);
        assert!(
            pane.contains(&format!(
                "row v{row} = replay v{row} · stream v{}",
                row + lag
            )),
            "{pane}"
        );
        assert!(
            pane.contains(&format!("v{} OrderCancelled", row + lag)),
            "{pane}"
        );
        snapshot(
            &format!("lagging_row_{}x{}", size.0, size.1),
            "the planted lagging order: the row compared with the replay at its own version, then its unapplied events by version and type",
            &demo.scrub(&buf),
        );
    }
}
