//! Request kinds: the one place that says which requests exist, which of them only the
//! newest matters for, and which run as background jobs. Effects name their kind, results
//! come back tagged with it, and the model keeps the latest tag of each.

use std::ops::{Index, IndexMut};

/// A long job, run beside the worker so stepping, paging and polling go on meanwhile. At
/// most one of each kind runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// The divergence check over every order.
    Check,
    /// A rebuild or a catch-up of the read model: both move the projector's checkpoint, so
    /// they share one slot (two at once would only redo each other's batches).
    Projector,
}

impl JobKind {
    /// Every kind, in slot order.
    pub const ALL: [JobKind; 2] = [JobKind::Check, JobKind::Projector];

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Check => "check",
            JobKind::Projector => "projector",
        }
    }

    fn slot(self) -> usize {
        match self {
            JobKind::Check => 0,
            JobKind::Projector => 1,
        }
    }
}

/// What a request is for: results are applied only when they answer the latest request of
/// their kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Request {
    /// An orders page.
    Orders,
    /// A stream window.
    Stream,
    /// The state at the cursor.
    State,
    /// Read model vs replay of the open order.
    Divergence,
    /// Overlay contents: raw event, correlated events, dead letters.
    Overlay,
    /// Search, time jump, completion, resolve, execute.
    Prompt,
    /// Head poll.
    Head,
    /// A background job.
    Job(JobKind),
}

impl Request {
    /// Requests of this kind supersede each other while queued: the worker drops older
    /// queued ones unrun (holding `→` queues many state loads, one is enough). Prompt,
    /// overlay and job requests each did something the operator asked for, so none is lost.
    pub fn coalesces(self) -> bool {
        matches!(
            self,
            Request::Orders
                | Request::Stream
                | Request::State
                | Request::Divergence
                | Request::Head
        )
    }

    fn slot(self) -> usize {
        match self {
            Request::Orders => 0,
            Request::Stream => 1,
            Request::State => 2,
            Request::Divergence => 3,
            Request::Overlay => 4,
            Request::Prompt => 5,
            Request::Head => 6,
            Request::Job(kind) => 7 + kind.slot(),
        }
    }
}

/// Slots: one per request kind.
const SLOTS: usize = 7 + JobKind::ALL.len();

/// A request's kind and sequence number; a result carries the tag of the request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The kind.
    pub request: Request,
    /// Its number; later requests have larger ones.
    pub seq: u64,
}

/// The latest request sequence of each kind; results carrying an older tag are dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tags([u64; SLOTS]);

impl Tags {
    /// The tag of the latest request of a kind.
    pub fn latest(&self, request: Request) -> Tag {
        Tag {
            request,
            seq: self[request],
        }
    }

    /// Whether `tag` answers the latest request of its kind.
    pub fn is_latest(&self, tag: Tag) -> bool {
        self[tag.request] == tag.seq
    }
}

impl Index<Request> for Tags {
    type Output = u64;

    fn index(&self, request: Request) -> &u64 {
        &self.0[request.slot()]
    }
}

impl IndexMut<Request> for Tags {
    fn index_mut(&mut self, request: Request) -> &mut u64 {
        &mut self.0[request.slot()]
    }
}

/// The jobs running, each with the line the header shows for it (its latest progress).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jobs([Option<String>; JobKind::ALL.len()]);

impl Jobs {
    /// The running jobs' lines, in slot order.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(Option::as_deref)
    }

    /// Whether any job runs.
    pub fn any(&self) -> bool {
        self.0.iter().any(Option::is_some)
    }
}

impl Index<JobKind> for Jobs {
    type Output = Option<String>;

    fn index(&self, kind: JobKind) -> &Option<String> {
        &self.0[kind.slot()]
    }
}

impl IndexMut<JobKind> for Jobs {
    fn index_mut(&mut self, kind: JobKind) -> &mut Option<String> {
        &mut self.0[kind.slot()]
    }
}
