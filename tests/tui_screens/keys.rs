//! Keys against a real database: stream search goes round the ends of the stream and says
//! so on the message line, and each pane's footer names its own keys.

use chronicle::tui::state::Pane;

use super::*;

/// The message line of the current screen.
fn message_line(d: &Driver) -> String {
    text_in(&render(d, SIZE), panes().prompt).trim().to_string()
}

/// Types a search from the stream pane (over the last one, which `/` offers again).
async fn search(d: &mut Driver, needle: &str) {
    d.send(key(KeyCode::Char('/'))).await;
    let clear = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    d.send(Action::Key(clear)).await;
    keys(d, needle).await;
    d.send(key(KeyCode::Enter)).await;
}

#[tokio::test]
async fn search_wraps_round_both_ends_and_says_so() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(key(KeyCode::Tab)).await;
    assert_eq!(d.app.focus, Pane::Stream);
    let head = d.app.stream.head;
    assert_eq!(d.app.stream.cursor, head, "the cursor opens on the head");
    let added: Vec<u64> = d
        .app
        .stream
        .window
        .iter()
        .filter(|r| r.event_type == "ItemAdded")
        .map(|r| r.version)
        .collect();
    assert!(
        added.len() >= 2 && added[added.len() - 1] < head,
        "{added:?}"
    );

    // The first search from the head finds the first match, from the top.
    search(&mut d, "itemadded").await;
    assert_eq!(d.app.stream.cursor, added[0]);
    assert_eq!(
        message_line(&d),
        format!("search wrapped to the top: v{}", added[0])
    );
    // On through the matches, saying nothing while it does not wrap.
    for &v in &added[1..] {
        d.send(key(KeyCode::Char('n'))).await;
        assert_eq!((d.app.stream.cursor, message_line(&d)), (v, String::new()));
    }
    d.send(key(KeyCode::Char('n'))).await;
    assert_eq!(d.app.stream.cursor, added[0]);
    assert!(message_line(&d).starts_with("search wrapped to the top"));
    // N from the first match goes round to the last.
    d.send(key(KeyCode::Char('N'))).await;
    let last = added[added.len() - 1];
    assert_eq!(d.app.stream.cursor, last);
    assert_eq!(
        message_line(&d),
        format!("search wrapped to the bottom: v{last}")
    );

    // One match: n says it is the only one, and stays.
    let paid = d
        .app
        .stream
        .window
        .iter()
        .filter(|r| r.event_type == "OrderPaid")
        .map(|r| r.version)
        .collect::<Vec<_>>();
    let [paid] = paid[..] else {
        panic!("one OrderPaid: {paid:?}");
    };
    search(&mut d, "orderpaid").await;
    assert_eq!(d.app.stream.cursor, paid);
    d.send(key(KeyCode::Char('n'))).await;
    assert_eq!(d.app.stream.cursor, paid);
    assert_eq!(
        message_line(&d),
        format!("only match: v{paid} is the one event with /orderpaid")
    );

    // Nothing anywhere: the cursor stays and the line says what was looked for.
    search(&mut d, "no-such-text").await;
    assert_eq!(d.app.stream.cursor, paid);
    assert_eq!(message_line(&d), "no match: no event holds /no-such-text");
    // The next search's success ends the no-match line.
    search(&mut d, "orderpaid").await;
    assert_eq!(
        message_line(&d),
        format!("only match: v{paid} is the one event with /orderpaid")
    );
    search(&mut d, "itemadded").await;
    assert_eq!(d.app.stream.cursor, added[0]);
    assert!(
        message_line(&d).starts_with("search wrapped"),
        "{}",
        message_line(&d)
    );
}

#[tokio::test]
async fn each_pane_shows_its_own_footer() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let mut seen = Vec::new();
    for pane in [Pane::Orders, Pane::Stream, Pane::State, Pane::Divergence] {
        while d.app.focus != pane {
            d.send(key(KeyCode::Tab)).await;
        }
        let footer = text_in(&render(&d, SIZE), panes().footer)
            .trim()
            .to_string();
        let want: Vec<String> = d
            .app
            .keymap
            .footer(pane)
            .into_iter()
            .map(|(keys, what)| format!("{keys} {what}"))
            .collect();
        assert_eq!(footer, want.join(" "), "{pane:?}");
        assert!(
            !seen.contains(&footer),
            "{pane:?} repeats a footer: {footer}"
        );
        seen.push(footer);
    }
    // The divergence pane names its Enter.
    assert!(seen[3].starts_with("Enter parting event"), "{}", seen[3]);
}
