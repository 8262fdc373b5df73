//! Answers: the success responses of an operation → [`crate::ir::Response`], and page walkers.

use super::*;

impl<'a> Lowerer<'a> {
    /// What a successful answer carries. JSON wins over text, and text over nothing. When
    /// several success statuses carry different JSON types, the answer is an enum of them,
    /// tried in status order, since the client decodes the body without looking at the status.
    ///
    /// A `200` that declares no content is read as text: a 200 answer carries a body (a 202 or a
    /// 204 need not), so one the document does not describe (Clerk's interstitial page, "the
    /// interstitial page markup") is returned rather than thrown away.
    pub(super) fn success_response(
        &mut self,
        op: &SelectedOperation<'a>,
    ) -> Result<Response, Error> {
        // Each success: its code for ordering (a `2XX` range after every code), its status as
        // written, for names, and the response.
        let mut successes: Vec<(u16, String, &'a ReferenceOr<OaResponse>, String)> = op
            .operation
            .responses
            .responses
            .iter()
            .filter_map(|(status, response)| {
                let code = match status {
                    StatusCode::Code(code) if (200..300).contains(code) => *code,
                    StatusCode::Range(2) => 299,
                    _ => return None,
                };
                let label = status.to_string();
                let pointer = format!("{}/responses/{}", op.pointer, pointer_token(&label));
                Some((code, label, response, pointer))
            })
            .collect();
        successes.sort_by_key(|(code, _, _, _)| *code);
        let hint = format!("{}Response", naming::camel(op.id));
        // With several bodies, each inline one is named after its status, so that the enum
        // of them can take the plain name.
        let several = successes
            .iter()
            .filter(|(_, _, response, _)| match response {
                ReferenceOr::Item(response) => pick_json(&response.content).is_some(),
                ReferenceOr::Reference { .. } => true,
            })
            .count()
            > 1;
        let mut json: Vec<(String, TypeRef)> = Vec::new();
        let mut text = false;
        for (code, label, response, pointer) in successes {
            let hint = if several {
                format!("{hint}{}", label.to_ascii_lowercase())
            } else {
                hint.clone()
            };
            match self.response(response, &hint, pointer)? {
                Response::Json(ty) => {
                    if !json.iter().any(|(_, seen)| *seen == ty) {
                        json.push((label, ty));
                    }
                }
                Response::Text => text = true,
                Response::Empty if code == 200 => text = true,
                Response::Empty => {}
            }
        }
        match json.len() {
            0 if text => Ok(Response::Text),
            0 => Ok(Response::Empty),
            1 => Ok(json
                .pop()
                .map_or(Response::Empty, |(_, ty)| Response::Json(ty))),
            _ => {
                let name = self.type_names.claim(hint);
                let mut scope = Scope::default();
                scope.claim("Unknown".to_owned());
                let variants = json
                    .into_iter()
                    .map(|(label, ty)| {
                        let base = match &ty {
                            TypeRef::Named(name) => name.clone(),
                            _ => format!("Status{}", label.to_ascii_lowercase()),
                        };
                        UnionVariant {
                            name: scope.claim(base),
                            ty,
                            tags: Vec::new(),
                        }
                    })
                    .collect();
                self.types.insert(
                    name.clone(),
                    TypeDef {
                        name: name.clone(),
                        origin: format!("{}/responses", op.pointer),
                        docs: Docs {
                            lines: vec![format!(
                                "The answer of `{}`, whose success statuses carry different bodies; they are tried in status order.",
                                op.id
                            )],
                        },
                        deprecated: false,
                        kind: TypeKind::Union {
                            variants,
                            discriminator: None,
                        },
                    },
                );
                Ok(Response::Json(TypeRef::Named(name)))
            }
        }
    }

    pub(super) fn response(
        &mut self,
        response: &'a ReferenceOr<OaResponse>,
        hint: &str,
        pointer: String,
    ) -> Result<Response, Error> {
        let (response, pointer, component) =
            self.follow(response, pointer, "responses", |c| &c.responses)?;
        // A response component is lowered once, however many operations share it.
        if let Some(done) = component.and_then(|name| self.responses.get(name)) {
            return Ok(done.clone());
        }
        let hint = match component {
            Some(name) => {
                let name = naming::camel(name);
                if self.type_names.contains(&name)
                    && !self.schema_names.values().all(|n| n != &name)
                {
                    format!("{name}Response")
                } else {
                    name
                }
            }
            None => hint.to_owned(),
        };
        let lowered = if let Some((media, content)) = pick_json(&response.content) {
            match &content.schema {
                Some(schema) => {
                    let schema_pointer =
                        format!("{pointer}/content/{}/schema", pointer_token(media));
                    let (ty, _) = self.type_of(schema, &hint, &schema_pointer, "")?;
                    Response::Json(ty)
                }
                // JSON of a shape the document does not say.
                None => Response::Json(TypeRef::Json),
            }
        } else if response.content.is_empty() {
            Response::Empty
        } else {
            Response::Text
        };
        if let Some(name) = component {
            self.responses.insert(name, lowered.clone());
        }
        Ok(lowered)
    }

    pub(super) fn pagination(
        &self,
        method_name: &str,
        fields: &[Field],
        response: &Response,
    ) -> Option<Pagination> {
        let query = |name: &str| {
            fields
                .iter()
                .find(|f| f.location == Location::Query && f.api_name == name && !f.required)
        };
        let page_field = |f: &Field| match f.ty {
            TypeRef::I64 => Some(PageField {
                name: f.name.clone(),
                is_i32: false,
            }),
            TypeRef::I32 => Some(PageField {
                name: f.name.clone(),
                is_i32: true,
            }),
            _ => None,
        };
        let limit = query("limit")?;
        let offset = page_field(query("offset")?)?;
        let Response::Json(TypeRef::Named(name)) = response else {
            return None;
        };
        let TypeKind::Struct {
            fields: members, ..
        } = &self.types.get(name)?.kind
        else {
            return None;
        };
        let member = |api_name: &str| {
            members
                .iter()
                .find(|f| f.api_name == api_name && !f.is_optional())
        };
        let total_count = page_field(member("total_count")?)?;
        let data = member("data")?;
        let TypeRef::Vec(item) = &data.ty else {
            return None;
        };
        Some(Pagination {
            method_name: format!("{}_all", naming::bare(method_name)),
            item: (**item).clone(),
            max_page_size: limit.constraints.maximum.map(|(max, _)| max as i64),
            limit: page_field(limit)?,
            offset,
            data: data.name.clone(),
            total_count,
        })
    }

    // ----- schemas ----------------------------------------------------------------------------
}
