//! Places the operator has been and named: the jump list (`ctrl-o` back, `ctrl-n` forward)
//! and the marks (`m` sets one, `'` jumps to one, `d` diffs the cursor against one). Plain
//! data with pure operations; `update::history` says when they change.

use std::collections::BTreeMap;
use std::fmt;

/// Places the jump list keeps; past this the oldest goes.
pub const JUMPS: usize = 100;

/// An order at a version: where a jump left from or went to, or what a mark names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The order.
    pub order: String,
    /// The version in its stream.
    pub version: u64,
}

/// The jump list. It holds the places jumps left from, oldest first. Going back stores the
/// cursor's place as the newest, so going forward again returns to it; while travelling,
/// the place the cursor was taken to is kept up to date with where the cursor is when it
/// leaves (a step after going back is remembered). A new jump while travelling drops the
/// places ahead, as a browser's history does: the list is one path, never a tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jumps {
    places: Vec<Place>,
    /// While travelling, the index of the place the cursor was taken to; `None` when the
    /// cursor is past the newest place (no back since the last jump).
    at: Option<usize>,
}

impl Jumps {
    /// A jump leaves `from` (the cursor's place; `None` when no order is shown): it becomes
    /// the newest place, and whatever lay ahead of a travel is dropped.
    pub fn jump(&mut self, from: Option<Place>) {
        if let Some(i) = self.at.take() {
            // `i` is the cursor's own place, stale: `from` replaces it.
            self.places.truncate(i);
        }
        if let Some(p) = from {
            self.push(p);
        }
    }

    /// The place before the cursor's, if any: the cursor is to go there. `live` is where
    /// the cursor is now. Places equal to it are passed over, so a key never does nothing
    /// while an earlier place exists.
    pub fn back(&mut self, live: Option<Place>) -> Option<Place> {
        let here = self.here(live.as_ref());
        let target = (0..here)
            .rev()
            .find(|&j| live.as_ref() != Some(&self.places[j]))?;
        let mut target = target;
        if let Some(p) = live {
            if here == self.places.len() {
                self.places.push(p);
                if self.places.len() > JUMPS {
                    self.places.remove(0);
                    target -= 1;
                }
            } else {
                self.places[here] = p;
            }
        }
        self.at = Some(target);
        Some(self.places[target].clone())
    }

    /// The place after the cursor's, when travelling: the cursor is to go there.
    pub fn forward(&mut self, live: Option<Place>) -> Option<Place> {
        let here = self.at?;
        let target =
            (here + 1..self.places.len()).find(|&j| live.as_ref() != Some(&self.places[j]))?;
        if let Some(p) = live {
            self.places[here] = p;
        }
        self.at = Some(target);
        Some(self.places[target].clone())
    }

    /// The places held, oldest first.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Where the cursor is in the list: its index while travelling; else past the newest
    /// place, or on it when the cursor is still there.
    fn here(&self, live: Option<&Place>) -> usize {
        match self.at {
            Some(i) => i,
            None if live.is_some() && self.places.last() == live => self.places.len() - 1,
            None => self.places.len(),
        }
    }

    /// Adds the newest place, unless it is the newest already; the oldest goes past
    /// [`JUMPS`].
    fn push(&mut self, p: Place) {
        if self.places.last() == Some(&p) {
            return;
        }
        self.places.push(p);
        if self.places.len() > JUMPS {
            self.places.remove(0);
        }
    }
}

/// A mark's name: a letter `a`–`z`, as in vim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark(char);

impl Mark {
    /// The mark a key names, if it is a letter `a`–`z`.
    pub fn new(c: char) -> Option<Mark> {
        c.is_ascii_lowercase().then_some(Mark(c))
    }

    /// Its letter.
    pub fn letter(self) -> char {
        self.0
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The marks set, each on an order at a version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks(BTreeMap<Mark, Place>);

impl Marks {
    /// Sets `mark` on `place`, replacing where it was.
    pub fn set(&mut self, mark: Mark, place: Place) {
        self.0.insert(mark, place);
    }

    /// Where `mark` is, if set.
    pub fn get(&self, mark: Mark) -> Option<&Place> {
        self.0.get(&mark)
    }

    /// The first mark (in letter order) on a version of an order: the stream pane shows it.
    pub fn on(&self, order: &str, version: u64) -> Option<Mark> {
        self.0
            .iter()
            .find(|(_, p)| p.order == order && p.version == version)
            .map(|(m, _)| *m)
    }

    /// The marks on an order, in letter order.
    pub fn of<'a>(&'a self, order: &'a str) -> impl Iterator<Item = (Mark, u64)> + 'a {
        self.0
            .iter()
            .filter(move |(_, p)| p.order == order)
            .map(|(m, p)| (*m, p.version))
    }
}

/// What a mark key waits for a letter to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkOp {
    /// `m`: mark the cursor's version.
    Set,
    /// `'`: jump to the mark.
    Jump,
    /// `d`: compare the state at the cursor with the state at the mark.
    Diff,
}

/// What the state pane compares the cursor's state with instead of the version before it:
/// a mark on the open order, at the version it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base {
    /// The mark.
    pub mark: Mark,
    /// Its version.
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(order: &str, version: u64) -> Place {
        Place {
            order: order.into(),
            version,
        }
    }

    #[test]
    fn back_then_forward_returns_to_where_the_cursor_was() {
        let mut j = Jumps::default();
        j.jump(Some(at("a", 3)));
        assert_eq!(j.back(Some(at("b", 7))), Some(at("a", 3)));
        assert_eq!(j.back(Some(at("a", 3))), None, "nothing earlier");
        // A step after going back is where forward comes back from.
        assert_eq!(j.forward(Some(at("a", 4))), Some(at("b", 7)));
        assert_eq!(j.forward(Some(at("b", 7))), None, "nothing later");
        assert_eq!(j.back(Some(at("b", 8))), Some(at("a", 4)));
    }

    #[test]
    fn a_jump_after_going_back_drops_the_places_ahead() {
        let mut j = Jumps::default();
        j.jump(Some(at("a", 1)));
        j.jump(Some(at("b", 2)));
        assert_eq!(j.back(Some(at("c", 3))), Some(at("b", 2)));
        assert_eq!(j.back(Some(at("b", 2))), Some(at("a", 1)));
        j.jump(Some(at("a", 5)));
        assert_eq!(j.places(), [at("a", 5)]);
        assert_eq!(j.forward(Some(at("d", 1))), None);
        assert_eq!(j.back(Some(at("d", 1))), Some(at("a", 5)));
    }

    #[test]
    fn the_list_keeps_the_newest_hundred_and_no_repeats() {
        let mut j = Jumps::default();
        for v in 1..=150 {
            j.jump(Some(at("a", v)));
            j.jump(Some(at("a", v)));
        }
        assert_eq!(j.places().len(), JUMPS);
        assert_eq!(j.places()[0], at("a", 51));
        assert_eq!(j.back(Some(at("b", 1))), Some(at("a", 150)));
        assert_eq!(j.places().len(), JUMPS);
    }

    #[test]
    fn marks_are_letters_and_name_a_place() {
        assert_eq!(Mark::new('A'), None);
        assert_eq!(Mark::new('1'), None);
        let (a, b) = (Mark::new('a').unwrap(), Mark::new('b').unwrap());
        let mut m = Marks::default();
        m.set(b, at("x", 2));
        m.set(a, at("x", 2));
        assert_eq!(m.on("x", 2), Some(a));
        assert_eq!(m.on("y", 2), None);
        m.set(a, at("y", 1));
        assert_eq!(m.get(a), Some(&at("y", 1)));
        assert_eq!(m.of("x").collect::<Vec<_>>(), [(b, 2)]);
    }
}
