//! Parameters of one operation: path-item and operation parameters merged, resolved through
//! `$ref`, and whether each is a list.

use super::*;

impl<'a> Lowerer<'a> {
    /// Path-item and operation parameters merged (the operation's win), path first, then query,
    /// then header.
    pub(super) fn parameters(
        &self,
        op: &SelectedOperation<'a>,
    ) -> Result<Vec<ParamRef<'a>>, Error> {
        let mut merged: Vec<ParamRef<'a>> = Vec::new();
        let path_item_pointer = op.pointer.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let lists = [
            (
                op.path_parameters,
                format!("{path_item_pointer}/parameters"),
            ),
            (
                &op.operation.parameters[..],
                format!("{}/parameters", op.pointer),
            ),
        ];
        for (list, base) in lists {
            for (index, parameter) in list.iter().enumerate() {
                let pointer = format!("{base}/{index}");
                let (parameter, pointer) = self.resolve_parameter(parameter, pointer)?;
                let (location, data, joined) = match parameter {
                    Parameter::Path { parameter_data, .. } => {
                        (Location::Path, parameter_data, None)
                    }
                    Parameter::Query {
                        parameter_data,
                        style,
                        ..
                    } => {
                        // An exploded list is one pair per element whatever the style; a
                        // `deepObject` is for objects, which query values never are.
                        let explode = parameter_data.explode.unwrap_or(true);
                        let joined = match style {
                            QueryStyle::Form if !explode => Some(','),
                            QueryStyle::SpaceDelimited if !explode => Some(' '),
                            QueryStyle::PipeDelimited if !explode => Some('|'),
                            QueryStyle::DeepObject if self.is_list(parameter_data)? => {
                                return Err(self.error(
                                    ErrorKind::Unsupported,
                                    pointer,
                                    format!(
                                        "query parameter `{}` is a list with `style: deepObject`, which is for objects",
                                        parameter_data.name
                                    ),
                                ));
                            }
                            _ => None,
                        };
                        (Location::Query, parameter_data, joined)
                    }
                    Parameter::Header { parameter_data, .. } => {
                        let lower = parameter_data.name.to_ascii_lowercase();
                        if IGNORED_HEADERS.contains(&lower.as_str()) {
                            continue;
                        }
                        (Location::Header, parameter_data, None)
                    }
                    Parameter::Cookie { parameter_data, .. } => {
                        return Err(self.error(
                            ErrorKind::Unsupported,
                            pointer,
                            format!(
                                "cookie parameters (`{}`) are not supported",
                                parameter_data.name
                            ),
                        ));
                    }
                };
                merged.retain(|p| !(p.location == location && p.data.name == data.name));
                merged.push(ParamRef {
                    location,
                    data,
                    pointer,
                    joined,
                });
            }
        }
        merged.sort_by_key(|p| p.location);
        Ok(merged)
    }

    /// Whether a parameter's schema is a list.
    pub(super) fn is_list(&self, data: &'a openapiv3::ParameterData) -> Result<bool, Error> {
        match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let (resolved, _) = self.resolve(schema, "")?;
                Ok(view(resolved).typ == Some("array"))
            }
            ParameterSchemaOrContent::Content(_) => Ok(false),
        }
    }

    pub(super) fn resolve_parameter(
        &self,
        parameter: &'a ReferenceOr<Parameter>,
        pointer: String,
    ) -> Result<(&'a Parameter, String), Error> {
        self.follow(parameter, pointer, "parameters", |c| &c.parameters)
            .map(|(parameter, pointer, _)| (parameter, pointer))
    }
}
