//! `$ref`s: component names, chains of references followed to their target, and the shape of a schema.

use openapiv3::Components;

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn component_name<'r>(
        &self,
        reference: &'r str,
        section: &str,
        pointer: &str,
    ) -> Result<&'r str, Error> {
        let prefix = format!("#/components/{section}/");
        match reference.strip_prefix(&prefix) {
            Some(name) if !name.is_empty() && !name.contains('/') => Ok(name),
            _ if reference.starts_with('#') => Err(self.error(
                ErrorKind::DanglingRef,
                pointer,
                format!("`$ref: {reference}` must point into #/components/{section}/"),
            )),
            _ => Err(self.error(
                ErrorKind::Unsupported,
                pointer,
                format!("`$ref: {reference}` points outside this document; only local references are supported"),
            )),
        }
    }

    /// Follows a reference to a component of `section` (and chains of them) to what it finally
    /// names: that item, where it is written, and the last component name on the way, if any.
    /// `section` names the `components` member, and `components` picks it out.
    pub(super) fn follow<T>(
        &self,
        item: &'a ReferenceOr<T>,
        pointer: String,
        section: &str,
        components: impl Fn(&'a Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Result<(&'a T, String, Option<&'a str>), Error> {
        match item {
            ReferenceOr::Item(item) => Ok((item, pointer, None)),
            ReferenceOr::Reference { reference } => {
                let (item, pointer, name) =
                    self.follow_ref(reference, pointer, section, components)?;
                Ok((item, pointer, Some(name)))
            }
        }
    }

    /// The one loop that chases `$ref`s: follows `reference`, written at `pointer`, through
    /// components of `section` until one is not a reference. Returns that item, where it is
    /// written and its component name; a reference that points at nothing or comes back to a
    /// component already passed is an error at the place that holds it.
    fn follow_ref<T>(
        &self,
        reference: &str,
        mut pointer: String,
        section: &str,
        components: impl Fn(&'a Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Result<(&'a T, String, &'a str), Error> {
        let mut reference = reference;
        let mut seen = BTreeSet::new();
        loop {
            let name = self.component_name(reference, section, &pointer)?;
            if !seen.insert(name.to_owned()) {
                return Err(self.error(
                    ErrorKind::RefCycle,
                    pointer,
                    format!("`$ref: {reference}` leads back to itself"),
                ));
            }
            let Some((key, item)) = self
                .doc
                .components
                .as_ref()
                .and_then(|c| components(c).get_key_value(name))
            else {
                return Err(self.error(
                    ErrorKind::DanglingRef,
                    pointer,
                    format!("`$ref: {reference}` points at nothing"),
                ));
            };
            pointer = format!("/components/{section}/{}", pointer_token(key));
            match item {
                ReferenceOr::Item(item) => return Ok((item, pointer, key.as_str())),
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
    }

    /// Follows a schema reference (and chains of them) to the component it finally names.
    pub(super) fn resolve_schema_ref(
        &self,
        reference: &str,
        pointer: &str,
    ) -> Result<(&'a str, &'a Schema), Error> {
        let (schema, _, name) =
            self.follow_ref(reference, pointer.to_owned(), "schemas", |c| &c.schemas)?;
        Ok((name, schema))
    }

    /// Resolves a schema that may be a `$ref`, with the pointer of where it is defined.
    pub(super) fn resolve<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
    ) -> Result<(&'a Schema, String), Error> {
        match schema {
            ReferenceOr::Item(schema) => Ok((schema.schema(), pointer.to_owned())),
            ReferenceOr::Reference { reference } => {
                let (key, schema) = self.resolve_schema_ref(reference, pointer)?;
                Ok((
                    schema,
                    format!("/components/schemas/{}", pointer_token(key)),
                ))
            }
        }
    }

    /// The shape of a schema, or an error at the keyword that has none.
    pub(super) fn shape_of(&self, schema: &'a Schema, pointer: &str) -> Result<Shape<'a>, Error> {
        shape(schema).map_err(|e| {
            self.error(
                ErrorKind::Unsupported,
                format!("{pointer}{}", e.at),
                e.message,
            )
        })
    }
}
