//! Walking a large JSON answer without building its whole `Value` tree.
//!
//! An answer with 10,000 alerts or 600,000 samples costs tens of bytes of tree per byte of
//! JSON when it is decoded into one `serde_json::Value`. These seeds walk the outer layout
//! (objects and arrays whose shape we know) as the bytes are read and hand each array
//! element to a callback as its own small `Value`, which is dropped before the next one is
//! read. Anything that is not the container expected is recorded as its [`kind`] and
//! skipped, so the caller can give the same shape errors as when it read the whole tree.
//!
//! [`kind`]: super::kind

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A value that was the container expected, or what it was instead.
pub(crate) enum Found<T> {
    Expected(T),
    Other(&'static str),
}

/// How a seed reads the container it expects; the other kind of container is skipped.
pub(crate) trait Container<'de>: Sized {
    type Out;

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<Self::Out>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Found::Other("an object"))
    }

    fn seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Found<Self::Out>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Found::Other("an array"))
    }
}

/// Reads one value with `C` when it is `C`'s container, else records its kind.
pub(crate) struct Expect<C>(pub C);

impl<'de, C: Container<'de>> DeserializeSeed<'de> for Expect<C> {
    type Value = Found<C::Out>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, C: Container<'de>> Visitor<'de> for Expect<C> {
    type Value = Found<C::Out>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.seq(seq)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Found::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Found::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Found::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Found::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Found::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Found::Other("null"))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Found::Other("null"))
    }
}

/// An array whose elements go one by one, with their index, to a callback.
pub(crate) struct Each<F>(pub F);

impl<'de, F: FnMut(usize, Value)> Container<'de> for Each<F> {
    type Out = ();

    fn seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Found<()>, A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            (self.0)(n, item);
            n += 1;
        }
        Ok(Found::Expected(()))
    }
}

/// Decodes a whole body with `seed`, trailing characters included, as `from_slice` does.
pub(crate) fn from_slice<'de, S: DeserializeSeed<'de>>(body: &'de [u8], seed: S) -> serde_json::Result<S::Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = seed.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Walked = (Result<Found<()>, String>, Vec<(usize, Value)>);

    fn each(body: &str) -> Walked {
        let mut seen = Vec::new();
        let found = from_slice(body.as_bytes(), Expect(Each(|n, v| seen.push((n, v))))).map_err(|e| e.to_string());
        (found, seen)
    }

    #[test]
    fn array_elements_arrive_in_order() {
        let (found, seen) = each(r#"[{"a":1}, 2, "x"]"#);
        assert!(matches!(found, Ok(Found::Expected(()))));
        assert_eq!(seen, vec![(0, serde_json::json!({"a": 1})), (1, 2.into()), (2, "x".into())]);
    }

    #[test]
    fn other_values_are_named_by_kind() {
        for (body, kind) in [("{\"a\":[1]}", "an object"), ("1.5", "a number"), ("null", "null"), ("true", "a boolean")]
        {
            let (found, seen) = each(body);
            assert!(matches!(found, Ok(Found::Other(k)) if k == kind), "{body}");
            assert!(seen.is_empty());
        }
    }

    #[test]
    fn cut_and_trailing_bodies_fail() {
        assert!(each("[1, 2").0.is_err());
        assert!(each("[1] x").0.is_err());
    }
}
