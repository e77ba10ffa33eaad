//! The one integration-test binary: each module below drives the real `dialer` binary (or the
//! library) against real files, a real SQLite database and, for calls, real SIP peers.

mod common;

mod audio;
mod campaign_file;
mod campaigns;
mod cli_basics;
mod dnc;
mod dry_run;
mod export;
mod import;
mod ivr;
mod man;
mod numbers;
mod recording;
mod report;
mod run;
mod sim;
mod sip_calls;
mod sip_support;
mod store;
