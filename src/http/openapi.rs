//! `GET /openapi.json`: the OpenAPI 3 document, generated from the handlers and their types.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{metrics, reads, writes};

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
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
