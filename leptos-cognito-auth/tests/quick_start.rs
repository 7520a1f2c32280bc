//! The README's quick start and the examples (`examples/browser-storage`,
//! `examples/server-sessions`) must not drift: every code block the README marks with
//! `<!-- quick-start: <path> -->` must appear, line for line, in that file of the
//! repository. The examples themselves are built and signed in with by the end-to-end
//! tests.

use std::path::Path;

/// The marked blocks: (path relative to the repository root, the block's lines without the
/// list indentation).
fn marked_blocks(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .trim()
            .strip_prefix("<!-- quick-start:")
            .and_then(|rest| rest.strip_suffix("-->"))
        else {
            continue;
        };
        let fence = lines.next().expect("a code block follows the marker");
        let indent = fence.len() - fence.trim_start().len();
        assert!(
            fence.trim_start().starts_with("```"),
            "no code block after {line}"
        );
        let mut block = Vec::new();
        for body in lines.by_ref() {
            if body.trim_start().starts_with("```") {
                break;
            }
            // Lines inside a list item carry its indentation; empty lines may not.
            block.push(body.get(indent..).unwrap_or("").trim_end().to_owned());
        }
        blocks.push((path.trim().to_owned(), block));
    }
    blocks
}

#[test]
fn the_quick_start_says_what_the_examples_do() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("leptos-cognito-auth/README.md")).unwrap();
    let blocks = marked_blocks(&readme);
    assert!(blocks.len() >= 8, "only {} marked blocks", blocks.len());
    for example in ["examples/browser-storage", "examples/server-sessions"] {
        assert!(
            blocks.iter().any(|(path, _)| path.starts_with(example)),
            "the quick start shows nothing of {example}"
        );
    }
    for (path, block) in blocks {
        let file =
            std::fs::read_to_string(root.join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let file: Vec<&str> = file.lines().map(str::trim_end).collect();
        let found = file
            .windows(block.len())
            .any(|window| window.iter().zip(&block).all(|(a, b)| a == b));
        assert!(
            found,
            "this README block is not in {path}:\n{}",
            block.join("\n")
        );
    }
}
