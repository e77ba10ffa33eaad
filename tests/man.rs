//! man/dialer.1 is generated from the clap definitions: this test fails when it is stale.

use crate::common::repo_root;

#[test]
fn man_page_is_up_to_date() {
    let path = repo_root().join("man/dialer.1");
    let fresh = dialer::cli::man::render();
    if std::env::var_os("DIALER_UPDATE_MAN").is_some() {
        std::fs::write(&path, &fresh).expect("write man page");
    }
    let committed = std::fs::read(&path).expect("man/dialer.1 exists");
    assert!(
        committed == fresh,
        "man/dialer.1 is stale: run `DIALER_UPDATE_MAN=1 cargo test --test integration man`"
    );
}

#[test]
fn man_page_documents_every_subcommand_and_exit_status() {
    let page = String::from_utf8(dialer::cli::man::render()).expect("utf-8");
    for sub in ["dry-run", "completions"] {
        assert!(page.contains(&format!("dialer {sub}")), "{sub} missing");
    }
    assert!(page.contains("EXIT STATUS") && page.contains("130"));
}
