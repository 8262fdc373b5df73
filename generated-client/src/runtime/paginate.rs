//! Walking every page of a `limit`/`offset` list operation.

use std::future::Future;

use futures_core::Stream;

use crate::error::Result;

/// Walks every page of a `limit`/`offset` list operation, yielding the items one by one.
///
/// `fetch(limit, offset)` returns one page and the `total_count` the API reports. The walk starts at
/// `start_offset` and stops after an empty page, once `offset` reaches `total_count`, or after
/// yielding the first error. `page_size` below 1 counts as 1, a negative start as 0. The stream is `Unpin`, and `Send` when `fetch`, its future and
/// the items are.
pub fn paginate<T, F, Fut>(
    page_size: i64,
    start_offset: i64,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Unpin
where
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, i64)>>,
{
    struct State<T, F> {
        fetch: F,
        page_size: i64,
        offset: i64,
        page: std::vec::IntoIter<T>,
        done: bool,
    }
    let state = State {
        fetch,
        page_size: page_size.max(1),
        offset: start_offset.max(0),
        page: Vec::new().into_iter(),
        done: false,
    };
    Box::pin(futures_util::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if let Some(item) = state.page.next() {
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                match (state.fetch)(state.page_size, state.offset).await {
                    Err(error) => {
                        state.done = true;
                        return Some((Err(error), state));
                    }
                    Ok((items, total_count)) => {
                        if items.is_empty() {
                            return None;
                        }
                        let fetched = i64::try_from(items.len()).unwrap_or(i64::MAX);
                        state.offset = state.offset.saturating_add(fetched);
                        state.done = state.offset >= total_count;
                        state.page = items.into_iter();
                    }
                }
            }
        },
    ))
}
