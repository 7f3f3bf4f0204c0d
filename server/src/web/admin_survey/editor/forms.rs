//! The draft's question forms: one card per question, and the form that adds one.

use super::{text_of, Typed};
use crate::web::admin_survey::kind_label;
use crate::web::layout::Lang;
use crate::web::session::Staff;
use domain::{Language, Question, QuestionKind, Texts};
use leptos::prelude::*;

/// One question's card in the editor: how it is answered, its texts, its choices.
struct Card<'a> {
    key: &'a str,
    typed: Option<&'a Typed>,
}

impl Card<'_> {
    fn value(&self, name: &str, default: String) -> String {
        match self.typed {
            Some(t) => t.fields.get(name).cloned().unwrap_or(default),
            None => default,
        }
    }

    fn checked(&self, name: &str, default: bool) -> bool {
        match self.typed {
            Some(t) => t.fields.contains_key(name),
            None => default,
        }
    }

    fn error(&self, name: &str) -> Option<String> {
        self.typed.and_then(|t| t.errors.get(name).cloned())
    }

    fn id(&self, name: &str) -> String {
        format!("q-{}-{}", self.key, name.replace(':', "-"))
    }

    /// A text field; `in_lang` is the language of what is typed in it, when not the page's.
    fn input(&self, name: String, label: String, default: String, in_lang: Option<Language>) -> impl IntoView + use<> {
        let id = self.id(&name);
        let error = self.error(&name);
        let error_id = format!("{id}-error");
        let described = error.as_ref().map(|_| error_id.clone());
        let value = self.value(&name, default);
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id name=name type="text" value=value lang=in_lang.map(Language::code)
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            </div>
        }
    }

    /// A checkbox, with a line of help under it when `help` is given.
    fn check(
        &self,
        name: String,
        label: &'static str,
        help: Option<&'static str>,
        default: bool,
    ) -> impl IntoView + use<> {
        let id = self.id(&name);
        let error = self.error(&name);
        let error_id = format!("{id}-error");
        let help_id = format!("{id}-help");
        let described = [help.map(|_| help_id.clone()), error.as_ref().map(|_| error_id.clone())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        let described = (!described.is_empty()).then(|| described.join(" "));
        let on = self.checked(&name, default);
        view! {
            <div class="field check">
                <input id=id.clone() name=name type="checkbox" value="1" checked=on
                    aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
                <label for=id>{label}</label>
            </div>
            {help.map(|h| view! { <p class="muted" id=help_id>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        }
    }

    /// The text and child wording of a question or choice in every language.
    fn wordings(&self, lang: Lang, prefix: &str, text: &Texts, child: &Texts) -> impl IntoView + use<> {
        Language::ALL
            .into_iter()
            .map(|l| {
                let name = l.native_name();
                let text_label = format!("{name}: {}", lang.t("texto", "text"));
                let child_label = format!("{name}: {}", lang.t("para niñas y niños", "child wording"));
                view! {
                    <div class="stack">
                        {self.input(format!("{prefix}text:{l}"), text_label, text_of(text, l), Some(l))}
                        {self.input(format!("{prefix}child:{l}"), child_label, text_of(child, l), Some(l))}
                    </div>
                }
            })
            .collect_view()
    }
}

fn kind_select(card: &Card, lang: Lang, q: &Question) -> impl IntoView + use<> {
    let current = card.value("kind", q.kind.code().to_string());
    let id = card.id("kind");
    let error = card.error("kind");
    let error_id = format!("{id}-error");
    let described = error.as_ref().map(|_| error_id.clone());
    if q.profile {
        // A profile item (who answers, age band) is always one choice: the kiosk and the
        // dashboards read its choices.
        return view! {
            <div class="field">
                <input type="hidden" name="kind" value=q.kind.code()/>
                <p>{kind_label(lang, q.kind)}" · "{lang.t(
                    "dato de perfil: su tipo y sus opciones no cambian",
                    "profile item: its kind and choices do not change",
                )}</p>
            </div>
        }
        .into_any();
    }
    let options = [QuestionKind::Scale4, QuestionKind::Single, QuestionKind::Multi]
        .into_iter()
        .map(|k| view! { <option value=k.code() selected=current == k.code()>{kind_label(lang, k)}</option> })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{lang.t("Cómo se responde", "How it is answered")}</label>
            <select id=id name="kind" aria-invalid=error.is_some().then_some("true") aria-describedby=described>
                {options}
            </select>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
    .into_any()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn question_card(
    lang: Lang,
    staff: &Staff,
    version: i64,
    q: &Question,
    index: usize,
    count: usize,
    typed: Option<&Typed>,
) -> impl IntoView + use<> {
    let l = lang.code();
    let card = Card { key: &q.key, typed };
    let key = q.key.clone();
    let base = format!("/admin/survey/{version}/questions/{key}");
    let shown_kind = QuestionKind::parse(&card.value("kind", q.kind.code().to_string())).unwrap_or(q.kind);
    let choices = (shown_kind != QuestionKind::Scale4 || !q.choices.is_empty()).then(|| {
        let rows = q
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let prefix = format!("choice:{}:", c.key);
                let legend = match lang {
                    Lang::Es => format!("Opción «{}»", c.key),
                    Lang::En => format!("Choice “{}”", c.key),
                };
                view! {
                    <fieldset class="choice" data-choice=c.key.clone()>
                        <legend>{legend}</legend>
                        {card.input(format!("{prefix}position"), lang.t("Orden (1 = primera)", "Order (1 = first)").to_string(), (i + 1).to_string(), None)}
                        {(!q.profile).then(|| card.check(format!("{prefix}remove"), lang.t("Quitar esta opción", "Remove this choice"), None, false))}
                        {card.wordings(lang, &prefix, &c.text, &c.child_text)}
                    </fieldset>
                }
            })
            .collect_view();
        let new_choice = (!q.profile).then(|| {
            view! {
                <fieldset class="choice new-choice">
                    <legend>{lang.t("Nueva opción (opcional)", "New choice (optional)")}</legend>
                    {card.input("new_choice".into(), lang.t(
                        "Clave (minúsculas, cifras, «-» o «_», como «15-30»)",
                        "Key (lower case, digits, “-” or “_”, such as “15-30”)",
                    ).into(), String::new(), None)}
                    {card.wordings(lang, "new_choice:", &Texts::new(), &Texts::new())}
                </fieldset>
            }
        });
        view! {
            <fieldset>
                <legend>{lang.t("Opciones", "Choices")}</legend>
                {rows}
                {new_choice}
            </fieldset>
        }
    });
    let errors = typed.filter(|t| !t.errors.is_empty()).map(|_| {
        view! {
            <p class="form-error" role="alert">{lang.t(
                "No se guardó nada: revisa los campos marcados.",
                "Nothing was saved: check the marked fields.",
            )}</p>
        }
    });
    let move_form = |direction: &'static str, label: &'static str| {
        view! {
            <form method="post" action=format!("{base}/move?lang={l}") class="inline-form">
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                <input type="hidden" name="direction" value=direction/>
                <button type="submit" class="button" aria-label=format!("{label}: {key}")>{label}</button>
            </form>
        }
    };
    let heading = format!("{}. {}", index + 1, q.key);
    view! {
        <section class="card" id=format!("question-{}", q.key) aria-labelledby=format!("question-{}-title", q.key)>
            <h3 id=format!("question-{}-title", q.key)>{heading}</h3>
            <div class="stack">
                {(index > 0).then(|| move_form("up", lang.t("Subir", "Move up")))}
                {(index + 1 < count).then(|| move_form("down", lang.t("Bajar", "Move down")))}
                {(!q.profile).then(|| view! {
                    <form method="post" action=format!("{base}/remove?lang={l}") class="inline-form">
                        <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                        <button type="submit" class="button" aria-label=format!("{}: {}", lang.t("Quitar la pregunta", "Remove the question"), q.key)>
                            {lang.t("Quitar la pregunta", "Remove the question")}
                        </button>
                    </form>
                })}
            </div>
            <form method="post" action=format!("{base}?lang={l}") class="question-form picker" id=format!("q-{}", q.key)
                data-question=q.key.clone()>
                <input type="hidden" name="csrf" value=staff.csrf.clone()/>
                {errors}
                {kind_select(&card, lang, q)}
                {card.check("in_index".into(), lang.t("Cuenta para el índice de dignidad", "Counts toward the dignity index"), None, q.in_index)}
                {card.check("observable".into(), observable_label(lang), Some(observable_help(lang)), q.observable)}
                <fieldset>
                    <legend>{lang.t("Pregunta", "Question")}</legend>
                    {card.wordings(lang, "", &q.text, &q.child_text)}
                </fieldset>
                {choices}
                <button type="submit" class="primary">{lang.t("Guardar la pregunta", "Save the question")}</button>
            </form>
        </section>
    }
}

fn observable_label(lang: Lang) -> &'static str {
    lang.t(
        "Visible para el personal (se retiene en las publicaciones si haría reconocible a alguien)",
        "Staff could see it (withheld in releases if it would single someone out)",
    )
}

fn observable_help(lang: Lang) -> &'static str {
    lang.t(
        "Márcala si el personal de la comisaría puede ver la respuesta por sí mismo, como quién responde, su edad o cuánto esperó. Solo preguntas de una opción.",
        "Tick it when the station's staff can see the answer for themselves, such as who answered, her age band or how long she waited. One-choice questions only.",
    )
}

pub(super) fn new_question_form(lang: Lang, staff: &Staff, version: i64, typed: &Typed) -> impl IntoView + use<> {
    let l = lang.code();
    let field_error = |name: &str| typed.errors.get(name).cloned();
    let key_error = field_error("key");
    let kind_error = field_error("kind");
    let index_error = field_error("in_index");
    let observable_error = field_error("observable");
    let observable_described = match &observable_error {
        Some(_) => "nq-observable-help nq-observable-error",
        None => "nq-observable-help",
    };
    let kind = typed.fields.get("kind").cloned().unwrap_or_else(|| "scale4".into());
    let options = [QuestionKind::Scale4, QuestionKind::Single, QuestionKind::Multi]
        .into_iter()
        .map(|k| view! { <option value=k.code() selected=kind == k.code()>{kind_label(lang, k)}</option> })
        .collect_view();
    view! {
        <form method="post" action=format!("/admin/survey/{version}/questions?lang={l}") class="picker" id="new-question">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="nq-key">{lang.t(
                    "Clave (minúsculas sin tilde, cifras y «_», como «waiting_time»)",
                    "Key (lower case, digits and “_”, such as “waiting_time”)",
                )}</label>
                <input id="nq-key" name="key" type="text" value=typed.fields.get("key").cloned().unwrap_or_default()
                    aria-invalid=key_error.is_some().then_some("true")
                    aria-describedby=key_error.as_ref().map(|_| "nq-key-error")/>
                {key_error.map(|e| view! { <p class="field-error" id="nq-key-error">{e}</p> })}
            </div>
            <div class="field">
                <label for="nq-kind">{lang.t("Cómo se responde", "How it is answered")}</label>
                <select id="nq-kind" name="kind" aria-invalid=kind_error.is_some().then_some("true")
                    aria-describedby=kind_error.as_ref().map(|_| "nq-kind-error")>{options}</select>
                {kind_error.map(|e| view! { <p class="field-error" id="nq-kind-error">{e}</p> })}
            </div>
            <div class="field check">
                <input id="nq-in-index" name="in_index" type="checkbox" value="1" checked=typed.fields.contains_key("in_index")
                    aria-invalid=index_error.is_some().then_some("true")
                    aria-describedby=index_error.as_ref().map(|_| "nq-in-index-error")/>
                <label for="nq-in-index">{lang.t("Cuenta para el índice de dignidad", "Counts toward the dignity index")}</label>
            </div>
            {index_error.map(|e| view! { <p class="field-error" id="nq-in-index-error">{e}</p> })}
            <div class="field check">
                <input id="nq-observable" name="observable" type="checkbox" value="1" checked=typed.fields.contains_key("observable")
                    aria-invalid=observable_error.is_some().then_some("true")
                    aria-describedby=observable_described/>
                <label for="nq-observable">{observable_label(lang)}</label>
            </div>
            <p class="muted" id="nq-observable-help">{observable_help(lang)}</p>
            {observable_error.map(|e| view! { <p class="field-error" id="nq-observable-error">{e}</p> })}
            <button type="submit" class="primary">{lang.t("Añadir la pregunta", "Add the question")}</button>
        </form>
    }
}
