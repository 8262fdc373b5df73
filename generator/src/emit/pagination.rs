//! Page walkers for `limit`/`offset` list operations.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ir::{Operation, PageField, Pagination};

use super::ident;

use super::types::{TypePath, deprecated_attr, type_tokens};

/// The page size a walker uses unless the caller sets `limit`: the API's maximum, or this when the
/// document states none.
pub(super) const DEFAULT_PAGE_SIZE: i64 = 100;

/// A method that walks every page of a `limit`/`offset` list operation as a `Stream` of items.
pub(super) fn emit_walker(op: &Operation, pagination: &Pagination) -> TokenStream {
    let Some(params) = &op.params else {
        return TokenStream::new();
    };
    let list = ident(&op.method_name);
    let walker = ident(&pagination.method_name);
    let params_type = ident(&params.name);
    let item = type_tokens(&pagination.item, TypePath::Crate);
    let max = pagination.max_page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let widen = |field: &PageField, value: TokenStream| {
        if field.is_i32 {
            quote!(i64::from(#value))
        } else {
            value
        }
    };
    let narrow = |field: &PageField, value: TokenStream| {
        if field.is_i32 {
            quote!(i32::try_from(#value).unwrap_or(i32::MAX))
        } else {
            value
        }
    };
    let limit = ident(&pagination.limit.name);
    let offset = ident(&pagination.offset.name);
    let data = ident(&pagination.data);
    let total = ident(&pagination.total_count.name);
    let max_literal = Literal::i64_unsuffixed(max);
    let page_size = match pagination.limit.is_i32 {
        true => quote!(params.#limit.map(i64::from).unwrap_or(#max_literal)),
        false => quote!(params.#limit.unwrap_or(#max_literal)),
    };
    let start = match pagination.offset.is_i32 {
        true => quote!(params.#offset.map(i64::from).unwrap_or(0)),
        false => quote!(params.#offset.unwrap_or(0)),
    };
    let set_limit = narrow(&pagination.limit, quote!(limit));
    let set_offset = narrow(&pagination.offset, quote!(offset));
    let total_count = widen(&pagination.total_count, quote!(page.#total));
    let doc_main = format!(
        " Walks every page of [`Self::{}`], yielding the items one by one.",
        crate::naming::bare(&op.method_name)
    );
    let doc_size = format!(
        " Pages hold `params.{}` items (by default {max}, the most the API accepts in one page); the walk starts at `params.{}` (by default 0) and follows `total_count`. The stream ends after the first error it yields.",
        crate::naming::bare(&pagination.limit.name),
        crate::naming::bare(&pagination.offset.name),
    );
    let deprecated = deprecated_attr(op.deprecated);
    quote! {
        #[doc = #doc_main]
        #[doc = ""]
        #[doc = #doc_size]
        #deprecated
        pub fn #walker(
            &self,
            params: crate::types::#params_type,
        ) -> impl ::futures_core::Stream<Item = crate::Result<#item>> + Send + use<'a> {
            let handle = self.clone();
            let page_size = #page_size;
            let start = #start;
            crate::runtime::paginate(page_size, start, move |limit, offset| {
                let handle = handle.clone();
                let mut params = params.clone();
                params.#limit = ::std::option::Option::Some(#set_limit);
                params.#offset = ::std::option::Option::Some(#set_offset);
                async move {
                    let page = handle.#list(params).await?;
                    ::std::result::Result::Ok((page.#data, #total_count))
                }
            })
        }
    }
}
