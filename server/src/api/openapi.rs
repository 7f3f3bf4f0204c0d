use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Digna API", description = "Anonymous feedback on the care people receive at police stations."),
    paths(
        super::tablets::enroll,
        super::survey::current,
        super::responses::submit,
        super::kiosk::config,
        super::staff::unlock
    ),
    components(schemas(domain::SubmissionBody, domain::Durations)),
    modifiers(&TabletToken)
)]
pub struct ApiDoc;

struct TabletToken;

impl Modify for TabletToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "tablet_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
