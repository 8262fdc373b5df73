//! Client-side checks of parameters, emitted into each operation before it sends.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens as _, quote};

use crate::ir::{Alternatives, Body, Field, Location, Operation, Params, TypeRef};

use super::ident;

/// The check of a `oneOf`/`anyOf` rule on which optional body members are present.
pub(super) fn emit_rule(params: &Params, rule: &Alternatives) -> TokenStream {
    let labels = rule.sets.iter().map(|set| {
        set.iter()
            .map(|f| f.api_name.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    });
    let satisfied = rule.sets.iter().map(|set| {
        let present: Vec<TokenStream> = set
            .iter()
            .filter(|f| {
                params
                    .fields
                    .iter()
                    .any(|field| field.name == f.name && field.is_optional())
            })
            .map(|f| {
                let access = ident(&f.name);
                quote!(params.#access.is_some())
            })
            .collect();
        if present.is_empty() {
            quote!(true)
        } else {
            quote!(#(#present)&&*)
        }
    });
    let exactly_one = rule.exactly_one;
    quote! {
        crate::runtime::check_alternatives(&[#(#labels),*], &[#(#satisfied),*], #exactly_one)?;
    }
}

/// Whether a parameter struct's field is an optional, nullable member of a JSON body, which the
/// caller may leave out, set, or send as `null` (to clear a value): it is then an
/// `Option<Option<T>>`. Only members of the body itself: a nested object is a schema type shared
/// with answers, where `null` and absent read the same.
pub(super) fn sends_null(op: &Operation, field: &Field) -> bool {
    op.body == Body::JsonFields
        && field.location == Location::Body
        && !field.required
        && field.nullable
}

/// A numeric range as Rust writes it (`1..=500`, `0..`, `..=150`); an exclusive minimum, which a
/// range expression cannot state, as a pair of bounds.
fn range_tokens(min: Option<(TokenStream, bool)>, max: Option<(TokenStream, bool)>) -> TokenStream {
    match (min, max) {
        (Some((min, true)), max) => {
            let max = match max {
                Some((max, true)) => quote!(::std::ops::Bound::Excluded(#max)),
                Some((max, false)) => quote!(::std::ops::Bound::Included(#max)),
                None => quote!(::std::ops::Bound::Unbounded),
            };
            quote!((::std::ops::Bound::Excluded(#min), #max))
        }
        (Some((min, false)), Some((max, true))) => quote!(#min..#max),
        (Some((min, false)), Some((max, false))) => quote!(#min..=#max),
        (Some((min, false)), None) => quote!(#min..),
        (None, Some((max, true))) => quote!(..#max),
        (None, Some((max, false))) => quote!(..=#max),
        (None, None) => quote!(..),
    }
}

/// Client-side checks of one field's constraints, run before anything is sent.
pub(super) fn emit_checks(field: &Field, null: bool) -> TokenStream {
    let c = &field.constraints;
    let name = &field.api_name;
    let access = ident(&field.name);
    // A required field is checked in place; an optional one through `value`, bound below.
    let (place, number, secret) = if null || field.is_optional() {
        (quote!(value), quote!(*value), quote!(value))
    } else {
        (
            quote!(params.#access),
            quote!(params.#access),
            quote!(&params.#access),
        )
    };
    let int = |bound: Option<(f64, bool)>| {
        bound.map(|(v, exclusive)| {
            (
                Literal::i64_unsuffixed(v as i64).into_token_stream(),
                exclusive,
            )
        })
    };
    let float = |bound: Option<(f64, bool)>| {
        bound.map(|(v, exclusive)| (Literal::f64_suffixed(v).into_token_stream(), exclusive))
    };
    let len = |bound: Option<usize>| {
        bound.map(|v| (Literal::usize_unsuffixed(v).into_token_stream(), false))
    };
    let mut checks = Vec::new();
    match &field.ty {
        TypeRef::I32 | TypeRef::I64 if c.minimum.is_some() || c.maximum.is_some() => {
            let range = range_tokens(int(c.minimum), int(c.maximum));
            checks.push(quote!(crate::runtime::check_int(#name, #number, #range)?;));
        }
        TypeRef::F32 | TypeRef::F64 if c.minimum.is_some() || c.maximum.is_some() => {
            let range = range_tokens(float(c.minimum), float(c.maximum));
            checks.push(quote!(crate::runtime::check_number(#name, #number, #range)?;));
        }
        TypeRef::String | TypeRef::Secret => {
            // Secret checks take the `Secret` itself, so that no error can print its value.
            let (len_check, pattern_check, text) = if field.ty == TypeRef::Secret {
                (
                    quote!(check_len_secret),
                    quote!(check_pattern_secret),
                    secret,
                )
            } else {
                (
                    quote!(check_len),
                    quote!(check_pattern),
                    quote!(#place.as_str()),
                )
            };
            if c.min_length.is_some() || c.max_length.is_some() {
                let range = range_tokens(len(c.min_length), len(c.max_length));
                checks.push(quote!(crate::runtime::#len_check(#name, #text, #range)?;));
            }
            if let Some(pattern) = &c.pattern {
                checks.push(quote!(crate::runtime::#pattern_check(#name, #text, #pattern)?;));
            }
        }
        TypeRef::Vec(_) if c.min_items.is_some() || c.max_items.is_some() => {
            let range = range_tokens(len(c.min_items), len(c.max_items));
            checks.push(quote!(crate::runtime::check_items(#name, #place.len(), #range)?;));
        }
        _ => {}
    }
    if checks.is_empty() {
        return TokenStream::new();
    }
    if null {
        // `null` has no constraint to meet.
        quote! {
            if let ::std::option::Option::Some(::std::option::Option::Some(value)) = &params.#access {
                #(#checks)*
            }
        }
    } else if field.is_optional() {
        quote! {
            if let ::std::option::Option::Some(value) = &params.#access {
                #(#checks)*
            }
        }
    } else {
        quote!(#(#checks)*)
    }
}
