//! Examples inside error answers. The client decodes every error answer into the runtime's
//! `ClerkErrors` (whatever schema the document gives it), so no type is generated for those
//! schemas; the examples they carry are recorded with the runtime type their place decodes into,
//! so that they are checked like every other example.

use std::collections::BTreeSet;

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, StatusCode};

use super::view::view;
use super::{Lowerer, SchemaLike, pick_json};
use crate::error::{Error, pointer_token};
use crate::ir::{RuntimeType, TypeRef, TypedExample};
use crate::select::SelectedOperation;

/// What a place in an error answer decodes into in the runtime's error model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum AnswerPart {
    /// The whole answer: `ClerkErrors`.
    Errors,
    /// `errors`: a list of `ClerkError`.
    List,
    /// One item of `errors`: `ClerkError`.
    Error,
    /// `code`, `message`, `long_message`, `clerk_trace_id`: a string.
    Text,
    /// `meta`, and everything inside it: any JSON value.
    Any,
}

impl AnswerPart {
    fn ty(self) -> TypeRef {
        match self {
            AnswerPart::Errors => TypeRef::Runtime(RuntimeType::ClerkErrors),
            AnswerPart::List => TypeRef::Vec(Box::new(TypeRef::Runtime(RuntimeType::ClerkError))),
            AnswerPart::Error => TypeRef::Runtime(RuntimeType::ClerkError),
            AnswerPart::Text => TypeRef::String,
            AnswerPart::Any => TypeRef::Json,
        }
    }

    /// Where the member `name` of an object at this place goes, if the runtime keeps it. A member
    /// the runtime does not keep has no type to check its example against, so it is left out (and
    /// `cargo xtask verify` counts it as not round-tripped).
    fn member(self, name: &str) -> Option<AnswerPart> {
        match (self, name) {
            (AnswerPart::Errors, "errors") => Some(AnswerPart::List),
            (AnswerPart::Errors | AnswerPart::Error, "meta") => Some(AnswerPart::Any),
            (AnswerPart::Errors, "clerk_trace_id") => Some(AnswerPart::Text),
            (AnswerPart::Error, "code" | "message" | "long_message") => Some(AnswerPart::Text),
            (AnswerPart::Any, _) => Some(AnswerPart::Any),
            _ => None,
        }
    }

    /// Where the items of a list at this place go.
    fn items(self) -> Option<AnswerPart> {
        match self {
            AnswerPart::List => Some(AnswerPart::Error),
            AnswerPart::Any => Some(AnswerPart::Any),
            _ => None,
        }
    }
}

/// A schema still to visit: what it is, where it is written, and where it sits in the error model.
struct Visit<'a> {
    schema: &'a Schema,
    pointer: String,
    place: AnswerPart,
}

impl<'a> Lowerer<'a> {
    /// Records the examples of the error answers of `op`. Runs after every type is lowered, so that
    /// an example of a component schema that is also a generated type keeps that type.
    pub(super) fn error_examples(&mut self, op: &SelectedOperation<'a>) -> Result<(), Error> {
        let responses = &op.operation.responses;
        let errors = responses
            .responses
            .iter()
            .filter(|(status, _)| match status {
                StatusCode::Code(code) => !(200..300).contains(code),
                StatusCode::Range(range) => *range != 2,
            })
            .map(|(status, response)| (status.to_string(), response))
            .chain(
                responses
                    .default
                    .as_ref()
                    .map(|response| ("default".to_owned(), response)),
            );
        let mut visits = Vec::new();
        for (status, response) in errors {
            let pointer = format!("{}/responses/{}", op.pointer, pointer_token(&status));
            let (response, pointer, _) =
                self.follow(response, pointer, "responses", |c| &c.responses)?;
            let Some((media, content)) = pick_json(&response.content) else {
                continue;
            };
            let Some(schema) = &content.schema else {
                continue;
            };
            let pointer = format!("{pointer}/content/{}/schema", pointer_token(media));
            let (schema, pointer) = self.resolve(schema, &pointer)?;
            visits.push(Visit {
                schema,
                pointer,
                place: AnswerPart::Errors,
            });
        }
        self.walk_errors(visits)
    }

    /// Visits the schemas of error answers, and those they contain, recording each example once. A
    /// list of visits rather than recursion, and each component schema visited once per place, so
    /// that neither deep nor cyclic documents can exhaust the stack or loop.
    fn walk_errors(&mut self, mut visits: Vec<Visit<'a>>) -> Result<(), Error> {
        let mut seen: BTreeSet<(String, AnswerPart)> = BTreeSet::new();
        while let Some(Visit {
            schema,
            pointer,
            place,
        }) = visits.pop()
        {
            if !seen.insert((pointer.clone(), place)) {
                continue;
            }
            if let Some(value) = &schema.schema_data.example
                && !self.examples.contains_key(&pointer)
            {
                self.examples.insert(
                    pointer.clone(),
                    TypedExample {
                        pointer: pointer.clone(),
                        ty: place.ty(),
                        nullable: schema.schema_data.nullable,
                        value: value.clone(),
                    },
                );
            }
            let v = view(schema);
            // The parts of an `allOf` and the branches of a `oneOf`/`anyOf` describe the same value.
            for (keyword, members) in [
                ("allOf", v.all_of),
                ("oneOf", v.one_of),
                ("anyOf", v.any_of),
            ] {
                for (index, member) in members.iter().enumerate() {
                    visits.push(self.visit(
                        member,
                        format!("{pointer}/{keyword}/{index}"),
                        place,
                    )?);
                }
            }
            if let Some(properties) = v.properties {
                for (name, property) in properties {
                    if let Some(inner) = place.member(name) {
                        let at = format!("{pointer}/properties/{}", pointer_token(name));
                        visits.push(self.visit(property, at, inner)?);
                    }
                }
            }
            if let (Some(items), Some(inner)) = (v.items, place.items()) {
                visits.push(self.visit(items, format!("{pointer}/items"), inner)?);
            }
            if let (Some(AdditionalProperties::Schema(values)), AnswerPart::Any) =
                (v.additional, place)
            {
                let at = format!("{pointer}/additionalProperties");
                visits.push(self.visit(values.as_ref(), at, AnswerPart::Any)?);
            }
        }
        Ok(())
    }

    /// A schema to visit, its `$ref` followed.
    fn visit<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: String,
        place: AnswerPart,
    ) -> Result<Visit<'a>, Error> {
        let (schema, pointer) = self.resolve(schema, &pointer)?;
        Ok(Visit {
            schema,
            pointer,
            place,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Selection, Source, generate};

    const DOCUMENT: &str = "\
openapi: 3.0.3
info: {title: errors, version: v1}
paths:
  /things:
    get:
      operationId: GetThing
      x-speakeasy-group: things
      responses:
        '200': {description: ok}
        '404': {$ref: '#/components/responses/NotFound'}
        '422':
          description: refused
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Errors'
                  - type: object
                    properties:
                      clerk_trace_id: {type: string, example: trace}
                      status: {type: integer, example: 422}
              example: {errors: []}
        default:
          description: anything else
          content:
            application/json:
              schema:
                type: object
                properties:
                  meta:
                    type: object
                    properties:
                      tries: {type: array, items: {type: integer, example: 3}}
                    additionalProperties: {type: string, example: extra}
                example: {errors: [], meta: {tries: [1]}}
components:
  responses:
    NotFound:
      description: not found
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Errors'}
  schemas:
    Errors:
      type: object
      properties:
        errors:
          type: array
          items:
            $ref: '#/components/schemas/Error'
          example: [{code: c, message: m}]
    Error:
      type: object
      nullable: true
      properties:
        code: {type: string, example: not_found}
        long_message: {type: string, example: Nothing here.}
        meta: {type: object, example: {param_name: id}}
      example: {code: c, message: m}
";

    #[test]
    fn examples_of_error_answers_get_the_runtime_type_of_their_place() {
        let output = generate(
            Source {
                name: "errors.yml",
                bytes: DOCUMENT.as_bytes(),
            },
            &Selection::All,
        )
        .expect("generates");
        let found: Vec<(&str, &str)> = output
            .examples
            .iter()
            .map(|e| (e.pointer.as_str(), e.rust_type.as_str()))
            .collect();
        let error = "/components/schemas/Error";
        let answer = "/paths/~1things/get/responses";
        let expected = vec![
            (
                "/components/schemas/Errors/properties/errors",
                ":: std :: vec :: Vec < crate :: ClerkError >",
            ),
            // Nullable: an `Option`, as everywhere else.
            (error, ":: std :: option :: Option < crate :: ClerkError >"),
            (
                "/components/schemas/Error/properties/code",
                ":: std :: string :: String",
            ),
            (
                "/components/schemas/Error/properties/long_message",
                ":: std :: string :: String",
            ),
            (
                "/components/schemas/Error/properties/meta",
                ":: serde_json :: Value",
            ),
            (
                "/paths/~1things/get/responses/422/content/application~1json/schema/allOf/1/properties/clerk_trace_id",
                ":: std :: string :: String",
            ),
            (
                "/paths/~1things/get/responses/default/content/application~1json/schema",
                "crate :: ClerkErrors",
            ),
            // Everything inside `meta` is any JSON value to the runtime.
            (
                "/paths/~1things/get/responses/default/content/application~1json/schema/properties/meta/additionalProperties",
                ":: serde_json :: Value",
            ),
            (
                "/paths/~1things/get/responses/default/content/application~1json/schema/properties/meta/properties/tries/items",
                ":: serde_json :: Value",
            ),
        ];
        let mut found = found;
        found.sort_unstable();
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(found, expected);
        // `status` is a member the runtime does not keep: its example has no type to go through, and
        // an example on a media type rather than a schema is not a schema's example.
        assert!(!found.iter().any(|(p, _)| p.ends_with("/status")));
        assert!(
            found
                .iter()
                .all(|(p, _)| p.starts_with("/components") || p.starts_with(answer))
        );
    }

    #[test]
    fn a_dangling_error_answer_is_an_error_naming_its_place() {
        let document = DOCUMENT.replace(
            "#/components/responses/NotFound",
            "#/components/responses/Gone",
        );
        let error = generate(
            Source {
                name: "errors.yml",
                bytes: document.as_bytes(),
            },
            &Selection::All,
        )
        .expect_err("a dangling reference");
        let text = error.to_string();
        assert!(text.contains("/paths/~1things/get/responses/404"), "{text}");
        assert!(text.contains("points at nothing"), "{text}");
    }
}
