//! A station's tablets: their rows on the station page, the one-time enrollment code
//! (with its link and QR code), and revocation.

use super::admin_nav;
use super::form::StationForm;
use super::lang_of;
use super::station_view::{back_to_station, render_station, station_or_404, Enrollment, StationPage};
use crate::web::kit::{Admin, CheckedForm, PageError, PageResult, Pairs};
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use leptos::prelude::*;
use store::audit::Entry;
use store::stations::Station;
use store::tablets::StationTablet;
use store::Tablets;

/// The address tablets reach Digna at, as the admin's browser did: the `Host` of her
/// request, over https when Digna serves HTTPS or is told it sits behind a TLS proxy
/// (`DIGNA_SECURE_COOKIES=true`), or when a trusted proxy says so (`X-Forwarded-Proto:
/// https`; `proxy::forwarded` removes the header from anyone else).
/// `None` when the host is missing or not a plain host name (then no link is built).
pub fn request_origin(headers: &HeaderMap, secure: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    let plain = !host.is_empty()
        && host.len() <= 255
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !plain {
        return None;
    }
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    let scheme = if secure || forwarded_https { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// The enrollment link as a QR code, as inline SVG (without the XML declaration).
pub fn enrollment_qr_svg(link: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(link.as_bytes())?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok(svg.find("<svg").map(|i| svg[i..].to_string()).unwrap_or(svg))
}

/// `POST /admin/stations/{code}/tablets`: a one-time enrollment code (24 h), shown once
/// with a QR code of its link. The code itself is never stored or audited.
pub async fn enroll_tablet(
    State(state): State<AppState>,
    Admin(staff): Admin,
    headers: HeaderMap,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    if !station.active {
        let body = view! {
            <section class="card">
                <h1>{station.code.clone()}</h1>
                <p role="alert">{lang.t(
                    "Esta comisaría está desactivada: sus tabletas no aceptan respuestas. Actívala antes de inscribir una tableta.",
                    "This station is deactivated: its tablets accept no answers. Activate it before enrolling a tablet.",
                )}</p>
                <p><a href=format!("/admin/stations/{}?lang={}", station.code, lang.code())>{lang.t("Volver", "Back")}</a></p>
            </section>
        };
        let mut r = page(
            lang,
            &station.code,
            Some(&staff),
            &format!("/admin/stations/{}?lang={}", station.code, lang.code()),
            body,
        );
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(r);
    }
    let detail = format!("one-time code, valid {} h", crate::api::ENROLLMENT_CODE_HOURS);
    let audit = Entry::new(&staff.user.email, "tablet.enroll", &station.code, detail);
    let enrollment_code = crate::api::create_enrollment_code(&state.db, station.id, &audit).await?;
    let path = format!("/kiosk?code={enrollment_code}");
    let (link, qr_svg) = match request_origin(&headers, state.secure_cookies) {
        Some(origin) => {
            let link = format!("{origin}{path}");
            let svg = enrollment_qr_svg(&link)?;
            (link, Some(svg))
        }
        None => (path, None),
    };
    let shown =
        StationPage { enrollment: Some(Enrollment { code: enrollment_code, link, qr_svg }), ..StationPage::default() };
    render_station(&state, &staff, lang, &station, shown, StatusCode::OK).await
}

/// `POST /admin/stations/{code}/tablets/{id}/revoke`: without `confirm=yes`, a page that
/// asks to confirm; with it, the tablet is revoked at once (its next request gets 401).
pub async fn revoke_tablet(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path((code, tablet_id)): Path<(String, i64)>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    let tablet = Tablets::list_for_station(&state.db, station.id)
        .await?
        .into_iter()
        .find(|t| t.id == tablet_id)
        .ok_or(PageError::NotFound("no such tablet at this station"))?;
    if tablet.revoked {
        return Ok(back_to_station(lang, &station.code));
    }
    if StationForm::from_pairs(form).get("confirm") != "yes" {
        return Ok(confirm_revoke_page(&staff, lang, &station, &tablet));
    }
    let audit = Entry::new(&staff.user.email, "tablet.revoke", &station.code, format!("tablet #{}", tablet.id));
    Tablets::revoke_at_station(&state.db, station.id, tablet.id, &audit).await?;
    Ok(back_to_station(lang, &station.code))
}

fn confirm_revoke_page(staff: &Staff, lang: Lang, station: &Station, tablet: &StationTablet) -> Response {
    let l = lang.code();
    let back = format!("/admin/stations/{}?lang={l}", station.code);
    let title = match lang {
        Lang::Es => format!("¿Revocar la tableta #{} de {}?", tablet.id, station.code),
        Lang::En => format!("Revoke tablet #{} of {}?", tablet.id, station.code),
    };
    let body = view! {
        {admin_nav(lang, "/admin/stations")}
        <section class="card narrow" aria-labelledby="confirm-revoke-heading">
            <h1 id="confirm-revoke-heading">{title.clone()}</h1>
            <p class="notice">{lang.t(
                "Su siguiente envío se rechazará y quedará fuera de servicio hasta que se inscriba de nuevo con un código nuevo. Las respuestas que aún guarde no se pierden: se entregan cuando se vuelva a inscribir.",
                "Its next delivery is refused and it is out of service until enrolled again with a new code. Answers still queued on it are not lost: they are delivered once it is enrolled again.",
            )}</p>
            <form method="post" action=format!("/admin/stations/{}/tablets/{}/revoke?lang={l}", station.code, tablet.id)
                id="confirm-revoke" class="stack">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <input type="hidden" name="confirm" value="yes"/>
                <button type="submit" class="primary">{match lang {
                    Lang::Es => format!("Sí, revocar la tableta #{}", tablet.id),
                    Lang::En => format!("Yes, revoke tablet #{}", tablet.id),
                }}</button>
            </form>
            <p><a href=back.clone()>{lang.t("No, volver sin revocar", "No, go back without revoking")}</a></p>
        </section>
    };
    page(lang, &title, Some(staff), &back, body)
}
