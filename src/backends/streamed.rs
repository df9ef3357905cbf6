//! Reading an answer's body as it arrives: a parser that keeps only what it has not read
//! yet holds far less than the whole body, which a large answer (10,000 alerts are 4 MB)
//! would otherwise be on top of what is parsed from it.

use reqwest::{Client, Method};

use super::budget::Budget;
use super::http::{MAX_BODY, failed, send, too_large};
use crate::domain::Endpoint;

/// What reads an answer's body as it arrives, instead of keeping it whole.
pub trait BodyReader {
    /// The status, before any of the body.
    fn status(&mut self, status: u16);
    /// The next chunk; returns the bytes the reader now holds for the body.
    fn chunk(&mut self, chunk: &[u8]) -> usize;
}

/// A GET whose body goes to `reader` chunk by chunk, with the same cap ([`MAX_BODY`] read
/// in all) and the same errors as [`super::http::get_within`]; what the reader holds is
/// reserved from `budget` until the answer has been read.
pub async fn get_streamed(
    client: &Client,
    endpoint: &Endpoint,
    path: &str,
    query: &[(&str, &str)],
    budget: &Budget,
    reader: &mut impl BodyReader,
) -> Result<(), String> {
    let mut response = send(client, endpoint, Method::GET, path, query, None).await.map_err(|e| e.message)?;
    reader.status(response.status().as_u16());
    let mut lease = budget.lease();
    let mut read = 0;
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(endpoint, &e).message)? {
        read += chunk.len();
        if read > MAX_BODY {
            return Err(too_large().message);
        }
        let held = reader.chunk(&chunk);
        if held > lease.held() {
            lease.grow(held - lease.held()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
