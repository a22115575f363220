//! Pure tests of the debugger's core: keys, mouse events and worker results go into
//! `update`; the model and the effects it asks the worker for come out. No database, no
//! terminal. Worker results are built by hand, tagged like the request they answer.

mod asof;
mod cursor;
mod find;
mod fork;
mod format;
mod history;
mod input;
mod jobs;
mod live;
mod mouse;
mod normal;
mod overlays;
mod prompt;
mod pure;
mod results;
mod search;
mod selection;
mod status;
mod support;
mod trouble;
