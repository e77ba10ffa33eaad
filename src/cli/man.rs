//! The man page, generated from the clap definitions so that it can never drift from `--help`.
//!
//! `man/dialer.1` is this function's output, committed; a test fails when it is stale
//! (regenerate with `DIALER_UPDATE_MAN=1 cargo test --test integration man`).

use clap::CommandFactory;

use super::Cli;

/// Renders the whole man page: the top-level command, then one subsection per subcommand.
pub fn render() -> Vec<u8> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    // Writing into a Vec cannot fail.
    man.render_title(&mut out).expect("render");
    man.render_name_section(&mut out).expect("render");
    man.render_synopsis_section(&mut out).expect("render");
    man.render_description_section(&mut out).expect("render");
    man.render_options_section(&mut out).expect("render");
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_subcommand(&mut out, sub, "dialer");
    }
    out.extend_from_slice(EXTRA.as_bytes());
    out
}

/// One subcommand as `.SS` subsections: clap_mangen's `.SH` headings are demoted so that every
/// subcommand nests under COMMANDS.
fn render_subcommand(out: &mut Vec<u8>, sub: &clap::Command, parent: &str) {
    let full = format!("{parent} {}", sub.get_name());
    out.extend_from_slice(format!(".SS \"{full}\"\n").as_bytes());
    let man = clap_mangen::Man::new(sub.clone().bin_name(full.clone()));
    let mut part = Vec::new();
    man.render_synopsis_section(&mut part).expect("render");
    man.render_description_section(&mut part).expect("render");
    man.render_options_section(&mut part).expect("render");
    for line in String::from_utf8_lossy(&part).lines() {
        // A subcommand's own section headings become plain bold paragraphs inside its .SS.
        let line = match line.strip_prefix(".SH ") {
            Some(title) => format!(".TP\n.B {title}"),
            None => line.to_string(),
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    for nested in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_subcommand(out, nested, &full);
    }
}

/// Sections clap does not know about: exit status, environment, files.
const EXTRA: &str = r#".SH "EXIT STATUS"
.TP
.B 0
Done: every number reached a final state, or the command succeeded.
.TP
.B 1
Runtime failure: no trunk usable, database unwritable.
.TP
.B 2
Usage, configuration or input error: nothing was dialed.
.TP
.B 3
Stopped with work left: calling window closed (\-\-exit\-outside\-window) or \-\-max\-runtime reached.
.TP
.B 130
Interrupted (SIGINT/SIGTERM) after a clean drain.
.SH ENVIRONMENT
.TP
.B DIALER_DB
The database path (as \-\-db).
.TP
.B DIALER_CONFIG
The shared settings file (as \-\-config).
.TP
.B RUST_LOG
Overrides the log filter (default: info, with the SIP stack at warn).
.SH FILES
.TP
.I ./dialer.db
The default SQLite database: campaigns, numbers, attempts (CDRs) and the do-not-call list.
.SH "SEE ALSO"
sqlite3(1), sipp(1)
"#;
