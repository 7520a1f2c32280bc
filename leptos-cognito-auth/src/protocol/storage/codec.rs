//! The codecs of the values the kit keeps, from `codee` (the codec crate leptos-use uses for
//! its storage and cookie hooks):
//!
//! - [`SdkStringCodec`]: the original SDK's entries (`LastAuthUser`, the tokens, the scopes,
//!   the clock drift), as the plain strings `amazon-cognito-auth-js` wrote. A session that
//!   SDK cached reads as it is, and it can read ours; a JSON codec would put quotes around
//!   every token.
//! - [`JsonRecordCodec`]: the kit's own records (a pending sign-in; on the server, a server
//!   session's record, the session index's entries, the pending sign-in cookie's list), as
//!   JSON through their serde implementations.
//!
//! The storages ([`Storage`]: `localStorage`, `sessionStorage`, cookies, memory) hold
//! strings; a value goes through its codec on the way in and out ([`read`], [`write`]),
//! as leptos-use's storage hooks take a codec. Both codecs write what the kit wrote before
//! them, byte for byte, so stored sessions, pending sign-ins and sealed cookies still read.

use codee::{Decoder, Encoder};

use super::kv::{Storage, StorageError};

/// The original SDK's plain strings: `ToString` to write, `FromStr` to read (a string reads
/// as itself, the clock drift as an `i64`).
pub(crate) type SdkStringCodec = codee::string::FromToStringCodec;

/// The kit's own records: JSON (`serde_json`), field by field as their types' serde
/// implementations say.
///
/// `codee`'s `JsonSerdeCodec` with one difference: it reads from the text's bytes
/// (`serde_json::from_slice`), the way the tokens and Cognito's answers are read, where
/// `JsonSerdeCodec` reads from the `&str` (`from_str`). The browser build then holds one
/// instance of the JSON parser instead of two (measured, December 2026: `JsonSerdeCodec`
/// here adds 1.6 KiB gzip to the smallest sign-in app in client mode). The JSON is the same.
pub(crate) struct JsonRecordCodec;

impl<T: serde::Serialize> Encoder<T> for JsonRecordCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: serde::de::DeserializeOwned> Decoder<T> for JsonRecordCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// The value of `key` decoded by `C`: `None` when there is none or it does not decode.
pub(crate) fn read<T, C>(storage: &impl Storage, key: &str) -> Option<T>
where
    C: Decoder<T, Encoded = str>,
{
    C::decode(&storage.get(key)?).ok()
}

/// Stores `value`, encoded by `C`, under `key`.
pub(crate) fn write<T, C>(storage: &impl Storage, key: &str, value: &T) -> Result<(), StorageError>
where
    C: Encoder<T, Encoded = String>,
{
    let encoded = C::encode(value)
        .map_err(|_| StorageError::Failed(format!("the value of `{key}` cannot be encoded")))?;
    storage.set(key, &encoded)
}

/// `value` encoded by [`JsonRecordCodec`]. The kit's records are strings, numbers and
/// options of them, which always encode; the empty string stands for the impossible failure
/// (and reads back as nothing).
pub(crate) fn encode_record<T: serde::Serialize>(value: &T) -> String {
    JsonRecordCodec::encode(value).unwrap_or_default()
}

/// A record decoded by [`JsonRecordCodec`] from bytes, `None` unless they are UTF-8 JSON of
/// the record's shape.
pub(crate) fn decode_record<T: serde::de::DeserializeOwned>(json: &[u8]) -> Option<T> {
    JsonRecordCodec::decode(std::str::from_utf8(json).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::storage::MemoryStorage;

    #[test]
    fn sdk_values_are_stored_as_plain_strings() {
        let storage = MemoryStorage::new();
        write::<&str, SdkStringCodec>(&storage, "k", &"eyJ.a.b").unwrap();
        assert_eq!(storage.get("k").as_deref(), Some("eyJ.a.b"));
        assert_eq!(
            read::<String, SdkStringCodec>(&storage, "k").as_deref(),
            Some("eyJ.a.b")
        );
        write::<i64, SdkStringCodec>(&storage, "d", &-600).unwrap();
        assert_eq!(storage.get("d").as_deref(), Some("-600"));
        assert_eq!(read::<i64, SdkStringCodec>(&storage, "d"), Some(-600));
        storage.set("d", "ten").unwrap();
        assert_eq!(read::<i64, SdkStringCodec>(&storage, "d"), None);
        assert_eq!(read::<String, SdkStringCodec>(&storage, "missing"), None);
    }

    #[test]
    fn records_are_json() {
        let list = vec!["a".to_owned(), "b\"".to_owned()];
        let json = encode_record(&list);
        assert_eq!(json, r#"["a","b\""]"#);
        assert_eq!(decode_record::<Vec<String>>(json.as_bytes()), Some(list));
        assert_eq!(decode_record::<Vec<String>>(b"\xff"), None);
        assert_eq!(decode_record::<Vec<String>>(b"{}"), None);
    }
}
