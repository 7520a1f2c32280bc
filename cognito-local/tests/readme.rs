//! The README's "Configuration file" section against the code: its tables name exactly the
//! fields the configuration parser accepts (no field missing, none invented), and its
//! complete example is accepted by the real parser and its validation.
//!
//! The field names come from the parser itself: serde's derived `Deserialize` hands a
//! deserializer the full list of a struct's field names (after renames) in
//! `deserialize_struct`, so a recording deserializer collects them. A field added to a config
//! struct appears there without anyone listing it; a struct whose fields stop arriving that
//! way (say, a `#[serde(flatten)]`) fails the test instead of passing with fewer names.

use std::collections::BTreeSet;
use std::fmt;

use cognito_local::{
    ClientConfig, Emulator, EmulatorConfig, KeysConfig, ResourceServerConfig, UserConfig,
};
use serde::de::{self, Deserialize, Deserializer, Visitor};

const README: &str = include_str!("../README.md");

/// Stops deserialization once the field names are recorded.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

/// A deserializer that records the field names a struct's `Deserialize` asks for.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = Some(fields);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Every field name `T`'s configuration parser accepts.
fn fields_of<T: for<'de> Deserialize<'de>>() -> BTreeSet<&'static str> {
    let mut recorded = None;
    assert!(T::deserialize(FieldNames(&mut recorded)).is_err());
    let fields = recorded.unwrap_or_else(|| {
        panic!(
            "{} does not deserialize as a struct: collect its field names another way",
            std::any::type_name::<T>()
        )
    });
    assert!(!fields.is_empty());
    fields.iter().copied().collect()
}

/// The text of the README section under the line `heading`, up to the next heading of the
/// same or a higher level (lines in code blocks are not headings).
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let level = heading.bytes().take_while(|b| *b == b'#').count();
    let (mut offset, mut start, mut in_code) = (0, None, false);
    for line in text.split_inclusive('\n') {
        let content = line.trim_end();
        if content.starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            let hashes = content.bytes().take_while(|b| *b == b'#').count();
            let is_heading = hashes > 0 && content[hashes..].starts_with(' ');
            match start {
                None if content == heading => start = Some(offset + line.len()),
                Some(start) if is_heading && hashes <= level => return &text[start..offset],
                _ => {}
            }
        }
        offset += line.len();
    }
    let start = start.unwrap_or_else(|| panic!("the README has a {heading:?} section"));
    &text[start..]
}

/// The field names in the first column of a section's table: rows `` | `name` | ... ``.
fn table_fields(section: &str) -> BTreeSet<&str> {
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` |").map(|(name, _)| name))
        .collect()
}

fn configuration_section() -> &'static str {
    section(README, "## Configuration file")
}

/// `(heading of the README table, fields its struct accepts)` for every configuration table.
fn tables() -> [(&'static str, BTreeSet<&'static str>); 5] {
    [
        ("### Top level", fields_of::<EmulatorConfig>()),
        ("### `[keys]`", fields_of::<KeysConfig>()),
        ("### `[[clients]]`", fields_of::<ClientConfig>()),
        (
            "### `[[resource_servers]]`",
            fields_of::<ResourceServerConfig>(),
        ),
        ("### `[[users]]`", fields_of::<UserConfig>()),
    ]
}

#[test]
fn the_recorder_sees_every_field() {
    // A guard on the method: a few fields named here by hand are among the recorded ones.
    let top = fields_of::<EmulatorConfig>();
    for name in ["addr", "issuer_format", "keys", "clients", "users"] {
        assert!(top.contains(name), "{name} in {top:?}");
    }
    assert!(fields_of::<ClientConfig>().contains("rotation_grace_secs"));
    assert!(fields_of::<UserConfig>().contains("custom"));
    assert!(fields_of::<KeysConfig>().contains("access_token_key"));
}

#[test]
fn readme_documents_every_configuration_field() {
    let config = configuration_section();
    for (heading, accepted) in tables() {
        let documented = table_fields(section(config, heading));
        let missing: Vec<_> = accepted.difference(&documented).collect();
        let invented: Vec<_> = documented.difference(&accepted).collect();
        assert!(
            missing.is_empty(),
            "README {heading}: fields the parser accepts but the table lacks: {missing:?}"
        );
        assert!(
            invented.is_empty(),
            "README {heading}: rows for fields the parser rejects: {invented:?}"
        );
    }
    // Every row has the four columns: field, type, default, meaning.
    for line in config.lines().filter(|l| l.starts_with("| `")) {
        let cells = line.trim_matches('|').split(" | ").count();
        assert_eq!(cells, 4, "a row of four cells: {line}");
    }
}

/// The complete example: the section's TOML block.
fn example() -> &'static str {
    let example = section(configuration_section(), "### A complete example");
    let start = example.find("```toml\n").expect("a ```toml block") + "```toml\n".len();
    let end = example[start..].find("```").expect("the block ends") + start;
    &example[start..end]
}

#[test]
fn readme_example_parses_validates_and_starts() {
    let config = EmulatorConfig::from_toml(example())
        .unwrap_or_else(|e| panic!("the README's example is rejected: {e}"));
    assert_eq!(config.clients.len(), 3);
    assert_eq!(config.resource_servers.len(), 1);
    assert_eq!(config.users.len(), 2);
    // Beyond validation: the emulator accepts it (it names no key files).
    Emulator::new(config).expect("the emulator starts with the README's example");
}

#[test]
fn readme_example_shows_every_field() {
    // Each field appears as `name = ...`, set or commented out (`# name = ...`), and each
    // table as its header.
    let lines: Vec<&str> = example()
        .lines()
        .map(|line| line.trim_start_matches('#').trim_start())
        .collect();
    let table_names = ["keys", "clients", "resource_servers", "users"];
    for (heading, accepted) in tables() {
        for name in accepted {
            let shown = if table_names.contains(&name) {
                lines.iter().any(|l| {
                    l.starts_with(&format!("[{name}]")) || l.starts_with(&format!("[[{name}]]"))
                })
            } else {
                lines.iter().any(|l| l.starts_with(&format!("{name} = ")))
            };
            assert!(shown, "the README's example shows {name} ({heading})");
        }
    }
}

#[test]
fn readme_tells_how_to_install_and_run() {
    assert!(README.contains("cargo install cognito-local"));
    assert!(README.contains("cognito-local --config my.toml"));
    assert!(README.contains("cargo run -p cognito-local"));
    assert!(
        !README.contains("src/config.rs"),
        "the format lives in the README now"
    );
}
