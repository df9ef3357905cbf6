//! A Prometheus envelope read as a stream: `{"status", "error", "errorType", "data":
//! {"resultType", "result": [...]}}` with each `result` element handed out on its own, so a
//! range query over 10,000 models never becomes one `Value` tree. The checks on what was
//! found are the caller's (`prometheus::each_series`), in the same order as for a tree.

use serde::de::{IgnoredAny, MapAccess};
use serde_json::Value;

use super::stream::{Container, Each, Expect, Found};

/// Everything of an envelope but its `result` elements.
#[derive(Default)]
pub(crate) struct Outline {
    pub status: Option<Value>,
    pub error: Option<Value>,
    pub error_type: Option<Value>,
    /// `None` when there was no `data` member.
    pub data: Option<Found<Data>>,
}

#[derive(Default)]
pub(crate) struct Data {
    pub result_type: Option<Value>,
    /// `None` when there was no `result` member; `Expected` when it was an array, whose
    /// elements went to the callback.
    pub result: Option<Found<()>>,
}

/// The envelope object; its `result` elements go to `each`.
pub(crate) struct Envelope<'a, F>(pub &'a mut F);

impl<'de, F: FnMut(usize, Value)> Container<'de> for Envelope<'_, F> {
    type Out = Outline;

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<Outline>, A::Error> {
        let mut outline = Outline::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "status" => outline.status = Some(map.next_value()?),
                "error" => outline.error = Some(map.next_value()?),
                "errorType" => outline.error_type = Some(map.next_value()?),
                "data" => outline.data = Some(map.next_value_seed(Expect(DataObject(&mut *self.0)))?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Found::Expected(outline))
    }
}

/// The `data` object.
struct DataObject<'a, F>(&'a mut F);

impl<'de, F: FnMut(usize, Value)> Container<'de> for DataObject<'_, F> {
    type Out = Data;

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<Data>, A::Error> {
        let mut data = Data::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "resultType" => data.result_type = Some(map.next_value()?),
                "result" => data.result = Some(map.next_value_seed(Expect(Each(&mut *self.0)))?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Found::Expected(data))
    }
}
