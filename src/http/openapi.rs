//! `GET /openapi.json`: the OpenAPI 3 document, generated from the handlers and their types.

use axum::Json;
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ApiError;
use super::{metrics, reads, writes};
use crate::app::AppError;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Chronicle", description = "The event-sourced order system's HTTP API."),
    paths(
        writes::create, writes::add_item, writes::remove_item, writes::pay, writes::ship,
        writes::deliver, writes::cancel,
        reads::list, reads::order, reads::events, reads::divergence, reads::healthz,
        reads::readyz, metrics::scrape, document
    ),
    // Named here: a query parameter's schema is referenced, not collected with it.
    components(schemas(reads::Consistency)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /openapi.json`.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, body = serde_json::Value)))]
pub async fn document() -> Result<Json<Value>, ApiError> {
    let mut doc = serde_json::to_value(ApiDoc::openapi())
        .map_err(|e| AppError::Internal(format!("the OpenAPI document: {e}")))?;
    link_orders(&mut doc);
    Ok(Json(doc))
}

const WRITTEN: &str = "#/components/schemas/Written";

/// Every write answers `Written`, whose `order_id` is the `{id}` of each operation on one
/// order: links on those answers say so, so a client (or a fuzzer's stateful phase) can
/// follow a create to the reads and writes of the order it made.
///
/// Added to the JSON rather than through utoipa, whose `Link` (5.5) serialises its fields
/// as `operation_id`, not the `operationId` OpenAPI names them.
fn link_orders(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let takes_order_id = |op: &Value| {
        op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "id" && p["in"] == "path"))
    };
    let links: Map<String, Value> = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(Map::values)
        .filter(|op| takes_order_id(op))
        .filter_map(|op| op["operationId"].as_str())
        .map(|target| {
            let link = json!({
                "operationId": target,
                "parameters": { "id": "$response.body#/order_id" },
                "description": "the order this write made or changed",
            });
            (target.to_string(), link)
        })
        .collect();
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(Map::values_mut);
    for op in operations {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        for (status, response) in responses {
            let written = response
                .pointer("/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                == Some(WRITTEN);
            if status.starts_with('2')
                && written
                && let Some(response) = response.as_object_mut()
            {
                response.insert("links".into(), Value::Object(links.clone()));
            }
        }
    }
}
