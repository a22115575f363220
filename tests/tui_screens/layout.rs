//! The layout at the sizes terminals come in: below 100 columns the orders list spans the
//! screen above the other panes, so its badges and currencies stay whole; wide screens get
//! the customer and version columns; text cut at a pane's edge ends in `…`.

use chronicle::tui::action::Action;
use chronicle::tui::format::badge_text;
use chronicle::tui::format::{truncate, width};
use chronicle::tui::state::App;

use super::*;

/// A started debugger resized to `size`, as a terminal of that size would report it.
async fn sized(demo: &Demo, size: (u16, u16)) -> Driver {
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(Action::Resize(size.0, size.1)).await;
    d
}

fn areas_of(size: (u16, u16)) -> Areas {
    areas(size.0, size.1).expect("large enough")
}

/// The first frame at `size`, as a snapshot.
async fn main_screen(size: (u16, u16), what: &str) {
    let demo = Demo::new().await;
    let d = sized(&demo, size).await;
    let buf = render(&d, size);
    snapshot(
        &format!("layout_main_{}x{}", size.0, size.1),
        what,
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn the_main_screen_at_80x24_stacks_the_list_above_the_panes() {
    main_screen(
        (80, 24),
        "80×24: the orders list spans the screen above stream | state/divergence; badges and currencies whole",
    )
    .await;
}

#[tokio::test]
async fn the_main_screen_at_120x40_has_the_panes_side_by_side() {
    main_screen(
        (120, 40),
        "120×40: the four panes side by side; long stream summaries end in …",
    )
    .await;
}

#[tokio::test]
async fn the_main_screen_at_200x60_adds_columns() {
    main_screen(
        (200, 60),
        "200×60: the list adds the customer and version columns; summaries shown whole",
    )
    .await;
}

/// Every list row on screen holds its badge and its total with the currency, whole.
fn assert_rows_whole(app: &App, buf: &Buffer, size: (u16, u16)) {
    let a = areas_of(size);
    let orders = text_in(buf, a.orders);
    let shown: Vec<_> = app
        .orders
        .rows
        .iter()
        .filter(|r| orders.contains(&r.id[..8]))
        .collect();
    let rows = usize::from(a.orders.height - 2).min(app.orders.rows.len());
    assert_eq!(
        shown.len(),
        rows,
        "every row of the pane lists an order:\n{orders}"
    );
    let mut cut = Vec::new();
    for r in shown {
        let line = line_with(&orders, &r.id[..8]);
        let badge = badge_text(r.class, r.behind);
        if !line.contains(&r.total) || !line.contains(&badge) {
            cut.push(format!("{} / {badge:?} in {line:?}", r.total));
        }
    }
    assert!(
        cut.is_empty(),
        "{}×{}: totals or badges cut: {cut:#?}\n{orders}",
        size.0,
        size.1
    );
}

#[tokio::test]
async fn at_80x16_every_visible_row_shows_its_badge_and_currency() {
    let demo = Demo::new().await;
    for size in [(80, 16), (80, 24), (99, 30), (100, 30), (119, 30)] {
        let mut d = sized(&demo, size).await;
        assert_rows_whole(&d.app, &render(&d, size), size);
        // Further down the list too, where the badged rows are.
        while d.app.focus != Pane::Orders {
            d.send(key(KeyCode::Tab)).await;
        }
        for _ in 0..ORDERS / 2 {
            d.send(key(KeyCode::Char('j'))).await;
            assert_rows_whole(&d.app, &render(&d, size), size);
        }
    }
}

#[tokio::test]
async fn wide_screens_use_their_columns() {
    let demo = Demo::new().await;
    let size = (200, 60);
    let d = sized(&demo, size).await;
    let buf = render(&d, size);
    let orders = text_in(&buf, areas_of(size).orders);
    for r in d.app.orders.rows.iter().take(5) {
        let line = line_with(&orders, &r.id[..8]);
        assert!(line.contains(&r.customer), "customer in {line:?}");
        assert!(
            line.contains(&format!("v{}", r.version)),
            "version in {line:?}"
        );
    }
    // Nothing in the stream pane is cut at this width.
    let stream = text_in(&buf, areas_of(size).stream);
    for r in &d.app.stream.window {
        assert!(
            stream.contains(&format!("{:<14} {}", r.event_type, r.summary)),
            "{:?} whole:\n{stream}",
            r.summary
        );
    }
}

/// A stored timestamp as the divergence pane shows it.
fn tidy(v: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(v).map_or_else(
        |_| v.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// The texts the panes show whole, from the model: a row reaching its pane's edge must end
/// with one of them, be a wrapped piece of one, or end in `…`.
fn sources(app: &App) -> Vec<String> {
    let mut s = Vec::new();
    for r in &app.orders.rows {
        s.extend([
            r.total.clone(),
            badge_text(r.class, r.behind),
            r.customer.clone(),
            format!("v{}", r.version),
        ]);
    }
    for r in &app.stream.window {
        s.extend([r.summary.clone(), r.event_type.clone()]);
    }
    for f in &app.state.fields {
        s.push(f.value.clone());
        if let Some(old) = &f.old {
            s.push(format!("(was {old})"));
        }
    }
    s.extend(app.state.error.clone());
    for f in &app.divergence.fields {
        s.extend([tidy(&f.read_model), tidy(&f.replay)]);
    }
    s.extend(app.divergence.explain.iter().cloned());
    s.extend(app.divergence.error.clone());
    s.retain(|x| !x.trim().is_empty());
    s
}

/// Rows of the panes that reach the right border without ending in `…` or in a whole text.
fn cut_rows(app: &App, buf: &Buffer, size: (u16, u16)) -> Vec<String> {
    let a = areas_of(size);
    let sources = sources(app);
    let mut cut = Vec::new();
    for (name, rect) in [
        ("orders", a.orders),
        ("stream", a.stream),
        ("state", a.state),
        ("divergence", a.divergence),
    ] {
        let inner = Rect::new(rect.x + 1, rect.y + 1, rect.width - 2, rect.height - 2);
        let text = text_in(buf, inner);
        for (y, row) in text.lines().enumerate() {
            let edge = buf[(inner.right() - 1, inner.y + y as u16)].symbol();
            if edge.trim().is_empty() {
                continue;
            }
            let row = row.trim();
            let whole = row.ends_with('…')
                || sources
                    .iter()
                    .any(|s| row.ends_with(s.as_str()) || s.contains(row));
            if !whole {
                cut.push(format!("{name}: {row:?}"));
            }
        }
    }
    // The lines outside the panes: header, prompt, footer.
    for rect in [a.header, a.prompt, a.footer] {
        let edge = buf[(rect.right() - 1, rect.y)].symbol();
        let row = text_in(buf, rect);
        if !edge.trim().is_empty() && !row.trim_end().ends_with('…') {
            cut.push(format!("line: {:?}", row.trim_end()));
        }
    }
    cut
}

#[tokio::test]
async fn no_row_is_cut_without_an_ellipsis_at_80x24() {
    let demo = Demo::new().await;
    let size = (80, 24);
    let f = &demo.faults;
    for id in [
        None,
        Some(f.tampered_order.clone()),
        Some(f.parked_order.clone()),
        Some(f.lagging_order.clone()),
    ] {
        let mut d = sized(&demo, size).await;
        if let Some(id) = &id {
            open(&mut d, id).await;
        }
        let buf = render(&d, size);
        let cut = cut_rows(&d.app, &buf, size);
        assert!(
            cut.is_empty(),
            "rows cut without …: {cut:#?}\n{}",
            demo.scrub(&buf)
        );
    }
}

/// The one helper every pane cuts text with.
#[test]
fn truncate_cuts_to_display_width_and_ends_with_an_ellipsis() {
    // Fits (exactly, or with room to spare): unchanged.
    assert_eq!(truncate("abcdef", 6), "abcdef");
    assert_eq!(truncate("abc", 10), "abc");
    assert_eq!(truncate("", 0), "");
    // Longer: cut, ending in `…`, never wider than the room.
    assert_eq!(truncate("abcdefg", 6), "abcde…");
    assert_eq!(width(&truncate("abcdefg", 6)), 6);
    // Width 0 and 1.
    assert_eq!(truncate("abc", 0), "");
    assert_eq!(truncate("abc", 1), "…");
    assert_eq!(truncate("a", 1), "a");
    // Wide characters count two columns; one that would straddle the edge is left out.
    assert_eq!(width("日本語"), 6);
    assert_eq!(truncate("日本語", 6), "日本語");
    assert_eq!(truncate("日本語", 5), "日本…");
    assert_eq!(truncate("日本語", 4), "日…");
    assert_eq!(width(&truncate("日本語", 4)), 3);
    assert_eq!(truncate("日本語", 1), "…");
    assert_eq!(truncate("a日本", 4), "a日…");
    // Combining marks take no column.
    assert_eq!(truncate("e\u{301}e\u{301}", 2), "e\u{301}e\u{301}");
    // Symbols the badges use.
    assert_eq!(truncate("⚠ diverged", 10), "⚠ diverged");
    assert_eq!(truncate("⚠ diverged", 5), "⚠ di…");
}
