//! The translations page: the table of every text of the draft (or the current version,
//! read-only), and the languages offered to visitors.

use super::cells::{cell_label, cells, id_of, names, stored, stored_cell};
use crate::web::admin::{admin_nav, lang_of};
use crate::web::admin_survey::{language_name, review_label};
use crate::web::kit::{Admin, PageResult};
use crate::web::layout::{form_errors, page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use domain::{Language, ReviewState};
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::Surveys;

/// What a re-rendered page shows besides the stored texts.
#[derive(Default)]
pub(super) struct Overlay {
    /// The table as it was posted.
    pub(super) typed: Option<BTreeMap<String, String>>,
    /// Errors by field name.
    pub(super) errors: BTreeMap<String, String>,
    /// Errors at the top of the page.
    pub(super) page_errors: Vec<String>,
    pub(super) notice: Option<String>,
}

pub(super) async fn render(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    overlay: Overlay,
    status: StatusCode,
) -> PageResult {
    let db = &state.db;
    let l = lang.code();
    let loaded = async {
        let draft = Surveys::draft_version(db).await?;
        let current = Surveys::current_version(db).await?;
        let shown = draft.or(current);
        let survey = match shown {
            Some(v) => Surveys::load_any(db, v).await?,
            None => None,
        };
        let rows = match shown {
            Some(v) => Surveys::text_rows(db, v).await?,
            None => Vec::new(),
        };
        let published = match current {
            Some(v) => Surveys::load(db, v).await?,
            None => None,
        };
        let mut unreviewed = BTreeMap::new();
        for language in Language::ALL {
            unreviewed.insert(language, Surveys::texts_needing_review(db, current.unwrap_or(0), language).await?);
        }
        let enabled = Surveys::enabled_languages(db).await?;
        let voices = crate::voices::catalog::Catalog::load(db).await?;
        // Each language's share of the published version's texts a native speaker reviewed.
        let current_rows = match current {
            Some(v) => Surveys::text_rows(db, v).await?,
            None => Vec::new(),
        };
        let mut texts_per_language: BTreeMap<Language, i64> = BTreeMap::new();
        for row in &current_rows {
            *texts_per_language.entry(row.language).or_default() += 1;
        }
        let totals = texts_per_language;
        Ok::<_, store::Error>((draft, current, survey, rows, published, unreviewed, enabled, (voices, totals)))
    };
    let (draft, current, survey, rows, published, unreviewed, enabled, (voices, totals)) = loaded.await?;
    let stored = stored(rows);
    let editable = draft.is_some();
    let csrf = staff.csrf.clone();

    let header_cells = Language::ALL
        .into_iter()
        .map(|language| {
            let save = editable.then(|| {
                view! {
                    <button type="submit" class="button" name="save"
                        value=format!("column:{language}") id=format!("save-column-{language}")>
                        {format!("{} {}", lang.t("Guardar columna", "Save column"), language.code())}
                    </button>
                }
            });
            view! { <th scope="col">{language_name(language)}" "{save}</th> }
        })
        .collect_view();
    let body_rows = survey
        .as_ref()
        .map(cells)
        .unwrap_or_default()
        .into_iter()
        .map(|(q, c)| {
            let tds = Language::ALL
                .into_iter()
                .map(|language| {
                    let (text, child, review) = stored_cell(&stored, &q, &c, language);
                    if !editable {
                        return view! {
                            <td data-lang=language.code()>
                                <p lang=language.code()>{text}</p>
                                <p>{lang.t("Niñas y niños: ", "Children: ")}<span lang=language.code()>{child}</span></p>
                                <p class="muted">{review_label(lang, review)}</p>
                            </td>
                        }
                        .into_any();
                    }
                    let [tn, cn, rn] = names(&q, &c, language);
                    let typed = overlay.typed.as_ref();
                    let value = |name: &str, default: String| typed.and_then(|f| f.get(name).cloned()).unwrap_or(default);
                    let review_now = value(&rn, review.code().to_string());
                    let field = |name: String, label: String, default: String| {
                        let id = id_of(&name);
                        let error = overlay.errors.get(&name).cloned();
                        let error_id = format!("{id}-error");
                        let described = error.as_ref().map(|_| error_id.clone());
                        view! {
                            <label for=id.clone()>{label}</label>
                            <input id=id type="text" name=name.clone() value=value(&name, default)
                                lang=language.code() aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
                        }
                    };
                    let name = language.native_name();
                    let options = ReviewState::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.code() selected=review_now == r.code()>{review_label(lang, r)}</option> })
                        .collect_view();
                    let review_id = id_of(&rn);
                    let review_error = overlay.errors.get(&rn).cloned();
                    view! {
                        <td data-lang=language.code()>
                            <div class="stack">
                                {field(tn.clone(), format!("{name}: {}", lang.t("texto", "text")), text)}
                                {field(cn.clone(), format!("{name}: {}", lang.t("para niñas y niños", "child wording")), child)}
                                <label for=review_id.clone()>{format!("{name}: {}", lang.t("estado", "state"))}</label>
                                <select id=review_id.clone() name=rn.clone()
                                    aria-invalid=review_error.is_some().then_some("true")
                                    aria-describedby=review_error.as_ref().map(|_| format!("{review_id}-error"))>
                                    {options}
                                </select>
                                {review_error.map(|e| view! { <p class="field-error" id=format!("{review_id}-error")>{e}</p> })}
                                <button type="submit" class="button" name="save" value=format!("cell:{q}:{c}:{language}")
                                    aria-label=format!("{} {} ({name})", lang.t("Guardar", "Save"), cell_label(&q, &c))>
                                    {lang.t("Guardar", "Save")}
                                </button>
                            </div>
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            view! {
                <tr data-text=format!("{q}:{c}")>
                    <th scope="row">{cell_label(&q, &c)}</th>
                    {tds}
                </tr>
            }
        })
        .collect_view();

    let shown_version = draft.or(current);
    let intro = match (draft, current) {
        (Some(d), _) => view! {
            <p class="lead">{match lang {
                Lang::Es => format!("Textos del borrador, versión {d}. Se publican con el borrador; las tabletas no los ven antes."),
                Lang::En => format!("Texts of the draft, version {d}. They are published with the draft; tablets do not see them before."),
            }}</p>
        }
        .into_any(),
        (None, Some(c)) => view! {
            <p class="lead">{match lang {
                Lang::Es => format!("Textos de la versión publicada {c}, que no se puede cambiar. Para corregirlos, cópiala a un borrador."),
                Lang::En => format!("Texts of published version {c}, which cannot change. To correct them, copy it to a draft."),
            }}</p>
            <form method="post" action=format!("/admin/survey/draft?lang={l}") id="new-draft" class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="next" value="translations"/>
                <button type="submit" class="primary">{match lang {
                    Lang::Es => format!("Copiar la versión {c} a un borrador"),
                    Lang::En => format!("Copy version {c} to a draft"),
                }}</button>
            </form>
        }
        .into_any(),
        (None, None) => view! { <p class="empty-state">{lang.t("No hay ninguna versión.", "There is no version.")}</p> }.into_any(),
    };
    let table = view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Textos por idioma", "Texts by language")>
            <table id="translations">
                <caption>{match (shown_version, lang) {
                    (Some(v), Lang::Es) => format!("Textos de la versión {v}: pregunta u opción, y su texto en cada idioma"),
                    (Some(v), Lang::En) => format!("Texts of version {v}: question or choice, and its text in each language"),
                    (None, _) => String::new(),
                }}</caption>
                <thead><tr>
                    <th scope="col">{lang.t("Pregunta › opción", "Question › choice")}</th>
                    {header_cells}
                </tr></thead>
                <tbody>{body_rows}</tbody>
            </table>
        </div>
    };
    let texts = match draft {
        Some(v) => view! {
            <form method="post" action=format!("/admin/translations/{v}?lang={l}") id="translations-form" class="stack">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <button type="submit" class="primary" name="save" value="all" id="save-all">
                    {lang.t("Guardar todos los cambios", "Save every change")}
                </button>
                {table}
            </form>
        }
        .into_any(),
        None => table.into_any(),
    };

    let language_rows = Language::ALL
        .into_iter()
        .map(|language| {
            let offered = language.always_offered() || enabled.contains(&language);
            let missing = published.as_ref().map(|s| s.missing_in(language).len());
            let completeness = match (missing, lang) {
                (None, _) => "—".to_string(),
                (Some(0), _) => lang.t("Completa", "Complete").to_string(),
                (Some(n), Lang::Es) => format!("Faltan {n}"),
                (Some(n), Lang::En) => format!("{n} missing"),
            };
            let name = language_name(language);
            let button = if language.always_offered() {
                view! { <span>{lang.t("Siempre se ofrece", "Always offered")}</span> }.into_any()
            } else if offered {
                view! {
                    <button type="submit" class="button" name="change" value=format!("disable:{language}") id=format!("language-{language}-disable")>
                        {format!("{} {}", lang.t("Dejar de ofrecer", "Stop offering"), language.native_name())}
                    </button>
                }
                .into_any()
            } else {
                view! {
                    <button type="submit" class="button primary" name="change" value=format!("enable:{language}") id=format!("language-{language}-enable")>
                        {format!("{} {}", lang.t("Ofrecer", "Offer"), language.native_name())}
                    </button>
                }
                .into_any()
            };
            let waiting = unreviewed.get(&language).copied().unwrap_or(0);
            let total = totals.get(&language).copied().unwrap_or(0);
            let reviewed = ((total - waiting).max(0) * 100).checked_div(total).unwrap_or(0);
            let reviewed_text = match lang {
                Lang::Es => format!("{waiting} ({reviewed} % revisado)"),
                Lang::En => format!("{waiting} ({reviewed} % reviewed)"),
            };
            let (approved, prompts) = voices.coverage(language);
            let share = (approved * 100).checked_div(prompts).unwrap_or(0);
            let voices_text = match lang {
                Lang::Es => format!("{approved} de {prompts} ({share} %)"),
                Lang::En => format!("{approved} of {prompts} ({share} %)"),
            };
            // Offered with voices missing: a visitor who cannot read hears only part of it.
            let incomplete = (offered && approved < prompts).then(|| {
                view! {
                    <p class="field-error voices-incomplete" id=format!("language-{language}-voices-incomplete")>
                        {lang.t(
                            "Voces incompletas: quien no puede leer no oirá todas las pantallas en este idioma.",
                            "Voices incomplete: a visitor who cannot read will not hear every screen in this language.",
                        )}
                    </p>
                }
            });
            view! {
                <tr data-language=language.code()>
                    <th scope="row">{name}</th>
                    <td>{if offered { lang.t("Se ofrece", "Offered") } else { lang.t("No se ofrece", "Not offered") }}</td>
                    <td>{completeness}</td>
                    <td class="num">{reviewed_text}</td>
                    <td>
                        <a href=format!("/admin/voices/{}?lang={}", language.code(), lang.code())>{voices_text}</a>
                        {incomplete}
                    </td>
                    <td>{button}</td>
                </tr>
            }
        })
        .collect_view();
    let current_label = current.map(|c| format!("v{c}")).unwrap_or_else(|| "—".into());

    let body = view! {
        {admin_nav(lang, "/admin/translations")}
        <h1>{lang.t("Traducciones", "Translations")}</h1>
        {intro}
        {form_errors(overlay.page_errors)}
        {overlay.notice.map(|n| view! { <p class="notice" role="status" id="translations-notice">{n}</p> })}
        {texts}
        <h2 id="languages-title">{lang.t("Idiomas para visitantes", "Languages for visitors")}</h2>
        <p>{lang.t(
            "Un idioma se ofrece solo si la versión publicada tiene todos sus textos en él. El español se ofrece siempre.",
            "A language is offered only if the published version has every text in it. Spanish is always offered.",
        )}</p>
        <form method="post" action=format!("/admin/translations/languages?lang={l}") id="languages" aria-labelledby="languages-title">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Idiomas", "Languages")>
                <table id="languages-table">
                    <thead><tr>
                        <th scope="col">{lang.t("Idioma", "Language")}</th>
                        <th scope="col">{lang.t("Para visitantes", "For visitors")}</th>
                        <th scope="col">{format!("{} {current_label}", lang.t("Textos de la versión publicada", "Texts of published version"))}</th>
                        <th scope="col">{lang.t("Sin revisar por hablante nativa", "Not reviewed by a native speaker")}</th>
                        <th scope="col">{lang.t("Voces aprobadas", "Approved voices")}</th>
                        <th scope="col">{lang.t("Cambiar", "Change")}</th>
                    </tr></thead>
                    <tbody>{language_rows}</tbody>
                </table>
            </div>
        </form>
    };
    let mut r =
        page(lang, lang.t("Traducciones", "Translations"), Some(staff), &format!("/admin/translations?lang={l}"), body);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn translations_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    render(&state, &staff, lang, Overlay::default(), StatusCode::OK).await
}
