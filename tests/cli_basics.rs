//! The command line itself: help, version, usage errors and their exit codes.

use predicates::prelude::*;

use crate::common::dialer;

#[test]
fn help_lists_the_subcommands() {
    dialer()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("dry-run"));
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    dialer()
        .arg("no-such-command")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-command"));
}

#[test]
fn version_prints_the_package_version() {
    dialer()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_dialer()"),
        ("zsh", "#compdef dialer"),
        ("fish", "complete -c dialer"),
    ] {
        dialer()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker).and(predicate::str::contains("dry-run")));
    }
}

#[test]
fn completions_reject_an_unknown_shell_with_the_valid_ones() {
    dialer()
        .args(["completions", "cmd.exe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bash").and(predicate::str::contains("zsh")));
}
