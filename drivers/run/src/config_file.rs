//! Loading a versioned TOML study config with one-line errors.
//!
//! Every error names the file, the field (as a path such as `sets[1].gamma`) and what was
//! expected: `study.toml: recipe.batch_sise: unknown field `batch_sise`, expected one of …`.
//! toml's own errors carry a byte span but no key path and span several lines; [`parse`] finds
//! the deepest key whose span holds the error and prints it on one line instead.

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A config that cannot be used, on one line: `file: field: what was expected`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", field_prefix(.field))]
pub struct ConfigError {
    /// The file (or `<built-in …>` source) the config came from.
    pub file: String,
    /// Where in the config, e.g. `sets[1].gamma`; empty for the document as a whole.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    }
}

impl ConfigError {
    /// An error at `field` of `file`.
    pub fn new(
        file: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Parses `text` (read from `file`) as a `T`, with errors on one line naming the field.
///
/// Checks the top-level `version` first (against `version`), so a config written for another
/// format version is refused with that reason rather than with whatever field changed.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str, version: u32) -> Result<T, ConfigError> {
    let doc = DeTable::parse(text).map_err(|e| syntax_error(&e, text, file))?;
    check_version(doc.get_ref(), file, version)?;
    toml::from_str(text).map_err(|e| {
        let field = e
            .span()
            .map(|span| field_at(doc.get_ref(), &span))
            .unwrap_or_default();
        ConfigError::new(file, field, one_line(e.message()))
    })
}

fn check_version(doc: &DeTable<'_>, file: &str, version: u32) -> Result<(), ConfigError> {
    let expected = format!("expected `version = {version}` at the top of the file");
    match doc.get("version").map(|v| v.get_ref()) {
        None => Err(ConfigError::new(
            file,
            "version",
            format!("missing; {expected}"),
        )),
        Some(DeValue::Integer(i)) if i.as_str().parse::<i64>().ok() == Some(i64::from(version)) => {
            Ok(())
        }
        Some(DeValue::Integer(i)) => Err(ConfigError::new(
            file,
            "version",
            format!(
                "expected {version} (the config format this build reads), got {}",
                i.as_str()
            ),
        )),
        Some(other) => Err(ConfigError::new(
            file,
            "version",
            format!("expected the integer {version}, got a {}", other.type_str()),
        )),
    }
}

fn syntax_error(e: &toml::de::Error, text: &str, file: &str) -> ConfigError {
    let place = e
        .span()
        .map(|s| line_col(text, s.start))
        .map(|(l, c)| format!("line {l}, column {c}: "))
        .unwrap_or_default();
    ConfigError::new(
        file,
        "",
        format!("{place}invalid TOML: {}", one_line(e.message())),
    )
}

/// 1-based line and column of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Joins a possibly multi-line message into one line, in words rather than Rust type names.
fn one_line(message: &str) -> String {
    let mut s = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for (rust, words) in [
        ("expected usize", "expected a non-negative integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ] {
        if s.ends_with(rust) {
            s.replace_range(s.len() - rust.len().., words);
        }
    }
    s
}

/// The key path (`a.b[2].c`) of the deepest key or value whose span contains `span`.
fn field_at(table: &DeTable<'_>, span: &std::ops::Range<usize>) -> String {
    let mut path = String::new();
    descend_table(table, span, &mut path);
    path
}

fn contains(outer: &std::ops::Range<usize>, inner: &std::ops::Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

fn descend_table(table: &DeTable<'_>, span: &std::ops::Range<usize>, path: &mut String) {
    for (key, value) in table.iter() {
        let on_key = contains(&key.span(), span);
        if on_key || value_contains(value, span) {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key.get_ref());
            if !on_key {
                descend_value(value, span, path);
            }
            return;
        }
    }
}

fn value_contains(value: &Spanned<DeValue<'_>>, span: &std::ops::Range<usize>) -> bool {
    if contains(&value.span(), span) {
        return true;
    }
    // Tables made of `[header]` sections and arrays of `[[tables]]` may not have a span that
    // covers their keys; look inside.
    match value.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .any(|(k, v)| contains(&k.span(), span) || value_contains(v, span)),
        DeValue::Array(a) => a.iter().any(|v| value_contains(v, span)),
        _ => false,
    }
}

fn descend_value(value: &Spanned<DeValue<'_>>, span: &std::ops::Range<usize>, path: &mut String) {
    match value.get_ref() {
        DeValue::Table(t) => descend_table(t, span, path),
        DeValue::Array(a) => {
            if let Some((i, v)) = a.iter().enumerate().find(|(_, v)| value_contains(v, span)) {
                path.push_str(&format!("[{i}]"));
                descend_value(v, span, path);
            }
        }
        _ => {}
    }
}

/// A study's config hash: 64-bit FNV-1a of its `identity` text (the resolved config as far as
/// it decides results), as 16 hex digits. Stored in every record and manifest session.
pub fn config_hash(identity: &str) -> String {
    let hash = identity.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // fields are only parsed
    struct Doc {
        version: u32,
        #[serde(default)]
        inner: Inner,
        #[serde(default)]
        items: Vec<Inner>,
    }

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        #[serde(default)]
        x: u32,
    }

    fn err(text: &str) -> String {
        parse::<Doc>(text, "t.toml", 1).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_field_on_one_line() {
        assert!(parse::<Doc>("version = 1\n[inner]\nx = 3\n", "t.toml", 1).is_ok());
        assert_eq!(
            err("version = 2\n"),
            "t.toml: version: expected 1 (the config format this build reads), got 2"
        );
        assert_eq!(
            err("x = 1\n"),
            "t.toml: version: missing; expected `version = 1` at the top of the file"
        );
        let e = err("version = 1\n[inner]\ny = 3\n");
        assert!(e.starts_with("t.toml: inner.y: unknown field `y`"), "{e}");
        let e = err("version = 1\n[[items]]\nx = 1\n[[items]]\nx = \"a\"\n");
        assert!(e.starts_with("t.toml: items[1].x: invalid type"), "{e}");
        assert!(!e.contains('\n'));
        let e = err("version = 1\n[inner\n");
        assert!(e.starts_with("t.toml: line 2, column"), "{e}");
    }
}
