//! The measured figures of `docs/figures.md`, kept from drifting. A native quality test passes each
//! figure it measures to [`figure`]:
//! - with `LATENT_LAB_FIGURES=FILE` set (what `scripts/lab figures` does), the figure is appended
//!   to FILE as one JSON line, and the script writes the tables of `docs/figures.md` from them;
//! - otherwise the test fails unless `docs/figures.md` shows that figure with exactly the digits
//!   the measurement gives now, so a retrain or a changed model cannot leave the document behind.
//!
//! Native only: the tests run natively.

use std::io::Write;

/// The document the figures live in.
pub const DOCUMENT: &str = "docs/figures.md";
/// The environment variable that names the JSON-lines file to write the figures to.
pub const RECORD_TO: &str = "LATENT_LAB_FIGURES";

/// One measured figure. `key` names its row in `docs/figures.md` (e.g. `ae.test_error`), `what`
/// says what it is, `decimals` how many digits it is shown with, `command` the command that
/// measures it (the test that calls this).
pub fn figure(key: &str, what: &str, value: f64, decimals: usize, command: &str) {
    let shown = format!("{value:.decimals$}");
    if let Some(path) = std::env::var_os(RECORD_TO) {
        let line = format!(
            "{{\"key\":{},\"what\":{},\"value\":{},\"command\":{}}}\n",
            json_string(key),
            json_string(what),
            json_string(&shown),
            json_string(command)
        );
        // Test threads record at once: one write of a whole line each, in append mode.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", std::path::Path::new(&path).display()));
        file.write_all(line.as_bytes()).expect("a figure line written");
        return;
    }
    let document =
        std::fs::read_to_string(DOCUMENT).unwrap_or_else(|e| panic!("cannot read {DOCUMENT}: {e}"));
    match documented(&document, key) {
        Some(documented) => assert_eq!(
            documented, shown,
            "{DOCUMENT} shows {key} = {documented}, the shipped files give {shown}: run `scripts/lab figures`"
        ),
        None => panic!("{DOCUMENT} has no row for {key} (measured {shown}): run `scripts/lab figures`"),
    }
}

/// The value shown for `key` in a generated table row: `| what | value | ... | `key` |`.
pub fn documented(document: &str, key: &str) -> Option<String> {
    let tag = format!("`{key}`");
    document.lines().find_map(|line| {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        (cells.len() >= 4 && cells[3] == tag).then(|| cells[1].trim_matches('*').to_string())
    })
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_figure_is_read_from_its_row_and_only_from_its_own() {
        let document = "| what | value | command | key |\n|---|---|---|---|\n\
                        | AE error | **4.01** | `cargo test` | `ae.test_error` |\n\
                        | AE error, 2-D | 27.94 | `cargo test` | `ae.test_error_2d` |\n";
        assert_eq!(documented(document, "ae.test_error").as_deref(), Some("4.01"));
        assert_eq!(documented(document, "ae.test_error_2d").as_deref(), Some("27.94"));
        assert_eq!(documented(document, "ae.test"), None);
    }

    #[test]
    fn json_strings_escape_quotes_and_backslashes() {
        assert_eq!(json_string("a \"b\" \\ c"), "\"a \\\"b\\\" \\\\ c\"");
    }
}
