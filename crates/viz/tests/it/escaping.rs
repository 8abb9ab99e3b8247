//! The escaping functions: data strings reach a page or a spreadsheet only as inert text.

use anomseq_viz::{escape_html, json_for_script, spreadsheet_safe};
use proptest::prelude::*;

use crate::common::HOSTILE;

fn check_csv(cell: &str, expected: &str) {
    assert_eq!(spreadsheet_safe(cell), expected, "{cell:?}");
}

#[test]
fn spreadsheet_cells() {
    check_csv("=1+1", "'=1+1");
    check_csv("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0");
    check_csv("-2", "'-2");
    check_csv("@SUM(A1)", "'@SUM(A1)");
    check_csv("\t=1", "'\t=1");
    check_csv("\r=1", "'\r=1");
    check_csv("", "");
    check_csv("Set-User", "Set-User");
    check_csv(" =1", " =1");
    check_csv("1e-5", "1e-5");
}

#[test]
fn hostile_strings_escape() {
    for s in HOSTILE {
        let html = escape_html(s);
        assert!(!html.contains(['<', '>', '"', '\'']), "{html}");
        let json = json_for_script(&serde_json::to_string(s).unwrap());
        assert!(!json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']), "{json}");
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), *s);
    }
}

proptest! {
    #[test]
    fn escaped_html_has_no_markup_and_decodes_back(s in any::<String>()) {
        let e = escape_html(&s);
        prop_assert!(!e.contains(['<', '>', '"', '\'']));
        let decoded = e.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", "\"").replace("&#39;", "'").replace("&amp;", "&");
        prop_assert_eq!(decoded, s);
    }

    #[test]
    fn script_json_cannot_end_the_element_and_parses_back(v in proptest::collection::vec(any::<String>(), 0..4)) {
        let json = json_for_script(&serde_json::to_string(&v).unwrap());
        let clean = !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']);
        prop_assert!(clean, "{}", json);
        prop_assert_eq!(serde_json::from_str::<Vec<String>>(&json).unwrap(), v);
    }

    #[test]
    fn spreadsheet_safe_cells_never_start_a_formula(s in any::<String>()) {
        let safe = spreadsheet_safe(&s);
        prop_assert!(!safe.starts_with(['=', '+', '-', '@', '\t', '\r']));
        prop_assert!(safe == s || safe.strip_prefix('\'') == Some(s.as_str()));
    }
}
