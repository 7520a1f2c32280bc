//! Reading a token's header and payload without building a `serde_json::Value` of the whole
//! object: the members the checks need are read into [`Slot`]s (strings borrowed from the
//! input), every other member is checked as JSON and dropped (no map, no key or value
//! allocated).
//!
//! The reader accepts exactly the documents `serde_json::from_slice::<Value>` accepts as an
//! object: every member goes through serde_json's `deserialize_any` (strings unescaped and
//! checked, numbers range-checked, the same nesting limit), whether it is kept or not, and a
//! kept member that is not a string is read by `Value` itself. So a payload read here can
//! later be parsed into the full claim map
//! ([`VerifiedUser::claims`](super::VerifiedUser::claims) does that on first use), and a
//! duplicated member counts with its last value, as in that map.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The key serde_json's `Value` reads as an embedded raw JSON text rather than as a member
/// (with its `raw_value` feature): refused here, so nothing reads differently from the map.
const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

/// One kept member's value, as sent.
#[derive(Debug, Default, PartialEq)]
pub(crate) enum Slot<'de> {
    /// The member is not there.
    #[default]
    Absent,
    /// A string, borrowed from the input unless it has escapes.
    Str(Cow<'de, str>),
    /// Any other JSON value (`null` included), as `Value` reads it.
    Other(Value),
}

impl Slot<'_> {
    /// The string, if the member is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The members of one JSON object that a reader keeps.
pub(crate) trait Record<'de>: Default {
    /// The slot for the member `name`, or `None` to check its value and drop it.
    fn slot(&mut self, name: &str) -> Option<&mut Slot<'de>>;
}

/// Reads `bytes` as one JSON object into `R`; `None` if it is not exactly one JSON object.
/// The text is checked to be UTF-8 once, up front (serde_json would check each string).
pub(crate) fn read_object<'de, R: Record<'de>>(bytes: &'de [u8]) -> Option<R> {
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str::<Object<R>>(text)
        .ok()
        .map(|object| object.0)
}

impl<'de> Deserialize<'de> for Slot<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SlotVisitor)
    }
}

/// Strings as [`Slot::Str`]; every other value as `Value` reads it (its own visitor for
/// arrays and objects, its own conversions for numbers).
struct SlotVisitor;

impl<'de> Visitor<'de> for SlotVisitor {
    type Value = Slot<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Slot<'de>, E> {
        Ok(Slot::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Slot<'de>, E> {
        Ok(Slot::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Slot<'de>, E> {
        Ok(Slot::Str(Cow::Owned(s)))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Slot<'de>, E> {
        Ok(Slot::Other(Value::Bool(b)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Slot<'de>, E> {
        Ok(Slot::Other(Value::from(n)))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Slot<'de>, E> {
        Ok(Slot::Other(Value::from(n)))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Slot<'de>, E> {
        Ok(Slot::Other(Value::from(n)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Slot<'de>, E> {
        Ok(Slot::Other(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Slot<'de>, E> {
        Ok(Slot::Other(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Slot<'de>, D::Error> {
        Slot::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Slot<'de>, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Slot::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Slot<'de>, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Slot::Other)
    }
}

/// A member name: borrowed from the input unless it has escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(name.to_owned())))
            }
        }
        let name = deserializer.deserialize_str(NameVisitor)?;
        if name.0 == RAW_VALUE_KEY {
            return Err(de::Error::custom("a reserved member name"));
        }
        Ok(name)
    }
}

/// A JSON object read into a [`Record`].
struct Object<R>(R);

impl<'de, R: Record<'de>> Deserialize<'de> for Object<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<R>(PhantomData<R>);
        impl<'de, R: Record<'de>> Visitor<'de> for ObjectVisitor<R> {
            type Value = Object<R>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<R>, A::Error> {
                let mut record = R::default();
                while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
                    match record.slot(&name) {
                        Some(slot) => *slot = map.next_value::<Slot<'de>>()?,
                        None => {
                            map.next_value::<Skip>()?;
                        }
                    }
                }
                Ok(Object(record))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// Any JSON value, checked as serde_json checks it for a `Value`, and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Skip, D::Error> {
        Skip::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Name<'de>, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[derive(Default, Debug, PartialEq)]
    struct Two<'de> {
        a: Slot<'de>,
        b: Slot<'de>,
    }

    impl<'de> Record<'de> for Two<'de> {
        fn slot(&mut self, name: &str) -> Option<&mut Slot<'de>> {
            match name {
                "a" => Some(&mut self.a),
                "b" => Some(&mut self.b),
                _ => None,
            }
        }
    }

    fn as_value(slot: Slot<'_>) -> Option<Value> {
        match slot {
            Slot::Absent => None,
            Slot::Str(s) => Some(Value::String(s.into_owned())),
            Slot::Other(v) => Some(v),
        }
    }

    fn as_map(text: &str) -> Option<Map<String, Value>> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }

    /// Documents the reader and serde_json's `Value` agree on, and what the reader keeps.
    #[test]
    fn accepts_what_the_claim_map_accepts() {
        let cases = [
            // text, whether it is an object `Value` reads
            (r#"{"a":1,"b":"x"}"#, true),
            (
                r#" {"a" : [1, "x", {"k": null}], "z": {"y": [true, 1.5e3]}} "#,
                true,
            ),
            (
                r#"{"\u0061":"escaped name","b":"\u00e9\ud83d\ude00"}"#,
                true,
            ),
            (r#"{"a":1,"a":2}"#, true),
            (r#"{"a":{"x":[1,"y",{"z":[]}]},"b":-5}"#, true),
            (r#"{"a":null,"b":true}"#, true),
            (r#"{"a":1.5e300,"b":-0.0}"#, true),
            (r#"{"a":"\u00e9x\n","b":"plain"}"#, true),
            (r#"{"a":["x","y"],"b":[]}"#, true),
            (r#"{}"#, true),
            (
                r#"{"z":-0,"y":18446744073709551616,"x":-9223372036854775809}"#,
                true,
            ),
            // Not objects, or not JSON, for both.
            (r#"[1]"#, false),
            (r#""a""#, false),
            (r#"{"a":1}x"#, false),
            (r#"{"a":1,}"#, false),
            (r#"{"z":"\ud800"}"#, false),
            (r#"{"z":"\x"}"#, false),
            (r#"{"z":1e400}"#, false),
            ("{\"z\":\"\u{1}\"}", false),
            ("{\"z\":\"\\u00\"}", false),
            (r#"{"z":[1,]}"#, false),
            (r#"{"z":01}"#, false),
            (r#"{"z":NaN}"#, false),
        ];
        for (text, object) in cases {
            let read = read_object::<Two>(text.as_bytes());
            assert_eq!(read.is_some(), object, "{text}");
            assert_eq!(as_map(text).is_some(), object, "{text}");
            if let (Some(read), Some(map)) = (read, as_map(text)) {
                assert_eq!(as_value(read.a).as_ref(), map.get("a"), "{text}");
                assert_eq!(as_value(read.b).as_ref(), map.get("b"), "{text}");
            }
        }
        // The nesting limit is serde_json's for both.
        let deep = format!(r#"{{"z":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        assert!(as_map(&deep).is_none());
        assert!(read_object::<Two>(deep.as_bytes()).is_none());
        let fine = format!(r#"{{"z":{}{}}}"#, "[".repeat(100), "]".repeat(100));
        assert!(as_map(&fine).is_some());
        assert!(read_object::<Two>(fine.as_bytes()).is_some());
        // Invalid UTF-8 in a dropped member, or a kept one.
        assert!(read_object::<Two>(b"{\"z\":\"\xff\"}").is_none());
        assert!(read_object::<Two>(b"{\"a\":\"\xff\"}").is_none());
    }

    #[test]
    fn the_raw_value_key_is_refused() {
        for text in [
            r#"{"$serde_json::private::RawValue":"1"}"#,
            r#"{"a":1,"z":{"$serde_json::private::RawValue":"1"}}"#,
        ] {
            assert!(read_object::<Two>(text.as_bytes()).is_none(), "{text}");
        }
    }
}
