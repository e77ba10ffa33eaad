//! The only clock reads in the program.
//!
//! The core takes time as an argument (ARCHITECTURE.md principle 2); the edge calls these
//! functions once per input and passes the value down. Tests pass fixed timestamps instead.

/// The current wall-clock time as a UTC timestamp.
#[allow(clippy::disallowed_methods)] // this is the one sanctioned clock read
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// A monotonic instant, for measuring elapsed time and pacing.
#[allow(clippy::disallowed_methods)] // this is the one sanctioned clock read
pub fn instant() -> std::time::Instant {
    std::time::Instant::now()
}
