//! What the handlers' annotations leave out of the OpenAPI document and a generated client
//! needs: each `{name}` of a route's path declared as a path parameter (typed by what it
//! names), and an `operationId` of its own for every operation (handlers of different
//! resources share names such as `list` or `show`).

use std::collections::BTreeMap;

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

pub struct PathParametersAndIds;

/// The type and description of a path parameter, by its name and where it stands.
fn describe(path: &str, name: &str) -> (Type, &'static str) {
    match name {
        "slug" if path.contains("/groups/") => (Type::String, "Slug du groupe de travail"),
        "slug" => (Type::String, "Slug du projet"),
        "organisation" => (
            Type::String,
            "Identifiant de l'organisation, par exemple commune-13004",
        ),
        "id" if path.contains("/organisations/") => (
            Type::String,
            "Identifiant de l'organisation, par exemple commune-13004",
        ),
        "provider" => (
            Type::String,
            "La forge qui appelle : gitlab, github ou gitea",
        ),
        "id" => (Type::Integer, "Identifiant numérique"),
        _ => (Type::String, "Segment du chemin"),
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
    .collect()
}

impl Modify for PathParametersAndIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut uses: BTreeMap<String, usize> = BTreeMap::new();
        for item in openapi.paths.paths.values_mut() {
            for (_, operation) in operations(item) {
                if let Some(id) = &operation.operation_id {
                    *uses.entry(id.clone()).or_default() += 1;
                }
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let templated: Vec<&str> = path
                .split('/')
                .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            // The path's fixed words, for ids: /api/v1/projects/{slug}/versions → projects_versions.
            let words: Vec<String> = path
                .split('/')
                .filter(|part| !part.is_empty() && !part.starts_with('{'))
                .skip(2)
                .map(|part| part.replace('-', "_"))
                .collect();
            for (method, operation) in operations(item) {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                for name in &templated {
                    let declared = parameters
                        .iter()
                        .any(|p| p.name == *name && p.parameter_in == ParameterIn::Path);
                    if !declared {
                        let (kind, description) = describe(path, name);
                        parameters.push(
                            ParameterBuilder::new()
                                .name(*name)
                                .parameter_in(ParameterIn::Path)
                                .required(Required::True)
                                .description(Some(description))
                                .schema(Some(ObjectBuilder::new().schema_type(kind)))
                                .build(),
                        );
                    }
                }
                let shared = operation
                    .operation_id
                    .as_ref()
                    .is_none_or(|id| uses.get(id).copied().unwrap_or(0) > 1);
                if shared {
                    let base = operation
                        .operation_id
                        .clone()
                        .unwrap_or_else(|| method.into());
                    operation.operation_id = Some(format!("{base}_{}", words.join("_")));
                }
            }
        }
    }
}
