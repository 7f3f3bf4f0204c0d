//! The station page's tablets: their rows, and a new enrollment code shown once.

use crate::web::layout::Lang;
use crate::web::session::Staff;
use leptos::prelude::*;
use store::stations::Station;
use store::tablets::StationTablet;

/// A one-time enrollment code as the admin sees it once: the code, the link a tablet
/// opens, and that link as a QR code (inline SVG) for the tablet's camera.
pub(in crate::web::admin) struct Enrollment {
    pub(in crate::web::admin) code: String,
    pub(in crate::web::admin) link: String,
    pub(in crate::web::admin) qr_svg: Option<String>,
}

/// A day as `YYYY-MM-DD`, or a dash.
fn day_text(day: Option<chrono::NaiveDate>) -> String {
    day.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

pub(in crate::web::admin) fn tablet_rows(
    lang: Lang,
    staff: &Staff,
    station: &Station,
    list: Vec<StationTablet>,
    silent_days: i64,
) -> impl IntoView + use<> {
    let l = lang.code();
    let today = domain::time::calendar::local_day(chrono::Utc::now(), &station.timezone);
    list.into_iter()
        .map(|t| {
            let tz = station.timezone.as_str();
            let silent = station.active
                && !t.revoked
                && t.last_day(tz).is_some_and(|d| domain::time::calendar::days_since(d, today) > silent_days);
            let delivered = t.last_delivery_day.clone().unwrap_or_else(|| lang.t("Nunca", "Never").to_string());
            let action = format!("/admin/stations/{}/tablets/{}/revoke?lang={l}", station.code, t.id);
            let revoke_label = match lang {
                Lang::Es => format!("Revocar la tableta {}", t.id),
                Lang::En => format!("Revoke tablet {}", t.id),
            };
            let csrf = staff.csrf.clone();
            view! {
                <tr data-tablet=t.id.to_string()>
                    <th scope="row">{format!("#{}", t.id)}</th>
                    <td>{day_text(t.enrolled_day(tz))}</td>
                    <td class="last-delivery">{delivered}</td>
                    <td>{if t.revoked { lang.t("Revocada", "Revoked") } else { lang.t("Activa", "Active") }}</td>
                    <td>{silent.then(|| view! { <span class="flag silent">{lang.t("Silenciosa", "Silent")}</span> })}</td>
                    <td>{(!t.revoked).then(|| view! {
                        <form method="post" action=action class="inline-form">
                            <input type="hidden" name="csrf" value=csrf/>
                            <button type="submit" class="button revoke" aria-label=revoke_label>
                                {lang.t("Revocar…", "Revoke…")}
                            </button>
                        </form>
                    })}</td>
                </tr>
            }
        })
        .collect_view()
}

pub(in crate::web::admin) fn enrollment_view(lang: Lang, e: Enrollment) -> impl IntoView + use<> {
    let hours = crate::api::ENROLLMENT_CODE_HOURS;
    view! {
        <section class="card" id="enrollment" aria-labelledby="enrollment-heading">
            <h3 id="enrollment-heading">{match lang {
                Lang::Es => format!("Código de inscripción: un solo uso, válido {hours} horas"),
                Lang::En => format!("Enrollment code: single use, valid {hours} hours"),
            }}</h3>
            <p id="enrollment-code" class="enrollment-code"
                style="font-size: 2.5rem; font-weight: 700; letter-spacing: 0.12em; font-family: monospace; margin: 0">
                {e.code}
            </p>
            <p>{lang.t(
                "En la tableta, escanea este código QR con la cámara, o abre /kiosk y escribe el código.",
                "On the tablet, scan this QR code with the camera, or open /kiosk and type the code.",
            )}</p>
            {e.qr_svg.map(|svg| view! {
                <figure class="qr" role="img"
                    aria-label=lang.t("Código QR del enlace de inscripción", "QR code of the enrollment link")
                    inner_html=svg></figure>
            })}
            <p>{lang.t("Enlace de inscripción (ábrelo solo en la tableta):", "Enrollment link (open it on the tablet only):")}
                " "<code id="enrollment-link">{e.link}</code></p>
            <p class="muted">{lang.t(
                "Se muestra solo esta vez: Digna guarda solo una huella del código.",
                "It is shown only this once: Digna keeps only a fingerprint of the code.",
            )}</p>
        </section>
    }
}
