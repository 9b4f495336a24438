//! What users read first: `--help` texts, snapshotted (insta) so that a change to a flag
//! or to the exit codes is a reviewed change.

use crate::common::Workdir;

#[test]
fn help_texts() {
    let w = Workdir::new();
    let (code, top, _) = w.run(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", top);
    let (code, ingest, _) = w.run(&["ingest", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("ingest_help", ingest);
    let (code, run, _) = w.run(&["run", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("run_help", run);
    let (code, analyze, _) = w.run(&["analyze", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("analyze_help", analyze);
    let (code, campaigns, _) = w.run(&["campaigns", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("campaigns_help", campaigns);
    let (code, compare, _) = w.run(&["compare", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("compare_help", compare);
}
