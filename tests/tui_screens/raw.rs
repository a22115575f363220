//! The raw view shows an event as it was stored: its keys in their stored order, its long
//! lines split at the overlay's edge and not rewrapped, its control characters escaped.
//! The event is written with the store API, as an older writer or an import would have.

use chronicle::tui::state::{Mode, Overlay};

use super::*;

/// Keys out of sorted order, at both levels: a rewrite through a map would sort them.
const PAYLOAD: &str =
    r#"{"item":{"unit_price":"8","quantity":1,"sku":"ZZ-UNSORTED"},"at":"2026-11-30T12:00:00Z"}"#;

/// Longer than the overlay is wide, without spaces (the screen's text is trimmed at the
/// end of each row), and with a raw ESC: stored text that is not JSON, as found.
fn metadata() -> String {
    format!(
        r#"{{"zeta":"first_though_last_in_order","actor":"raw-test","note":"{}[31m_red","padding":"{}"}}"#,
        '\u{1b}',
        "x".repeat(120)
    )
}

/// Appends the event to the first EUR order that is not a planted fault; returns the
/// order's id and the event's version.
async fn store_unsorted(demo: &Demo) -> (String, u64) {
    let f = &demo.faults;
    let services = Services::new(demo.db.clone(), &Config::default());
    let events = demo.db.events();
    let streams = events.list_streams(None, 40).await.unwrap();
    let mut target = None;
    for s in &streams {
        let faulty = [&f.tampered_order, &f.parked_order, &f.lagging_order].contains(&&s.stream_id);
        let state = services
            .loader
            .load(s.stream_id.parse().unwrap(), None)
            .await;
        if !faulty && state.is_ok_and(|o| o.currency.code() == "EUR") {
            target = Some(s);
            break;
        }
    }
    let target = target.expect("a EUR order without a planted fault");
    demo.append_stored(&target.stream_id, target.version, PAYLOAD, &metadata())
        .await;
    (target.stream_id.clone(), target.version + 1)
}

/// The rows inside the open overlay's border.
fn overlay_rows(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    let title = (area.top()..area.bottom())
        .find_map(|y| {
            (area.left()..area.right())
                .find(|&x| buf[(x, y)].symbol() == "┌" && buf[(x + 2, y)].symbol() == "R")
                .map(|x| (x, y))
        })
        .expect("the overlay's top border");
    let right = (title.0 + 1..area.right())
        .find(|&x| buf[(x, title.1)].symbol() == "┐")
        .expect("its top-right corner");
    let bottom = (title.1 + 1..area.bottom())
        .find(|&y| buf[(title.0, y)].symbol() == "└")
        .expect("its bottom border");
    let inner = Rect::new(
        title.0 + 1,
        title.1 + 1,
        right - title.0 - 1,
        bottom - title.1 - 1,
    );
    text_in(buf, inner).lines().map(str::to_string).collect()
}

#[tokio::test]
async fn raw_event_shows_the_stored_text_in_its_own_key_order() {
    let demo = Demo::new().await;
    let (id, version) = store_unsorted(&demo).await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    open(&mut d, &id).await;
    assert_eq!(d.app.stream.cursor, version);

    // Amounts read in the order's currency: `@ 8.00` in EUR, as `@ 12.50` would.
    let a = panes();
    let buf = render(&d, SIZE);
    // (The stream pane is too narrow for the whole summary at this size.)
    let row = d.app.stream.row(version).expect("the new event's row");
    assert_eq!(row.summary, "ZZ-UNSORTED ×1 @ 8.00");
    assert!(
        line_with(&text_in(&buf, a.state), "ZZ-UNSORTED").contains("×1 @ 8.00 = 8.00"),
        "{}",
        text_in(&buf, a.state)
    );

    d.send(key(KeyCode::Char('e'))).await;
    let Mode::Overlay(Overlay::Raw { lines, .. }) = &d.app.mode else {
        panic!("no raw overlay: {:?}", d.app.mode);
    };
    let all = lines.join("\n");
    let (stored, upcast) = (
        all.find("as stored:").expect("as stored"),
        all.find("as upcast").expect("as upcast"),
    );
    assert!(
        all[stored..upcast].contains(&format!("\n  {PAYLOAD}\n")),
        "the payload as stored, verbatim:\n{all}"
    );

    let buf = render(&d, SIZE);
    let rows = overlay_rows(&buf);
    let row_of = |needle: &str| {
        rows.iter()
            .position(|r| r.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{}", rows.join("\n")))
    };
    // On screen the stored payload keeps its order: item before at, unit_price first.
    assert_eq!(rows[row_of("as stored:") + 1], format!("  {PAYLOAD}"));

    // The metadata as stored: its raw ESC escaped, its long line split at the edge
    // into pieces that join back into the stored text.
    assert!(
        !buf.content.iter().any(|c| c.symbol().contains('\u{1b}')),
        "a raw ESC reached the screen"
    );
    // After its "(not JSON: …)" note.
    let first = row_of(r#"  {"zeta""#);
    assert!(first > row_of("metadata as stored:"));
    let pieces: Vec<&str> = rows[first..]
        .iter()
        .take_while(|r| !r.is_empty())
        .map(String::as_str)
        .collect();
    assert!(pieces.len() >= 2, "one long line split: {pieces:#?}");
    let joined: String = pieces[0].to_string()
        + &pieces[1..]
            .iter()
            .map(|p| {
                p.strip_prefix("  ")
                    .expect("a continuation keeps the indent")
            })
            .collect::<String>();
    assert_eq!(
        joined,
        format!("  {}", chronicle::text::printable(&metadata()))
    );
    assert!(joined.contains(r#"{"zeta":"first_though_last_in_order","actor":"#));
    snapshot(
        "raw_event_as_stored",
        "e on an event stored with unsorted keys and long, non-JSON metadata: both shown as stored, split at the edge, ESC escaped",
        &demo.scrub(&buf),
    );
}
