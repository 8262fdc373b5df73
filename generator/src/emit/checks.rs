//! Client-side checks of parameters, emitted into each operation before it sends.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

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

/// Client-side checks of one field's constraints, run before anything is sent.
pub(super) fn emit_checks(field: &Field, null: bool) -> TokenStream {
    let c = &field.constraints;
    let name = &field.api_name;
    let access = ident(&field.name);
    let value = quote!(value);
    let mut checks = Vec::new();
    let opt_i64 = |bound: Option<(f64, bool)>| match bound {
        Some((v, _)) => {
            let v = Literal::i64_unsuffixed(v as i64);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    };
    let opt_f64 = |bound: Option<(f64, bool)>| match bound {
        Some((v, _)) => {
            let v = Literal::f64_suffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    };
    let opt_usize = |bound: Option<usize>| match bound {
        Some(v) => {
            let v = Literal::usize_unsuffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    };
    let excl_min = c.minimum.is_some_and(|(_, e)| e);
    let excl_max = c.maximum.is_some_and(|(_, e)| e);
    match &field.ty {
        TypeRef::I32 | TypeRef::I64 if c.minimum.is_some() || c.maximum.is_some() => {
            let (min, max) = (opt_i64(c.minimum), opt_i64(c.maximum));
            let number = if field.ty == TypeRef::I64 {
                quote!(*#value)
            } else {
                quote!(i64::from(*#value))
            };
            checks.push(quote!(crate::runtime::check_int(#name, #number, #min, #max, #excl_min, #excl_max)?;));
        }
        TypeRef::F32 | TypeRef::F64 if c.minimum.is_some() || c.maximum.is_some() => {
            let (min, max) = (opt_f64(c.minimum), opt_f64(c.maximum));
            let number = if field.ty == TypeRef::F64 {
                quote!(*#value)
            } else {
                quote!(f64::from(*#value))
            };
            checks.push(quote!(crate::runtime::check_number(#name, #number, #min, #max, #excl_min, #excl_max)?;));
        }
        TypeRef::String | TypeRef::Secret => {
            // Secret checks take the `Secret` itself, so that no error can print its value.
            let text = if field.ty == TypeRef::Secret {
                quote!(#value)
            } else {
                quote!(#value.as_str())
            };
            if c.min_length.is_some() || c.max_length.is_some() {
                let (min, max) = (opt_usize(c.min_length), opt_usize(c.max_length));
                let check = if field.ty == TypeRef::Secret {
                    quote!(check_len_secret)
                } else {
                    quote!(check_len)
                };
                checks.push(quote!(crate::runtime::#check(#name, #text, #min, #max)?;));
            }
            if let Some(pattern) = &c.pattern {
                let check = if field.ty == TypeRef::Secret {
                    quote!(check_pattern_secret)
                } else {
                    quote!(check_pattern)
                };
                checks.push(quote!(crate::runtime::#check(#name, #text, #pattern)?;));
            }
        }
        TypeRef::Vec(_) if c.min_items.is_some() || c.max_items.is_some() => {
            let (min, max) = (opt_usize(c.min_items), opt_usize(c.max_items));
            checks.push(quote!(crate::runtime::check_items(#name, #value.len(), #min, #max)?;));
        }
        _ => {}
    }
    if checks.is_empty() {
        return TokenStream::new();
    }
    if null {
        // `null` has no constraint to meet.
        quote! {
            if let ::std::option::Option::Some(::std::option::Option::Some(#value)) = &params.#access {
                #(#checks)*
            }
        }
    } else if field.is_optional() {
        quote! {
            if let ::std::option::Option::Some(#value) = &params.#access {
                #(#checks)*
            }
        }
    } else {
        quote! {
            {
                let #value = &params.#access;
                #(#checks)*
            }
        }
    }
}
