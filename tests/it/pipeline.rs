//! `rallylens validate`: the annotated example is valid, and a broken pipeline names its
//! key and line with exit code 2.

use crate::common::Workdir;

#[test]
fn example_pipeline_validates_and_errors_are_located() {
    let w = Workdir::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/example.toml");
    let out = w.ok(&["validate", example.to_str().unwrap()]);
    assert!(out.contains("valid") && out.contains("brexit") && out.contains("1 react"), "{out}");
    assert!(out.contains("goals: hashtag_posts ≥ 1000 (\"1,000 tweets using #Brexit\"); target_responded by 2021-09-24"), "{out}");

    let text = std::fs::read_to_string(&example).unwrap();
    let line = text.lines().position(|l| l.starts_with("hashtags =")).unwrap() + 1;
    w.write("pipelines/bad.toml", text.replace("hashtags =", "hashtagz ="));
    let (code, _, err) = w.run(&["validate", "pipelines/bad.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("line {line}")) && err.contains("hashtagz"), "{err}");
}
