//! What a document holds, counted from its YAML independently of the generator.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use generator::Output;

use crate::codegen::count;

/// What [`Survey::check`] found.
pub struct Completeness {
    /// What to print, a line each.
    pub report: Vec<String>,
    /// Whether every operation of the document was generated.
    pub complete: bool,
}

/// A document's operations and examples, counted from its YAML, independently of the generator.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Survey {
    /// The number of distinct operationIds among the operations of `paths`.
    operations: usize,
    /// The JSON pointer of every object holding an `example` (a schema, a parameter, a media type).
    examples: BTreeSet<String>,
}

impl Survey {
    /// What the generator made of a document, as report lines, and whether it is complete: every
    /// operation of the document generated.
    pub fn check(&self, output: &Output) -> Completeness {
        let counted = output.operations == self.operations;
        let mut report = vec![
            format!(
                "generated {} in {}",
                count(output.operations, "operation"),
                count(output.groups, "group")
            ),
            format!(
                "{}the document has {}: {} generated",
                if counted { "" } else { "error: " },
                count(self.operations, "operation"),
                output.operations
            ),
        ];
        // The examples: those the generator reported are tested; the others are only counted.
        let reported: BTreeSet<&str> = output.examples.iter().map(|e| e.pointer.as_str()).collect();
        let unreported: Vec<&String> = self
            .examples
            .iter()
            .filter(|pointer| !reported.contains(pointer.as_str()))
            .collect();
        if let Some(first) = unreported.first() {
            report.push(format!(
                "note: the document has {}; the generator reported {} to round-trip, not the {} \
                 others (the first: {first})",
                count(self.examples.len(), "example"),
                reported.len(),
                unreported.len()
            ));
        }
        Completeness {
            report,
            complete: counted,
        }
    }

    pub fn of(bytes: &[u8]) -> Result<Self, String> {
        const METHODS: [&str; 8] = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        let document: serde_yaml::Value =
            serde_yaml::from_slice(bytes).map_err(|err| err.to_string())?;
        let Some(paths) = document
            .get("paths")
            .and_then(serde_yaml::Value::as_mapping)
        else {
            return Err("it has no `paths` mapping".to_owned());
        };
        let ids: BTreeSet<&str> = paths
            .values()
            .flat_map(|item| METHODS.iter().filter_map(move |method| item.get(*method)))
            .filter_map(|operation| operation.get("operationId")?.as_str())
            .collect();
        let mut examples = BTreeSet::new();
        find_examples(&document, &mut String::new(), &mut examples);
        Ok(Survey {
            operations: ids.len(),
            examples,
        })
    }
}

/// Collects the pointers of the mappings under `node` that have an `example` key, without looking inside
/// the examples themselves.
fn find_examples(node: &serde_yaml::Value, pointer: &mut String, found: &mut BTreeSet<String>) {
    let length = pointer.len();
    match node {
        serde_yaml::Value::Mapping(mapping) => {
            for (key, value) in mapping {
                let key = match key {
                    serde_yaml::Value::String(key) => key.clone(),
                    serde_yaml::Value::Number(key) => key.to_string(),
                    serde_yaml::Value::Bool(key) => key.to_string(),
                    _ => continue,
                };
                if key == "example" {
                    found.insert(pointer.clone());
                    continue;
                }
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                find_examples(value, pointer, found);
                pointer.truncate(length);
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                let _ = write!(pointer, "/{index}");
                find_examples(item, pointer, found);
                pointer.truncate(length);
            }
        }
        serde_yaml::Value::Tagged(tagged) => find_examples(&tagged.value, pointer, found),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_once_per_operation_id() {
        let document = br#"
openapi: 3.0.3
paths:
  /a:
    parameters: []
    get: {operationId: A}
    post: {operationId: B}
    x-other: {operationId: NotAnOperation}
  /b:
    delete: {operationId: A}
    patch: {}
"#;
        assert_eq!(Survey::of(document).map(|s| s.operations), Ok(2));
        assert!(Survey::of(b"openapi: 3.0.3\n").is_err());
        assert!(Survey::of(b"[").is_err());
    }

    #[test]
    fn examples_are_found_by_pointer_but_not_inside_examples() {
        let document = br#"
paths:
  /a/{b}:
    get:
      parameters:
        - {name: b, in: path, example: x}
      responses:
        200:
          content:
            application/json:
              schema:
                properties:
                  c: {type: object, example: {example: nested}}
components:
  schemas:
    D~E: {type: string, example: d}
"#;
        let survey = Survey::of(document).unwrap();
        assert_eq!(
            survey
                .examples
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            [
                "/components/schemas/D~0E",
                "/paths/~1a~1{b}/get/parameters/0",
                "/paths/~1a~1{b}/get/responses/200/content/application~1json/schema/properties/c",
            ]
        );
    }
}
